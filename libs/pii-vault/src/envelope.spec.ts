import { randomBytes } from 'node:crypto';
import { open, seal } from './envelope';

describe('envelope', () => {
  it('gives every seal its own IV, across refills of the IV block, and each opens', () => {
    const key = randomBytes(32);
    const aad = Buffer.from('pi-ledger/v1\nspec');
    const ivs = new Set<string>();
    for (let i = 0; i < 2_000; i++) {
      const plaintext = Buffer.from(`value ${i}`);
      const sealed = seal(key, plaintext, aad);
      expect(sealed.iv).toHaveLength(12);
      ivs.add(sealed.iv.toString('hex'));
      expect(open(key, sealed, aad).equals(plaintext)).toBe(true);
    }
    expect(ivs.size).toBe(2_000);
  });

  it('hands out IVs that later seals do not overwrite', () => {
    const key = randomBytes(32);
    const first = seal(key, Buffer.from('a'), Buffer.from('x'));
    const iv = Buffer.from(first.iv);
    for (let i = 0; i < 600; i++) seal(key, Buffer.from('b'), Buffer.from('x')); // past two refills
    expect(first.iv.equals(iv)).toBe(true);
  });
});
