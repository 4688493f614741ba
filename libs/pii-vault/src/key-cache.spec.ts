import { BoundedLru } from './key-cache';

describe('BoundedLru', () => {
  it('never holds more than its bound and drops the least recently used first', () => {
    const lru = new BoundedLru<string, number>(3);
    for (const [i, key] of ['a', 'b', 'c'].entries()) lru.set(key, i);
    expect(lru.get('a')).toBe(0); // a is now the youngest
    lru.set('d', 3);
    expect(lru.size).toBe(3);
    expect(lru.get('b')).toBeUndefined();
    expect([lru.get('a'), lru.get('c'), lru.get('d')]).toEqual([0, 2, 3]);
    for (let i = 0; i < 100; i++) {
      lru.set(`k${i}`, i);
      expect(lru.size).toBeLessThanOrEqual(3);
    }
  });

  it('deletes by predicate and refuses a bound below one', () => {
    const lru = new BoundedLru<string, number>(10);
    ['s1\na', 's1\nb', 's2\na'].forEach((key, i) => lru.set(key, i));
    lru.deleteWhere((key) => key.startsWith('s1\n'));
    expect([lru.size, lru.get('s2\na')]).toEqual([1, 2]);
    expect(() => new BoundedLru(0)).toThrow(RangeError);
  });
});
