import { ApiProblem, PurposeNotChosen } from './api-client';
import type { Lang } from '../i18n/messages';
import { categoryLabel, fieldLabel } from '../i18n/labels';
import { FORM_FIELD_NAMES, FORM_PROBLEM_CODES } from './form-problems';

type Text = Record<Lang, string>;

/** What each refusal means for the person at the desk, in their words; never the raw error. */
const BY_CODE: Record<string, Text> = {
  'no-legal-basis': {
    zh: '没有合法依据：该客户未就所选用途给予（或已撤回）同意，或该用途不允许处理这些信息。请更换用途，或先征得客户同意。',
    en: 'No legal basis: the customer has not consented to the chosen purpose (or withdrew consent), or the purpose does not allow this processing. Choose another purpose or obtain consent first.',
  },
  'processing-restricted': {
    zh: '该客户已要求限制处理其个人信息，目前只能保存，不能查看或使用。请联系合规专员。',
    en: 'The customer has asked to restrict processing of their information: it may only be stored, not viewed or used. Contact the compliance officer.',
  },
  'category-not-permitted': {
    zh: '您的岗位无权查看或修改此类信息（{category}）。如工作需要，请联系管理员调整权限。',
    en: 'Your job role may not read or change this kind of information ({category}). Ask an administrator if your work needs it.',
  },
  'outside-assignment': {
    zh: '该客户不在您负责的范围（部门或分配）内。如确有正当理由（如客户就在现场、紧急情况），可“紧急访问”，此次访问会被记录并由合规专员审查。',
    en: 'This customer is outside your assignment (department or allocation). If you have a real reason (the customer is here, an emergency), use emergency access: it is recorded and reviewed by compliance.',
  },
  'token-expired': { zh: '登录已过期，请重新登录。', en: 'Your session has expired. Please sign in again.' },
  'invalid-token': { zh: '登录状态无效，请重新登录。', en: 'Your sign-in is not valid. Please sign in again.' },
  unauthorized: { zh: '请先登录。', en: 'Please sign in first.' },
  forbidden: { zh: '您的角色无权进行此操作。', en: 'Your role may not do this.' },
  'purpose-required': { zh: '请先选择处理目的。', en: 'Choose the purpose of processing first.' },
  'precondition-failed': {
    zh: '在您编辑期间，其他人已修改了该客户档案。请查看最新内容后再保存。',
    en: 'Someone else changed this customer file while you were editing. Review the latest version before saving.',
  },
  'concurrency-conflict': { zh: '档案正被同时修改，请稍后重试。', en: 'The file is being changed at the same time; try again in a moment.' },
  'duplicate-subject': { zh: '该证件号码已登记过，客户档案已存在。', en: 'This ID number is already registered: the customer already has a file.' },
  'subject-not-found': { zh: '找不到该客户档案。', en: 'No such customer file.' },
  'subject-erased': { zh: '该客户的个人信息已依法删除。', en: 'This customer’s personal information has been erased.' },
  'separate-consent-required': {
    zh: '敏感个人信息（如健康、证件号码）需要客户单独同意，请勾选单独同意。',
    en: 'Sensitive information (such as health data or ID numbers) needs the customer’s separate consent: tick the separate consent.',
  },
  'consent-required': { zh: '该用途以同意为依据，需要客户同意。', en: 'This purpose is based on consent: the customer must consent.' },
  'guardian-consent-required': {
    zh: '客户未满十四周岁，需要其监护人同意，请填写监护人信息。',
    en: 'The customer is under 14: a parent or guardian must consent. Enter the guardian.',
  },
  'category-not-in-purpose': { zh: '所选用途不包括这类信息，不能为此收集。', en: 'The chosen purpose does not cover this kind of information; it cannot be collected for it.' },
  'unknown-purpose': { zh: '该处理目的不存在。', en: 'That purpose of processing does not exist.' },
  'unknown-notice': { zh: '该告知书版本不存在。', en: 'That notice version does not exist.' },
  'notice-not-found': { zh: '该告知书版本不存在。', en: 'That notice version does not exist.' },
  'notice-does-not-cover-purpose': { zh: '该告知书未涵盖所选用途，请使用涵盖它的版本。', en: 'That notice does not cover the chosen purpose; use a version that does.' },
  'lookup-rate-exceeded': { zh: '查询过于频繁，请稍后再试。', en: 'Too many look-ups in a short time; wait a moment.' },
  'projection-lagging': { zh: '数据正在同步，请几秒后重试。', en: 'The data is still being brought up to date; try again in a few seconds.' },
  'projection-quarantined': { zh: '该客户档案暂时无法显示，运维人员正在处理。', en: 'This file cannot be shown for now; operations are fixing it.' },
  'database-unavailable': { zh: '系统暂时不可用，请稍后重试。', en: 'The system is briefly unavailable; try again shortly.' },
  'request-in-progress': { zh: '该客户有正在处理的权利请求，请等待其完成。', en: 'A rights request for this customer is in progress; wait for it to finish.' },
  'invalid-credentials': { zh: '用户名或密码不正确。', en: 'Wrong username or password.' },
  'invalid-mfa-code': { zh: '动态验证码不正确或已过期。', en: 'The one-time code is wrong or has expired.' },
  'invalid-step-token': { zh: '登录步骤已超时，请重新登录。', en: 'This sign-in step has timed out; start again.' },
  'invalid-refresh-token': { zh: '登录已结束，请重新登录。', en: 'Your session has ended; please sign in again.' },
  'refresh-token-reused': { zh: '为安全起见，此次登录已被终止，请重新登录。', en: 'For your safety this session was ended; please sign in again.' },
  'token-revoked': { zh: '您的登录已被撤销（如账户或权限变更），请重新登录。', en: 'Your sign-in was revoked (for example, your account or roles changed); please sign in again.' },
  'mfa-already-enrolled': { zh: '已设置过双因素验证；如需更换，请联系管理员重置。', en: 'Two-factor sign-in is already set up; ask an administrator to reset it.' },
  'current-password-incorrect': { zh: '当前密码不正确。', en: 'The current password is wrong.' },
  'account-locked': { zh: '账户已被锁定，请联系管理员。', en: 'The account is locked; contact an administrator.' },
  'account-disabled': { zh: '账户已停用，请联系管理员。', en: 'The account is disabled; contact an administrator.' },
  'follow-up-not-open': {
    zh: '该回访任务已完成或已取消，不能再修改。页面已显示最新状态。',
    en: 'This follow-up task is already done or cancelled and cannot be changed; the latest state is shown.',
  },
  'follow-up-not-found': { zh: '找不到该回访任务。', en: 'No such follow-up task.' },
  'checkup-not-found': { zh: '找不到该次体检记录。', en: 'No such check-up visit.' },
  'checkup-exists': { zh: '该次体检已经记录过。', en: 'This check-up visit is already recorded.' },
  'service-record-exists': { zh: '该服务已经记录过。', en: 'This service is already recorded.' },
  'follow-up-exists': { zh: '该回访任务已经创建过。', en: 'This follow-up task already exists.' },
  'unknown-department': { zh: '该部门不存在。', en: 'No such department.' },
  'inactive-department': { zh: '该部门已停用。', en: 'That department is no longer active.' },
  'saved-query-not-found': { zh: '找不到该保存的查询（可能已被删除）。', en: 'No such saved query (it may have been deleted).' },
  'not-saved-query-owner': { zh: '只有保存人或本部门主管可以删除这个查询。', en: 'Only the person who saved this query or the department’s manager may delete it.' },
  'department-required': { zh: '您的账户没有所属部门，不能保存查询。请联系管理员。', en: 'Your account has no department, so queries cannot be saved. Ask an administrator.' },
  'validation-failed': { zh: '填写的内容有误，请检查：{fields}', en: 'Some entries are not valid; check: {fields}' },
  'subject-merged': { zh: '该档案已合并到另一份档案，请打开保留的档案。', en: 'This file was merged into another; open the file that stayed.' },
  'merge-same-subject': { zh: '不能把一份档案合并到它自己。', en: 'A file cannot be merged into itself.' },
  'merge-conflicting-facts': {
    zh: '两份档案的事实相互矛盾，不能合并：{fields}。两个不同的证件号码说明是两个人；出生日期必须与保留的身份证号码一致。如确是同一人，请先更正错误的档案。',
    en: 'The two files hold facts that contradict each other, so they cannot be merged: {fields}. Two different ID numbers mean two people; the date of birth kept must agree with the ID number kept. If it really is one person, correct the wrong file first.',
  },
  'merge-choice-required': { zh: '两份档案在以下项目上不同，请选择保留哪一边：{fields}', en: 'The two files differ in these items; choose which side stays: {fields}' },
  'merge-under-legal-hold': {
    zh: '其中一份档案处于法定保留（如诉讼、监管调查）中，保留期间不能合并。请联系合规专员。',
    en: 'One of the files is under a legal hold (litigation, an inquiry): it cannot be merged while the hold lasts. Contact the compliance officer.',
  },
  'merge-pending-erasure': {
    zh: '客户已要求删除其中一份档案的个人信息，请求尚未处理完。客户要的是删除而不是合并：请先处理该删除请求。',
    en: 'The customer asked for one of these files to be erased and the request is still open. They asked for deletion, not a merge: answer the erasure request first.',
  },
  'export-too-large': {
    zh: '符合条件的客户超过单次导出上限（{maxRows} 位）。请增加条件，缩小范围后再导出。',
    en: 'More customers match than one export may hold ({maxRows}). Add conditions to narrow it, then export again.',
  },
  ...FORM_PROBLEM_CODES,
};

const BY_STATUS: Record<number, Text> = {
  400: { zh: '请求内容有误。', en: 'The request is not valid.' },
  401: { zh: '请重新登录。', en: 'Please sign in again.' },
  403: { zh: '您无权进行此操作。', en: 'You may not do this.' },
  404: { zh: '找不到所请求的内容。', en: 'Not found.' },
  409: { zh: '与现有记录冲突。', en: 'This conflicts with an existing record.' },
  422: { zh: '该操作不符合规则，未执行。', en: 'This breaks a rule and was not done.' },
  429: { zh: '操作过于频繁，请稍后再试。', en: 'Too many requests; wait a moment.' },
};

const GENERIC: Text = { zh: '系统出错，请稍后重试。如持续出现，请联系运维并提供请求编号。', en: 'Something went wrong; try again. If it keeps happening, tell operations.' };

/** The record forms' names for the fields a refusal names (`results[2].value` → “检查结果 第 3 项 · 结果”); other paths as the API names them. */
const FIELD_NAMES: Record<string, Text> = {
  visitDate: { zh: '体检日期', en: 'visit date' },
  institution: { zh: '体检机构', en: 'institution' },
  package: { zh: '体检套餐', en: 'package' },
  conclusions: { zh: '体检结论', en: 'conclusions' },
  serviceDate: { zh: '服务日期', en: 'service date' },
  serviceType: { zh: '服务类型', en: 'service type' },
  dueDate: { zh: '应回访日期', en: 'due date' },
  channel: { zh: '回访方式', en: 'channel' },
  'identity_document.number': { zh: '证件号码', en: 'ID number' },
  'identity.birthDate': { zh: '出生日期', en: 'date of birth' },
};
const RESULT_FIELDS: Record<string, Text> = {
  code: { zh: '指标代码', en: 'indicator code' },
  name: { zh: '指标名称', en: 'indicator' },
  value: { zh: '结果', en: 'result' },
  unit: { zh: '单位', en: 'unit' },
  referenceRange: { zh: '参考范围', en: 'reference range' },
};

function fieldName(path: string, lang: Lang): string {
  const result = /^results\[(\d+)\](?:\.(\w+))?/.exec(path);
  if (result) {
    const which = lang === 'zh' ? `检查结果第 ${Number(result[1]) + 1} 项` : `result ${Number(result[1]) + 1}`;
    return result[2] ? `${which} · ${RESULT_FIELDS[result[2]]?.[lang] ?? result[2]}` : which;
  }
  // a merge's choice (`choices.identity.birthDate`, `choices.identity_document`): the category and field as the file names them
  const choice = /^choices\.(\w+)(?:\.(\w+))?$/.exec(path);
  if (choice) return [categoryLabel(choice[1], lang), ...(choice[2] ? [fieldLabel(choice[2], lang)] : [])].join(' · ');
  return FIELD_NAMES[path]?.[lang] ?? formFieldName(path, lang);
}

/** `items[1].code` → “项目 第 2 项 · code”; `answers.overall` → “回答 · overall”: the form's name for the list, then the rest as the API names it. */
function formFieldName(path: string, lang: Lang): string {
  const [, head, index, rest] = /^(\w+)(?:\[(\d+)\])?\.?(.*)$/.exec(path) ?? [];
  const name = head && FORM_FIELD_NAMES[head]?.[lang];
  if (!name) return path;
  const which = index === undefined ? name : lang === 'zh' ? `${name} 第 ${Number(index) + 1} 项` : `${name} ${Number(index) + 1}`;
  return rest ? `${which} · ${rest}` : which;
}

/** A plain-language explanation of any error the console meets. */
export function describeError(error: unknown, lang: Lang): string {
  if (error instanceof PurposeNotChosen) return BY_CODE['purpose-required'][lang];
  if (!(error instanceof ApiProblem))
    return error instanceof TypeError ? { zh: '无法连接服务器，请检查网络。', en: 'Cannot reach the server; check the network.' }[lang] : GENERIC[lang];
  const { problem } = error;
  const text = BY_CODE[problem.code]?.[lang] ?? BY_STATUS[problem.status]?.[lang] ?? GENERIC[lang];
  const fields = [...new Set((problem.errors ?? []).map((item) => fieldName(item.path, lang)))].join(lang === 'zh' ? '、' : ', ');
  return text
    .replace('{category}', typeof problem.category === 'string' ? categoryLabel(problem.category, lang) : '')
    .replace('{maxRows}', typeof problem.maxRows === 'number' ? String(problem.maxRows) : '')
    .replace('{fields}', fields || problem.detail || '');
}

export function isProblem(error: unknown, code: string): error is ApiProblem {
  return error instanceof ApiProblem && error.code === code;
}
