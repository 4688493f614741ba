import { REDACTED, redactMessage, redactPi, redactUrl } from './pi-redaction';

describe('PI redaction for logs', () => {
  it('redacts every key that names a credential, however it is spelt', () => {
    const logged = { refreshToken: 'r', newPassword: 'p', totpSecret: 's', passwordHash: 'h', challenge: 'c', oneTimePassword: 'o', staffId: 'kept' };
    expect(redactPi(logged)).toEqual({
      refreshToken: '[redacted]',
      newPassword: '[redacted]',
      totpSecret: '[redacted]',
      passwordHash: '[redacted]',
      challenge: '[redacted]',
      oneTimePassword: '[redacted]',
      staffId: 'kept',
    });
  });

  it('replaces PI values at any depth, keeping the shape and non-PI facts', () => {
    const logged = {
      subjectId: 's-1',
      data: { identity: { name: '张三' } },
      nested: { contact: { phone: '+8613812345678' }, list: [{ email: 'a@b.cn', kept: 1 }], conditions: ['高血压'] },
    };
    expect(redactPi(logged)).toEqual({
      subjectId: 's-1',
      data: REDACTED,
      nested: { contact: REDACTED, list: [{ email: REDACTED, kept: 1 }], conditions: REDACTED },
    });
  });

  it('keeps only the names of query parameters', () => {
    expect(redactUrl('/v1/subjects?phone=%2B8613812345678&name=张')).toBe('/v1/subjects?phone=…&name=…');
    expect(redactUrl('/health/ready')).toBe('/health/ready');
    // a value typed where a name belongs, or a name that is not valid percent-encoding: neither is logged, nothing throws
    expect(redactUrl('/v1/subjects?13812345678&phone%3D13812345678=1')).toBe('/v1/subjects??=…&?=…');
    expect(redactUrl('/v1/subjects?%E0=1&%ED%A0%80')).toBe('/v1/subjects??=…&?=…');
  });

  it('strips the values a driver quotes in its error messages', () => {
    expect(redactMessage('Key (id_number)=(110101199003074518) already exists.')).toBe('Key (id_number)=(…) already exists.');
  });
});
