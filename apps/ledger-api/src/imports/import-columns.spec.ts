import { CellValue, ColumnKey, columnOfPath, layoutOf, parseDate, rowToRegistration } from './import-columns';

const basis = { purposeId: 'health-management', noticeVersion: 'v1', channel: 'import' };
const row = (cells: Partial<Record<ColumnKey, CellValue>>) => new Map(Object.entries(cells) as Array<[ColumnKey, CellValue]>);
const header = (key: ColumnKey) => `<${key}>`;

describe('the header row', () => {
  it('knows Chinese headers and English aliases in any case and spacing, and reports the unknown ones', () => {
    const layout = layoutOf(['姓名', 'Birth Date', 'ID_number', '手机号码', '备注', '']);
    expect([...layout.columns.entries()]).toEqual([
      [0, 'name'],
      [1, 'birthDate'],
      [2, 'idNumber'],
      [3, 'phone'],
    ]);
    expect(layout.unknown).toEqual(['备注']);
    expect(layout.headers.get('birthDate')).toBe('Birth Date');
  });

  it('follows a mapping for other layouts, ignores what it maps to null, and refuses a mapping to nothing', () => {
    const layout = layoutOf(['客户名', 'Tel', '内部编号'], { 客户名: '姓名', Tel: 'phone', 内部编号: null });
    expect([...layout.columns.values()]).toEqual(['name', 'phone']);
    expect(layout.unknown).toEqual([]);
    expect(layoutOf(['客户名'], { 客户名: 'shoe size' }).problems).toEqual([{ path: 'mapping.客户名', message: 'names no import column' }]);
    expect(layoutOf(['姓名', 'name']).problems).toEqual([{ path: 'columns.name', message: 'is a second column for name' }]);
  });
});

describe('a row to a registration', () => {
  it('builds the body POST /v1/subjects takes, the consent columns as a separate consent with its evidence', () => {
    const { body, problems } = rowToRegistration(
      row({
        name: ' 张伟 ',
        gender: '男',
        birthDate: '1980/5/1',
        idType: '居民身份证',
        idNumber: '110101198005010018',
        phone: 13812345678,
        conditions: '高血压、2型糖尿病',
        consentCategories: '证件信息；健康信息',
        consentDate: new Date('2024-03-01T00:00:00Z'),
        consentChannel: '纸质表单',
        consentReference: 'F-0001',
      }),
      basis,
      header,
    );
    expect(problems).toEqual([]);
    expect(body).toEqual({
      ...basis,
      consents: [
        {
          purposeId: 'health-management',
          categories: ['identity_document', 'health'],
          separate: true,
          evidence: { givenOn: '2024-03-01', channel: '纸质表单', reference: 'F-0001' },
        },
      ],
      data: {
        identity: { name: '张伟', gender: 'male', birthDate: '1980-05-01' },
        identity_document: { type: 'resident_id', number: '110101198005010018' },
        contact: { phone: '13812345678' },
        health: { conditions: ['高血压', '2型糖尿病'] },
      },
    });
  });

  it('names the column of what it cannot read, never the value', () => {
    const { body, problems } = rowToRegistration(row({ name: '李娜', birthDate: '五月一日', idType: '驾照', consentCategories: '健康信息;鞋码' }), basis, header);
    expect(body).toBeUndefined();
    expect(problems.map((problem) => problem.column)).toEqual(['<birthDate>', '<idType>', '<idNumber>', '<consentCategories>', '<consentDate>']);
    expect(problems.every((problem) => problem.code === 'validation-failed')).toBe(true);
    expect(JSON.stringify(problems)).not.toMatch(/五月一日|驾照|鞋码|李娜/);
  });

  it('keeps an impossible date for the registration’s own validation to refuse', () => {
    expect(parseDate('2023-02-30')).toBe('2023-02-30');
    expect(parseDate('2023年2月3日')).toBe('2023-02-03');
    expect(parseDate('20230203')).toBe('2023-02-03');
    expect(parseDate('yesterday')).toBeUndefined();
  });

  it('refuses an empty row and a guardian without consent columns', () => {
    expect(rowToRegistration(row({}), basis, header).problems).toEqual([{ column: null, code: 'validation-failed', message: 'the row holds no customer data' }]);
    expect(rowToRegistration(row({ name: '小明', guardianName: '王芳' }), basis, header).problems.map((p) => p.column)).toEqual(['<consentCategories>']);
  });

  it('maps a registration’s problem paths back to columns', () => {
    expect(columnOfPath('data.identity_document.number')).toBe('idNumber');
    expect(columnOfPath('data.contact.address.line')).toBe('address');
    expect(columnOfPath('consents[0].evidence.givenOn')).toBe('consentDate');
    expect(columnOfPath('consents[0].guardian')).toBe('guardianName');
    expect(columnOfPath('data.health.conditions[1]')).toBe('conditions');
  });
});
