/** A complete impact assessment of the centre's health-management processing, as a compliance officer records it. */
export const assessmentBody = (overrides: Record<string, unknown> = {}) => ({
  purposeId: 'health-management',
  activity: '体检与健康管理服务中的敏感个人信息处理',
  categories: ['health', 'health_records', 'identity_document'],
  recipients: [{ name: '某某检验所', country: 'CN', role: 'entrusted' }],
  risks: ['未经授权访问健康信息'],
  measures: ['字段级加密', '最小权限', '访问记录'],
  conclusion: 'acceptable-with-measures',
  ...overrides,
});
