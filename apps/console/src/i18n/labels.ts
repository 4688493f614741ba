import type { Lang } from './messages';
import { FILE_EN, FILE_ZH } from './file-messages';
import { CUSTOMER_TIERS, CUSTOMER_TYPES } from '../../../../libs/ledger-domain/src/subject/customer-profile';
import { LIFECYCLE_STAGES } from '../../../../libs/ledger-domain/src/subject/lifecycle';

/** Words by key, in both languages. */
export type Labels = Record<string, Record<Lang, string>>;

/** The customer file's own words for a coded value: the query and the reports name a type, tier or stage as the file does. */
const fileWords = (prefix: string, values: readonly string[]): Labels =>
  Object.fromEntries(
    values.map((value) => {
      const key = `${prefix}.${value}` as keyof typeof FILE_ZH;
      return [value, { zh: FILE_ZH[key], en: FILE_EN[key] }];
    }),
  );
export const CUSTOMER_TYPE_WORDS = fileWords('profile.type', CUSTOMER_TYPES);
export const TIER_WORDS = fileWords('profile.tier', CUSTOMER_TIERS);
export const LIFECYCLE_WORDS = fileWords('lifecycle', LIFECYCLE_STAGES);

const CATEGORIES: Labels = {
  identity: { zh: '身份信息', en: 'Identity' },
  identity_document: { zh: '证件信息', en: 'ID document' },
  contact: { zh: '联系方式', en: 'Contact' },
  employment: { zh: '职业信息', en: 'Employment' },
  demographics: { zh: '人口信息', en: 'Demographics' },
  health: { zh: '健康信息', en: 'Health' },
  health_records: { zh: '体检记录', en: 'Check-up records' },
  consumption: { zh: '消费记录', en: 'Purchases' },
  service_interactions: { zh: '服务记录', en: 'Service history' },
  preferences: { zh: '偏好', en: 'Preferences' },
  customer_profile: { zh: '客户分类', en: 'Classification' },
};

const FIELDS: Labels = {
  name: { zh: '姓名', en: 'Name' },
  gender: { zh: '性别', en: 'Gender' },
  birthDate: { zh: '出生日期', en: 'Date of birth' },
  ethnicity: { zh: '民族', en: 'Ethnicity' },
  type: { zh: '证件类型', en: 'Document type' },
  number: { zh: '证件号码', en: 'Document number' },
  phone: { zh: '手机号码', en: 'Mobile phone' },
  email: { zh: '电子邮箱', en: 'Email' },
  address: { zh: '地址', en: 'Address' },
  employer: { zh: '工作单位', en: 'Employer' },
  title: { zh: '职务', en: 'Job title' },
  maritalStatus: { zh: '婚姻状况', en: 'Marital status' },
  education: { zh: '学历', en: 'Education' },
  conditions: { zh: '疾病史', en: 'Conditions' },
  allergies: { zh: '过敏史', en: 'Allergies' },
  surgeries: { zh: '手术史', en: 'Surgeries' },
  medications: { zh: '用药', en: 'Medications' },
  lifestyle: { zh: '生活方式', en: 'Lifestyle' },
  goals: { zh: '健康目标', en: 'Health goals' },
  exams: { zh: '体检', en: 'Check-ups' },
  purchases: { zh: '消费', en: 'Purchases' },
  services: { zh: '服务', en: 'Services' },
  surveys: { zh: '满意度调查', en: 'Surveys' },
  complaints: { zh: '投诉', en: 'Complaints' },
  marketingChannels: { zh: '营销渠道', en: 'Marketing channels' },
  interests: { zh: '兴趣', en: 'Interests' },
  phones: { zh: '电话', en: 'Phones' },
  addresses: { zh: '地址', en: 'Addresses' },
};

const LEGAL_BASES: Labels = {
  consent: { zh: '个人同意', en: 'Consent' },
  contract: { zh: '订立、履行合同所必需', en: 'Necessary for a contract' },
  legal_obligation: { zh: '履行法定义务', en: 'Legal obligation' },
  vital_interest: { zh: '保护生命健康', en: 'Vital interests' },
  public_interest: { zh: '公共利益', en: 'Public interest' },
  public_data: { zh: '已公开信息', en: 'Published data' },
  other_law: { zh: '法律法规规定', en: 'Other law' },
};

const REQUEST_TYPES: Labels = {
  access: { zh: '查阅', en: 'Access' },
  copy: { zh: '复制', en: 'Copy' },
  portability: { zh: '转移', en: 'Portability' },
  correction: { zh: '更正', en: 'Correction' },
  supplement: { zh: '补充', en: 'Supplement' },
  erasure: { zh: '删除', en: 'Erasure' },
  restriction: { zh: '限制处理', en: 'Restriction' },
  consent_withdrawal: { zh: '撤回同意', en: 'Consent withdrawal' },
  explanation: { zh: '解释说明', en: 'Explanation' },
  account_closure: { zh: '注销账户', en: 'Account closure' },
};

const STATUSES: Labels = {
  received: { zh: '已接收', en: 'Received' },
  verified: { zh: '已核验身份', en: 'Verified' },
  in_progress: { zh: '处理中', en: 'In progress' },
  fulfilled: { zh: '已完成', en: 'Fulfilled' },
  rejected: { zh: '已拒绝', en: 'Rejected' },
  failed_verification: { zh: '身份核验失败', en: 'Failed verification' },
  canceled: { zh: '已取消', en: 'Canceled' },
  active: { zh: '正常', en: 'Active' },
  restricted: { zh: '限制处理', en: 'Restricted' },
  erased: { zh: '已删除', en: 'Erased' },
  withdrawn: { zh: '已撤回', en: 'Withdrawn' },
};

const ROLES: Labels = {
  front_desk: { zh: '前台', en: 'Front desk' },
  health_manager: { zh: '健康管理师', en: 'Health manager' },
  customer_service: { zh: '客服', en: 'Customer service' },
  manager: { zh: '主管', en: 'Manager' },
  compliance_officer: { zh: '合规专员', en: 'Compliance officer' },
  auditor: { zh: '审计员', en: 'Auditor' },
  ops: { zh: '运维', en: 'Operations' },
  admin: { zh: '管理员', en: 'Administrator' },
  staff: { zh: '员工（旧）', en: 'Staff (legacy)' },
};

/** A lookup of `labels`: the word in `lang`, else the key itself. */
export const label = (labels: Labels) => (key: string, lang: Lang) => labels[key]?.[lang] ?? key;

export const categoryLabel = label(CATEGORIES);
export const fieldLabel = label(FIELDS);
export const legalBasisLabel = label(LEGAL_BASES);
export const requestTypeLabel = label(REQUEST_TYPES);
export const statusLabel = label(STATUSES);
export const roleLabel = label(ROLES);
export const REQUEST_TYPE_NAMES = Object.keys(REQUEST_TYPES);
export const REQUEST_STATUS_NAMES = ['received', 'verified', 'in_progress', 'fulfilled', 'rejected', 'failed_verification', 'canceled'];
export const DOCUMENT_TYPES = ['resident_id', 'passport', 'hk_macao_permit', 'taiwan_permit', 'foreign_permanent_resident_id'];
