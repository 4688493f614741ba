import { currentContact, phoneNumbers, primaryAddress, primaryPhone, supersedeSingleContact } from './contact';

describe('currentContact: files written before several phones and addresses', () => {
  it('shows an older file’s single phone and address as one-element lists, primary, the single fields kept for older clients', () => {
    const older = { phone: '+8613812345678', email: 'a@b.cn', address: { province: '北京市', district: '朝阳区', line: '建国路 1 号' } };
    expect(currentContact(older)).toEqual({
      email: 'a@b.cn',
      phones: [{ number: '+8613812345678', type: 'mobile', primary: true }],
      phone: '+8613812345678',
      addresses: [{ type: 'other', province: '北京市', district: '朝阳区', line: '建国路 1 号', primary: true }],
      address: { province: '北京市', district: '朝阳区', line: '建国路 1 号' },
    });
  });

  it('shows the lists as recorded, the single fields being the primary entry’s (else the first)', () => {
    const phones = [
      { number: '+861087654321', type: 'landline' },
      { number: '+8613812345678', type: 'mobile', primary: true },
    ];
    const addresses = [{ type: 'work', divisionCode: '440305', province: '广东省', city: '深圳市', district: '南山区', line: '科技园', postalCode: '518057' }];
    const shown = currentContact({ phones, addresses });
    expect(shown).toMatchObject({ phones, addresses, phone: '+8613812345678', address: { province: '广东省', city: '深圳市', district: '南山区', line: '科技园' } });
    expect(currentContact({ phones: phones.slice(0, 1) }).phone).toBe('+861087654321');
  });

  it('passes values it cannot read (erased, sealed) through untouched and adds nothing to an empty contact', () => {
    expect(currentContact({ phone: '[erased]' })).toEqual({ phones: [{ number: '[erased]', type: 'mobile', primary: true }], phone: '[erased]' });
    expect(currentContact({ email: 'a@b.cn' })).toEqual({ email: 'a@b.cn' });
  });

  it('phoneNumbers lists every number, an older file’s single one included; primaryAddress picks the primary', () => {
    expect(phoneNumbers({ phone: '+8613812345678' })).toEqual(['+8613812345678']);
    expect(phoneNumbers({ phones: [{ number: '+8613812345678' }, { number: '+14155552671' }] })).toEqual(['+8613812345678', '+14155552671']);
    expect(
      primaryAddress({
        addresses: [
          { type: 'home', province: 'A' },
          { type: 'work', province: 'B', primary: true },
        ],
      }),
    ).toMatchObject({ province: 'B' });
    expect(primaryAddress({})).toBeUndefined();
    expect(primaryPhone({ phones: [{ number: '+8613812345678' }, { number: '+14155552671', primary: true }] })).toBe('+14155552671');
    expect(primaryPhone({ phone: '+8613812345678' })).toBe('+8613812345678');
  });
});

describe('supersedeSingleContact', () => {
  it('setting a list removes the held single value, once', () => {
    expect(supersedeSingleContact(['phone', 'email'], { phones: [{ number: '+8613812345678' }] }).set).toEqual({ phones: [{ number: '+8613812345678' }], phone: null });
    expect(supersedeSingleContact(['email'], { phones: [] }).set).toEqual({ phones: [] });
  });

  it('refuses the single value beside its list, given together or held', () => {
    expect(supersedeSingleContact([], { phone: '+8613812345678', phones: [] }).problem?.field).toBe('phone');
    expect(supersedeSingleContact(['addresses'], { address: { line: 'x' } }).problem?.field).toBe('address');
    expect(supersedeSingleContact(['phones'], { phone: '+8613812345678', phones: null }).problem).toBeUndefined();
  });
});
