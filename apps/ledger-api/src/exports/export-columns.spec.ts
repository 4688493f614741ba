import { cellText, csvSafe, exportColumns } from './export-columns';

describe('export columns', () => {
  it('defuse cells a spreadsheet would run as formulas, and leave phone numbers and negative numbers alone', () => {
    expect(csvSafe('=HYPERLINK("http://evil.example","点我")')).toBe(`'=HYPERLINK("http://evil.example","点我")`);
    expect(csvSafe('@SUM(A1)')).toBe(`'@SUM(A1)`);
    expect(csvSafe('+cmd|calc')).toBe(`'+cmd|calc`);
    expect(csvSafe('-1+2+cmd|calc')).toBe(`'-1+2+cmd|calc`);
    expect(csvSafe('\tx')).toBe(`'\tx`);
    expect(csvSafe('+86138****5678; +861012345678')).toBe('+86138****5678; +861012345678');
    expect(csvSafe('-12.5')).toBe('-12.5');
    expect(csvSafe('张伟')).toBe('张伟');
  });

  it('write lists, phones, addresses and records as one readable cell', () => {
    expect(cellText(['2型糖尿病', '高血压'])).toBe('2型糖尿病; 高血压');
    expect(
      cellText([
        { number: '+8613812345678', type: 'mobile', primary: true },
        { number: '+861012345678', extension: '12' },
      ]),
    ).toBe('+8613812345678; +861012345678 ext 12');
    expect(cellText([{ type: 'home', province: '北京市', city: '北京市', district: '东城区', line: '东华门街道 12 号' }])).toBe('北京市 东城区 东华门街道 12 号');
    expect(cellText({ smoking: '不吸烟', exercise: null })).toBe('smoking: 不吸烟');
    expect(cellText(undefined)).toBe('');
    expect(cellText(3)).toBe('3');
  });

  it('are the fixed columns, then the chosen columns or every column of the categories', () => {
    expect(exportColumns(['identity'], undefined).map((column) => column.key)).toEqual([
      'subjectId',
      'customerNumber',
      'status',
      'lifecycleStage',
      'identity.name',
      'identity.gender',
      'identity.birthDate',
      'identity.ethnicity',
    ]);
    expect(
      exportColumns(['identity', 'contact'], ['contact.email'])
        .map((column) => column.key)
        .slice(4),
    ).toEqual(['contact.email']);
  });
});
