import { generateKeys } from './master-key';

describe('generateKeys', () => {
  it('makes distinct 32-byte keys that survive the wiping of the block they came from', () => {
    const keys = generateKeys(5);
    expect(keys).toHaveLength(5);
    for (const key of keys) {
      expect(key).toHaveLength(32);
      expect(key.equals(Buffer.alloc(32))).toBe(false);
    }
    expect(new Set(keys.map((key) => key.toString('hex'))).size).toBe(5);
    expect(new Set(keys.map((key) => key.buffer)).size).toBe(5); // no key shares memory with another
  });
});
