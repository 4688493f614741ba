import { normaliseEmail, normaliseIdNumber, normalisePhone, normaliseTag } from './normalise';

describe('normalisePhone', () => {
  it.each([
    '13812345678',
    '+8613812345678',
    '+86 138 1234 5678',
    '+86-138-1234-5678',
    '(+86) 138 1234 5678',
    '008613812345678',
    '0086 138 1234 5678',
    '8613812345678',
    ' 138 1234 5678 ',
    '１３８１２３４５６７８',
    '＋８６　１３８　１２３４　５６７８',
  ])('writes the mainland mobile %j as +8613812345678', (phone) => {
    expect(normalisePhone(phone)).toBe('+8613812345678');
  });

  it('accepts every mainland mobile prefix 13x to 19x and no other', () => {
    expect(normalisePhone('19912345678')).toBe('+8619912345678');
    expect(normalisePhone('12812345678')).toBe('12812345678');
  });

  it('keeps other international numbers in + form and guesses no country for the rest', () => {
    expect(normalisePhone('+852 9123 4567')).toBe('+85291234567');
    expect(normalisePhone('00852 9123 4567')).toBe('+85291234567');
    expect(normalisePhone('+1 415 555 2671')).toBe('+14155552671');
    expect(normalisePhone('1381234567')).toBe('1381234567');
  });

  it('writes valid mainland landlines in E.164, the area code read without its trunk 0', () => {
    expect(normalisePhone('010-8765 4321')).toBe('+861087654321');
    expect(normalisePhone('(0755) 8888 6666')).toBe('+8675588886666');
    expect(normalisePhone('+86 10 8765 4321')).toBe('+861087654321');
  });
});

describe('normaliseTag', () => {
  it('compares labels without case, width or extra spaces', () => {
    expect(normaliseTag('  ＶＩＰ  Gold ')).toBe('vip gold');
    expect(normaliseTag('高血压')).toBe('高血压');
  });
});

describe('normaliseEmail', () => {
  it('trims and lower-cases', () => {
    expect(normaliseEmail('  Zhang.San@Example.CN ')).toBe('zhang.san@example.cn');
    expect(normaliseEmail('zhang.san@example.cn')).toBe('zhang.san@example.cn');
  });
});

describe('normaliseIdNumber', () => {
  it('trims and upper-cases the check character x', () => {
    expect(normaliseIdNumber(' 11010519491231002x ')).toBe('11010519491231002X');
    expect(normaliseIdNumber('11010519491231002X')).toBe('11010519491231002X');
    expect(normaliseIdNumber('110101199003074518')).toBe('110101199003074518');
  });

  it('reads full-width digits and X and drops inner spaces', () => {
    expect(normaliseIdNumber('１１０１０５ １９４９１２３１ ００２Ｘ')).toBe('11010519491231002X');
  });
});
