/**
 * The conditions the prevalence report counts: a fixed vocabulary of the chronic conditions a
 * health-management centre reports on, each a key (the report's row) and the terms staff record it
 * by. A customer's conditions are free text, kept by the customer_query projection only as keyed
 * tokens of their normalised terms (case, width and spaces do not matter), so the report matches
 * tokens of these terms and never reads a term of anyone's: a condition recorded in words outside
 * the vocabulary counts as none of them. The report's keys are this vocabulary, never what was typed.
 */
export interface ConditionTerm {
  key: string;
  terms: readonly string[];
}

export const CONDITION_VOCABULARY: readonly ConditionTerm[] = [
  { key: 'hypertension', terms: ['高血压', '高血压病', '原发性高血压', 'hypertension'] },
  { key: 'diabetes', terms: ['糖尿病', '2型糖尿病', '二型糖尿病', 'Ⅱ型糖尿病', '1型糖尿病', '一型糖尿病', 'diabetes'] },
  { key: 'dyslipidemia', terms: ['高血脂', '高脂血症', '血脂异常', '高胆固醇血症', '高甘油三酯血症', 'dyslipidemia', 'hyperlipidemia'] },
  { key: 'coronary_heart_disease', terms: ['冠心病', '冠状动脉粥样硬化性心脏病', 'coronary heart disease'] },
  { key: 'stroke', terms: ['脑卒中', '中风', '脑梗死', '脑梗', '脑出血', 'stroke'] },
  { key: 'fatty_liver', terms: ['脂肪肝', '非酒精性脂肪肝', '脂肪性肝病', 'fatty liver'] },
  { key: 'hyperuricemia', terms: ['高尿酸血症', '痛风', 'hyperuricemia', 'gout'] },
  { key: 'copd', terms: ['慢阻肺', '慢性阻塞性肺疾病', 'COPD'] },
  { key: 'asthma', terms: ['哮喘', '支气管哮喘', 'asthma'] },
  { key: 'chronic_kidney_disease', terms: ['慢性肾病', '慢性肾脏病', 'CKD'] },
  { key: 'thyroid_nodule', terms: ['甲状腺结节', 'thyroid nodule'] },
  { key: 'osteoporosis', terms: ['骨质疏松', '骨质疏松症', 'osteoporosis'] },
  { key: 'obesity', terms: ['肥胖', '肥胖症', 'obesity'] },
  { key: 'cancer', terms: ['恶性肿瘤', '癌症', 'cancer'] },
];

/** The row of a customer with none of the vocabulary's conditions. */
export const NO_LISTED_CONDITION = 'none';

/** Parallel arrays (key, token) of every term, as the report's SQL takes them; `token` is the caller's keyed token of a term. */
export function vocabularyTokens(token: (term: string) => string | undefined): { keys: string[]; tokens: string[] } {
  const keys: string[] = [];
  const tokens: string[] = [];
  for (const { key, terms } of CONDITION_VOCABULARY) {
    for (const term of terms) {
      const found = token(term);
      if (found === undefined) continue;
      keys.push(key);
      tokens.push(found);
    }
  }
  return { keys, tokens };
}
