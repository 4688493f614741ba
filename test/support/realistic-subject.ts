/** A realistic customer file of a health-management centre (synthetic, valid checksums). */
export const ZHANG = {
  name: '张伟',
  phone: '+8613812345678',
  idNumber: '110101198005010018',
  birthDate: '1980-05-01',
  condition: '2型糖尿病',
};

export function registration(overrides: Record<string, unknown> = {}) {
  return {
    purposeId: 'health-management',
    noticeVersion: 'v1',
    channel: 'front-desk',
    consents: [{ purposeId: 'health-management', categories: ['health', 'identity_document', 'health_records'], separate: true }],
    data: {
      identity: { name: ZHANG.name, gender: 'male', birthDate: ZHANG.birthDate, ethnicity: '汉族' },
      identity_document: { type: 'resident_id', number: ZHANG.idNumber },
      contact: { phone: '138 1234 5678', email: 'Zhang.Wei@Example.cn', address: { province: '北京市', city: '北京市', district: '东城区', line: '东华门街道 12 号' } },
      employment: { employer: '北京某某科技有限公司', title: '工程师' },
      health: {
        conditions: [ZHANG.condition],
        allergies: ['青霉素'],
        surgeries: [{ name: '阑尾切除术', date: '2010-03-15' }],
        lifestyle: { smoking: '不吸烟', exercise: '每周跑步三次' },
      },
    },
    ...overrides,
  };
}
