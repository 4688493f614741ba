import { parsePhone } from './phone-number';

describe('parsePhone: E.164 by libphonenumber', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['+86 138 1234 5678', '+8613812345678'],
    ['0086-138-1234-5678', '+8613812345678'],
    ['１３８１２３４５６７８', '+8613812345678'],
  ])('a mainland mobile %j → %s, type mobile', (input, number) => {
    expect(parsePhone(input, undefined)).toEqual({ phone: { number, type: 'mobile' } });
  });

  it.each([
    ['010-8765 4321', '+861087654321'],
    ['(0755) 8888 6666', '+8675588886666'],
    ['021 6123 4567', '+862161234567'],
    ['+86 10 8765 4321', '+861087654321'],
  ])('a mainland landline with its area code %j → %s, type landline', (input, number) => {
    expect(parsePhone(input, 'landline')).toEqual({ phone: { number, type: 'landline' } });
  });

  it.each([
    ['+852 9123 4567', '+85291234567'],
    ['+1 415 555 2671', '+14155552671'],
    ['0044 20 7946 0958', '+442079460958'],
  ])('a number of another country (Hong Kong included) %j → %s, type foreign', (input, number) => {
    expect(parsePhone(input, undefined)).toEqual({ phone: { number, type: 'foreign' } });
  });

  it('keeps an extension apart', () => {
    expect(parsePhone('010-8765 4321 ext 12', undefined)).toEqual({ phone: { number: '+861087654321', type: 'landline', extension: '12' } });
  });

  it.each(['12345', '1381234567', '8765 4321', '95588', 'not a number'])('refuses %j, naming number', (input) => {
    expect(parsePhone(input, undefined)).toEqual({ field: 'number', message: expect.stringContaining('must be a valid phone number') });
  });

  it('refuses a service number', () => {
    expect(parsePhone('400-810-8888', undefined)).toEqual({ field: 'number', message: expect.stringContaining('not a service number') });
  });

  it('refuses a declared type the number contradicts, naming type', () => {
    expect(parsePhone('13812345678', 'landline')).toEqual({ field: 'type', message: 'must be mobile for this number (or left out)' });
    expect(parsePhone('+852 9123 4567', 'mobile')).toEqual({ field: 'type', message: 'must be foreign for this number (or left out)' });
  });
});
