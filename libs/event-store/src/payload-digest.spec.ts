import { randomInt } from 'node:crypto';
import canonicalize from 'canonicalize';
import { canonicalJson, payloadDigest, sha256, sha256Hex } from './payload-digest';

/** Strings that stress RFC 8785: escapes, controls, lone and paired surrogates, keys that sort by UTF-16 code unit. */
const AWKWARD = ['', 'a', 'Z', 'é', '😀', '！', '\ud800', '\udfff', 'x\u0007"\\', '\u2028\u2029', '\u007f', 'ﬀ', '€', '\n\t', '0', '10', '9'];
const NUMBERS = [0, -0, 1, -1, 0.1, 1e21, 1e-7, 5e-324, 1.7976931348623157e308, 123456789012345680000, 2 ** 53, -2.5, 333333333.3333333];

function randomJson(depth: number): unknown {
  switch (randomInt(depth > 3 ? 5 : 8)) {
    case 0:
      return AWKWARD[randomInt(AWKWARD.length)] + String.fromCharCode(randomInt(0x10000));
    case 1:
      return NUMBERS[randomInt(NUMBERS.length)];
    case 2:
      return [true, false, null][randomInt(3)];
    case 3:
      return randomInt(1_000_000) / (randomInt(1000) + 1);
    case 4:
      return AWKWARD[randomInt(AWKWARD.length)];
    case 5:
    case 6: {
      const object: Record<string, unknown> = {};
      for (let i = randomInt(6); i > 0; i--) object[AWKWARD[randomInt(AWKWARD.length)] + String.fromCharCode(0x20 + randomInt(0x2fff))] = randomJson(depth + 1);
      if (randomInt(4) === 0) object.skipped = undefined;
      return object;
    }
    default:
      return Array.from({ length: randomInt(5) }, () => randomJson(depth + 1));
  }
}

describe('canonicalJson', () => {
  it('writes, for 5,000 random JSON values, exactly what the canonicalize reference writes', () => {
    for (let i = 0; i < 5_000; i++) {
      const value = randomJson(0) as object;
      expect(canonicalJson(value)).toBe(canonicalize(value));
    }
  });

  it('sorts keys by UTF-16 code units and writes numbers as ECMAScript does (RFC 8785 §3.2)', () => {
    expect(canonicalJson({ '😀': 1, '！': 2, é: 3, Z: 4, a: [1e21, -0, 1e-7, 0.1] })).toBe('{"Z":4,"a":[1e+21,0,1e-7,0.1],"é":3,"😀":1,"！":2}');
  });

  it('refuses what JSON cannot hold instead of writing something', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow();
    expect(() => canonicalJson({ n: Number.POSITIVE_INFINITY })).toThrow();
    expect(() => canonicalJson({ f: () => 1 })).toThrow();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(() => canonicalJson(cycle)).toThrow();
  });

  it('digests the canonical text, and sha256Hex agrees with sha256', () => {
    const text = canonicalJson({ b: 1, a: '王' });
    expect(payloadDigest({ a: '王', b: 1 }).equals(sha256(text))).toBe(true);
    expect(sha256Hex(text)).toBe(sha256(text).toString('hex'));
  });
});
