import { customerRecordsHarness } from './customer-records';
import { TestApi } from './test-api';
import { chinaDate } from './test-clock';
import { tokens } from './test-tokens';

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
const HM = 'health-management';

/** The answer's body when it has the expected status; else an error naming both. */
export async function expectStatus(response: Promise<{ status: number; body: Record<string, unknown> }>, status = 201): Promise<Record<string, unknown>> {
  const { status: got, body } = await response;
  if (got !== status) throw new Error(`expected ${status}, got ${got} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Records of every kind of issue #14 for `subjectId` (check-up, service record, follow-up task and
 * plan, order paid and partly refunded, complaint, message, survey answer), each holding a text of its
 * own marked with `tag`. The customer needs consents covering health_records and consumption.
 */
export async function recordsOfEveryKind(api: TestApi, h: Harness, subjectId: string, tag: string) {
  const secrets = {
    conclusion: `${tag}空腹血糖偏高需复查`,
    service: `${tag}低盐饮食指导`,
    task: `${tag}电话询问血压记录`,
    plan: `${tag}高血压季度随访`,
    orderItem: `${tag}动态血压监测`,
    refund: `${tag}客户住院改期`,
    complaint: `${tag}候诊时间过长`,
    message: `${tag}请空腹前来复查`,
    survey: `${tag}希望增加周末门诊`,
  };
  const post = (path: string, token: string, body: Record<string, unknown>) => expectStatus(h.call('POST', `/v1/subjects/${subjectId}/${path}`, token, { purposeId: HM, ...body }));
  await post('checkups', h.as.health_manager, {
    visitDate: chinaDate(-30),
    institution: '体检中心',
    results: [{ code: 'GLU', name: '空腹血糖', value: 7.4, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } }],
    conclusions: [secrets.conclusion],
  });
  const service = await post('service-records', h.as.health_manager, { serviceDate: chinaDate(-2), serviceType: 'consultation', content: secrets.service });
  await post('follow-ups', h.as.health_manager, { dueDate: chinaDate(5), channel: 'phone', note: secrets.task });
  await post('follow-up-plans', h.as.health_manager, { every: 3, unit: 'months', startDate: chinaDate(10), channel: 'phone', reason: secrets.plan });
  const order = await post('orders', h.as.front_desk, {
    orderDate: chinaDate(-3),
    items: [{ kind: 'service', code: 'ABPM', name: secrets.orderItem, quantity: 1, unitPriceFen: 40_000 }],
  });
  await expectStatus(h.call('POST', `/v1/orders/${order.orderId as string}/pay`, h.as.front_desk, { paymentMethod: 'wechat_pay', purposeId: HM }), 200);
  await expectStatus(h.call('POST', `/v1/orders/${order.orderId as string}/refunds`, h.as.front_desk, { amountFen: 10_000, reason: secrets.refund, purposeId: HM }));
  const complaint = await post('complaints', h.as.customer_service, { channel: 'phone', category: 'waiting_time', severity: 'low', description: secrets.complaint });
  await post('messages', h.as.health_manager, { kind: 'checkup_reminder', subject: '复查提醒', body: secrets.message });
  const fresh = { 'x-ledger-min-position': String(await api.logHead()) };
  const survey = await expectStatus(
    h.call('POST', '/v1/surveys', await tokens(api).admin(), {
      title: `满意度${tag}`,
      questions: [
        { id: 'overall', kind: 'scale', text: '满意吗' },
        { id: 'comment', kind: 'text', text: '意见', required: false },
      ],
    }),
  );
  const dispatched = await expectStatus(
    h.call('POST', `/v1/service-records/${service.recordId as string}/survey`, h.as.health_manager, { surveyId: survey.surveyId, purposeId: HM }, fresh),
  );
  await expectStatus(h.call('POST', `/v1/survey-responses/${dispatched.responseId as string}`, h.as.health_manager, { answers: { overall: 5, comment: secrets.survey } }), 200);
  return { secrets, complaintId: complaint.complaintId as string };
}
