import { ApiProblem } from './api-client';
import type { Lang } from '../i18n/messages';

type Text = Record<Lang, string>;

/** The refusals of the order, message, survey, incident and assessment forms, in the words of the person using them (merged into problem-messages.ts). */
export const FORM_PROBLEM_CODES: Record<string, Text> = {
  'order-exists': { zh: '该订单已经记录过。', en: 'This order is already recorded.' },
  'order-not-found': { zh: '找不到该订单。', en: 'No such order.' },
  'order-not-payable': { zh: '该订单已支付或已取消，不能再收款。页面已显示最新状态。', en: 'This order is already paid or cancelled; the latest state is shown.' },
  'order-not-cancellable': { zh: '订单已支付，不能取消；如需退回款项，请办理退款。', en: 'A paid order cannot be cancelled: refund it instead.' },
  'payment-amount-mismatch': { zh: '收款金额与订单金额不一致。', en: 'The amount paid is not the order’s amount.' },
  'marketing-consent-required': {
    zh: '客户没有有效的营销同意（或已撤回），不能向其发送营销消息。请先征得客户同意。',
    en: 'The customer has no active consent to marketing (or withdrew it): no marketing message may be sent. Ask for consent first.',
  },
  'marketing-channel-not-chosen': {
    zh: '客户没有选择通过该渠道接收营销消息。请换用客户选择的渠道。',
    en: 'The customer did not choose this channel for marketing messages. Use a channel they chose.',
  },
  'no-recipient-address': {
    zh: '客户档案里没有该渠道的联系方式（邮箱或手机号），无法发送。请先补充联系方式或换一个渠道。',
    en: 'The file has no address for this channel (email or mobile number). Add one first or choose another channel.',
  },
  'survey-not-found': { zh: '找不到该问卷。', en: 'No such questionnaire.' },
  'service-record-not-found': { zh: '找不到该服务记录。', en: 'No such service record.' },
  'survey-already-dispatched': {
    zh: '这次服务已经发过这份问卷，请在列表中为它录入回答。',
    en: 'This questionnaire was already sent for this service: enter its answers from the list.',
  },
  'survey-already-answered': { zh: '这份问卷已经回答过，不能再次录入。页面已显示已有回答。', en: 'This questionnaire is already answered; the answers on record are shown.' },
  'survey-not-dispatched': { zh: '这份问卷还没有发出。', en: 'This questionnaire was not sent.' },
  'incident-scope-empty': {
    zh: '请至少填写一个涉及的账号或系统：没有范围，就无法判断哪些人受到影响。',
    en: 'Name at least one account or system: without a scope, who was affected cannot be worked out.',
  },
  'incident-not-found': { zh: '找不到该安全事件。', en: 'No such incident.' },
  'notification-exists': { zh: '这次通知已经记录过。', en: 'This notification is already recorded.' },
  'assessment-not-found': { zh: '找不到该影响评估。', en: 'No such impact assessment.' },
  'assessment-purpose-fixed': {
    zh: '评估的处理目的不能更改；如评估另一个目的，请新建评估。',
    en: 'An assessment’s purpose cannot change; start a new assessment for another purpose.',
  },
  'assessment-version-outdated': {
    zh: '在您查看之后，该评估已有新版本。请查看最新版本后再批准。',
    en: 'The assessment has a newer version since you looked: review the latest before approving.',
  },
  'assessment-not-acceptable': { zh: '结论为“不可接受”的评估不能批准。', en: 'An assessment concluded “not acceptable” cannot be approved.' },
  'assessment-expiry-passed': { zh: '有效期必须晚于现在。', en: 'The approval must end in the future.' },
  'assessment-required': {
    zh: '该处理目的需要经批准且未过期的个人信息保护影响评估，目前没有，因此不能处理。请联系合规专员。',
    en: 'This purpose needs an approved, unexpired impact assessment and has none, so nothing may be processed under it. Contact the compliance officer.',
  },
};

/** How these forms name the fields a refusal names (`items[1].code` → “项目第 2 行 · 代码”). */
export const FORM_FIELD_NAMES: Record<string, Text> = {
  orderDate: { zh: '订单日期', en: 'order date' },
  items: { zh: '项目', en: 'items' },
  amountFen: { zh: '合计金额', en: 'total' },
  note: { zh: '备注', en: 'note' },
  kind: { zh: '类型', en: 'kind' },
  subject: { zh: '标题', en: 'subject' },
  body: { zh: '内容', en: 'content' },
  purposeId: { zh: '处理目的', en: 'purpose' },
  answers: { zh: '回答', en: 'answers' },
  detectedAt: { zh: '发现时间', en: 'detected at' },
  from: { zh: '影响时段开始', en: 'window start' },
  to: { zh: '影响时段结束', en: 'window end' },
  actors: { zh: '涉及账号', en: 'accounts' },
  systems: { zh: '涉及系统', en: 'systems' },
  categories: { zh: '信息类别', en: 'categories' },
  audience: { zh: '通知对象', en: 'audience' },
  reference: { zh: '编号', en: 'reference' },
  notifiedAt: { zh: '通知时间', en: 'notified at' },
  activity: { zh: '处理活动', en: 'activity' },
  recipients: { zh: '接收方', en: 'recipients' },
  risks: { zh: '风险', en: 'risks' },
  measures: { zh: '保护措施', en: 'measures' },
  conclusion: { zh: '结论', en: 'conclusion' },
  expiresAt: { zh: '有效期至', en: 'valid until' },
};

/** The API's most frequent reasons, in Chinese (the rest as the API words them). */
const API_WORDS_ZH: Record<string, string> = {
  'must not be after today': '不能晚于今天',
  'must not be in the future': '不能晚于现在',
  'must not be before from': '不能早于开始时间',
  'must be a real date, YYYY-MM-DD': '请填写真实的日期（YYYY-MM-DD）',
};

export type FieldPath = (string | number)[];

/** `items[1].unitPriceFen` → ['items', 1, 'unitPriceFen']: the form's name path of a field a refusal names. */
export function fieldPath(path: string): FieldPath {
  return path
    .replace(/\[(\d+)\]/g, '.$1')
    .split('.')
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * The fields a refusal (400 problem+json) names, for Form.setFields: each with the API's reason, after
 * `rename` has turned the API's names into the form's (a price in yuan where the API takes fen).
 */
export function problemFields(error: unknown, lang: Lang, rename: (path: FieldPath) => FieldPath = (path) => path): { name: FieldPath; errors: string[] }[] {
  if (!(error instanceof ApiProblem)) return [];
  const invalid = lang === 'zh' ? '此项不符合要求' : 'Not valid';
  return (error.problem.errors ?? []).map((item) => ({
    name: rename(fieldPath(item.path)),
    errors: [`${invalid}: ${(lang === 'zh' && API_WORDS_ZH[item.message]) || item.message}`],
  }));
}
