/**
 * The services a centre gives (服务类型), a closed list so that reports can count by type:
 * consultation 咨询, checkup 体检, lecture 健康讲座, follow_up_call 回访电话, nutrition_guidance 营养指导,
 * exercise_guidance 运动指导, health_assessment 健康评估, referral 转诊, home_visit 上门服务, other 其他.
 */
export const SERVICE_TYPES = [
  'consultation',
  'checkup',
  'lecture',
  'follow_up_call',
  'nutrition_guidance',
  'exercise_guidance',
  'health_assessment',
  'referral',
  'home_visit',
  'other',
] as const;
export type ServiceType = (typeof SERVICE_TYPES)[number];

/** What was done and what came of it: sealed as one value under the customer's `service_interactions` key. */
export interface ServiceDetails {
  content: string;
  outcome?: string;
}

/**
 * Events of one service record's stream (`service-record-<recordId>`). In clear: ids, the service's
 * date and type, the staff member who gave it, who recorded it and when.
 */
export type ServiceRecordEvent<V = ServiceDetails> = {
  type: 'ServiceRecorded';
  data: { recordId: string; subjectId: string; serviceDate: string; serviceType: ServiceType; staffId: string; recordedBy: string; recordedAt: string; details: V };
};

export const serviceRecordStream = (recordId: string) => `service-record-${recordId}`;

export const SERVICE_RECORD_CATEGORY = 'service_interactions';
