import type { Lang } from '../../i18n/messages';
import { CUSTOMER_TYPE_WORDS, label, LIFECYCLE_WORDS, TIER_WORDS, type Labels } from '../../i18n/labels';

/** The combined query's fields (GET /v1/subjects/query/fields) as the desk names them; an unknown one by its API name. */
const FIELDS: Labels = {
  customerNumber: { zh: '客户编号', en: 'Customer number' },
  status: { zh: '档案状态', en: 'File status' },
  customerType: { zh: '客户类型', en: 'Customer type' },
  tier: { zh: '客户等级', en: 'Tier' },
  tags: { zh: '标签', en: 'Tag' },
  lifecycleStage: { zh: '生命周期阶段', en: 'Lifecycle stage' },
  departmentId: { zh: '所属部门（编号）', en: 'Department (id)' },
  healthManagerId: { zh: '健康管理师（账号编号）', en: 'Health manager (account id)' },
  gender: { zh: '性别', en: 'Gender' },
  age: { zh: '年龄', en: 'Age' },
  province: { zh: '省份（行政区划代码）', en: 'Province (division code)' },
  city: { zh: '城市（行政区划代码）', en: 'City (division code)' },
  district: { zh: '区县（行政区划代码）', en: 'District (division code)' },
  conditions: { zh: '疾病史', en: 'Condition' },
  allergies: { zh: '过敏史', en: 'Allergy' },
  abnormalIndicators: { zh: '体检异常指标（代码）', en: 'Abnormal check-up indicator (code)' },
  lastServiceDate: { zh: '最近服务日期', en: 'Last service' },
  lastCheckupDate: { zh: '最近体检日期', en: 'Last check-up' },
  orderTotal: { zh: '消费金额（元）', en: 'Amount spent (yuan)' },
  orderCount: { zh: '订单数', en: 'Orders' },
  openComplaints: { zh: '未结投诉数', en: 'Open complaints' },
  lastSurveyScore: { zh: '最近满意度评分', en: 'Last survey score' },
  activeConsent: { zh: '已同意的用途', en: 'Consented to purpose' },
  withdrawnConsent: { zh: '已撤回同意的用途', en: 'Withdrew consent to purpose' },
  rfmRecency: { zh: 'RFM 最近消费等级', en: 'RFM recency' },
  rfmFrequency: { zh: 'RFM 消费频次等级', en: 'RFM frequency' },
  rfmMonetary: { zh: 'RFM 消费金额等级', en: 'RFM monetary' },
  rfmScore: { zh: 'RFM 总分', en: 'RFM score' },
  rfmSegment: { zh: '客户价值分群', en: 'Value segment' },
  // the result columns' facts
  divisionCode: { zh: '地区（代码）', en: 'Region (code)' },
  rfm: { zh: '客户价值（RFM）', en: 'Value (RFM)' },
};

const OPS: Labels = {
  eq: { zh: '等于', en: 'is' },
  in: { zh: '是其中之一', en: 'is one of' },
  range: { zh: '介于', en: 'between' },
  prefix: { zh: '开头是', en: 'starts with' },
  contains: { zh: '包含', en: 'contains' },
  exists: { zh: '有无记录', en: 'is recorded' },
};

const VALUES: Labels = {
  active: { zh: '正常', en: 'Active' },
  restricted: { zh: '限制处理', en: 'Restricted' },
  male: { zh: '男', en: 'Male' },
  female: { zh: '女', en: 'Female' },
  undisclosed: { zh: '未说明', en: 'Undisclosed' },
  champion: { zh: '重要价值客户', en: 'Champion' },
  loyal: { zh: '忠诚客户', en: 'Loyal' },
  at_risk: { zh: '流失风险客户', en: 'At risk' },
  new: { zh: '新客户', en: 'New' },
  hibernating: { zh: '沉睡客户', en: 'Hibernating' },
  regular: { zh: '一般客户', en: 'Regular' },
};

export const queryFieldLabel = label(FIELDS);
export const queryOpLabel = label(OPS);
/** An enum value of a field: a type, tier or lifecycle stage in the customer file's words (lifecycle `active` 活跃客户, a file's status `active` 正常). */
const VALUE_LABELS: Record<string, (value: string, lang: Lang) => string> = {
  customerType: label(CUSTOMER_TYPE_WORDS),
  tier: label(TIER_WORDS),
  lifecycleStage: label(LIFECYCLE_WORDS),
};
const valueLabel = label(VALUES);
export const queryValueLabel = (field: string, value: string, lang: Lang) => (VALUE_LABELS[field] ?? valueLabel)(value, lang);
