import { divisionOf, resolveDivision } from './administrative-divisions';

const at = 'data.contact.addresses[0]';

describe('resolveDivision (GB/T 2260)', () => {
  describe('a code given', () => {
    it('fills the table’s names in: a municipality’s district gets the municipality as its city', () => {
      expect(resolveDivision({ divisionCode: '110105' }, at)).toEqual({ value: { divisionCode: '110105', province: '北京市', city: '北京市', district: '朝阳区' }, problems: [] });
      expect(resolveDivision({ divisionCode: '440305' }, at).value).toEqual({ divisionCode: '440305', province: '广东省', city: '深圳市', district: '南山区' });
    });

    it('accepts names that agree, written in full or by their start', () => {
      expect(resolveDivision({ divisionCode: '110105', province: '北京', city: '北京市', district: '朝阳' }, at).problems).toEqual([]);
      expect(resolveDivision({ divisionCode: '310115', province: '上海市', city: '市辖区', district: '浦东新区' }, at).problems).toEqual([]);
      expect(resolveDivision({ divisionCode: '450102', province: '广西' }, at).value?.province).toBe('广西壮族自治区');
    });

    it('a county-level city directly under its province has no city', () => {
      expect(resolveDivision({ divisionCode: '429004' }, at).value).toEqual({ divisionCode: '429004', province: '湖北省', district: '仙桃市' });
    });

    it('a code of a city or a province stands for that level', () => {
      expect(resolveDivision({ divisionCode: '441900', province: '广东省', city: '东莞市' }, at).value).toEqual({ divisionCode: '441900', province: '广东省', city: '东莞市' });
      expect(resolveDivision({ divisionCode: '440000' }, at).value).toEqual({ divisionCode: '440000', province: '广东省' });
    });

    it('refuses a code not in the table, naming divisionCode', () => {
      expect(resolveDivision({ divisionCode: '999999' }, at).problems).toEqual([{ path: `${at}.divisionCode`, message: 'is not a GB/T 2260 code in the division table' }]);
    });

    it.each([
      [{ divisionCode: '440305', province: '北京市' }, 'province'],
      [{ divisionCode: '440305', city: '广州市' }, 'city'],
      [{ divisionCode: '440305', district: '福田区' }, 'district'],
      [{ divisionCode: '440300', district: '南山区' }, 'district'],
      [{ divisionCode: '110105', city: '上海市' }, 'city'],
    ])('refuses names that disagree with the code (%j), naming %s', (address, field) => {
      const { value, problems } = resolveDivision(address, at);
      expect(value).toBeUndefined();
      expect(problems).toEqual([{ path: `${at}.${field}`, message: expect.stringMatching(/divisionCode/) }]);
    });
  });

  describe('no code given: derived from the names', () => {
    it.each([
      [{ province: '广东省', city: '深圳市', district: '南山区' }, '440305'],
      [{ province: '广东', district: '南山区' }, '440305'],
      [{ province: '上海', city: '市辖区', district: '浦东新区' }, '310115'],
      [{ province: '北京市', district: '朝阳区' }, '110105'],
      [{ province: '湖北省', district: '仙桃市' }, '429004'],
      [{ province: '广东省', city: '东莞市' }, '441900'],
      [{ province: '浙江省' }, '330000'],
    ])('%j → %s', (address, code) => {
      expect(resolveDivision(address, at).value?.divisionCode).toBe(code);
    });

    it('refuses names the table does not hold, naming the first at fault', () => {
      expect(resolveDivision({ province: '火星省' }, at).problems[0].path).toBe(`${at}.province`);
      expect(resolveDivision({ province: '广东省', city: '杭州市' }, at).problems[0].path).toBe(`${at}.city`);
      expect(resolveDivision({ province: '广东省', city: '深圳市', district: '西湖区' }, at).problems[0].path).toBe(`${at}.district`);
      // 朝阳区 is a district of both Beijing and Changchun: Jilin alone does not say which city, but the name is Jilin's only 朝阳区
      expect(resolveDivision({ province: '吉林', district: '朝阳区' }, at).value?.divisionCode).toBe('220104');
      expect(resolveDivision({}, at).problems).toEqual([{ path: `${at}.divisionCode`, message: expect.stringContaining('give the GB/T 2260 code') }]);
    });

    it('quotes only the table’s names, never what was typed', () => {
      const { problems } = resolveDivision({ divisionCode: '440305', district: '私人秘密路' }, at);
      expect(JSON.stringify(problems)).not.toContain('私人秘密路');
    });
  });

  it('looks a division up by code, with its level and province', () => {
    expect(divisionOf('810000')?.name).toBe('香港特别行政区');
    expect(divisionOf('110000')?.level).toBe('province');
    expect(divisionOf('110105')?.province.code).toBe('110000');
  });
});
