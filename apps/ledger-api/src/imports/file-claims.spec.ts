import { Claim, FileClaims } from './file-claims';

describe('FileClaims', () => {
  const claimOf = (rowNumber: number): Claim => Promise.resolve({ rowNumber, subjectId: `s${rowNumber}` });

  it('answers an earlier row’s key from memory, and a key it forgot from the job’s table', async () => {
    const asked: string[][] = [];
    const table = new Map([['phone:old', { rowNumber: 1, subjectId: 's1' }]]);
    const claims = new FileClaims(async (keys) => {
      asked.push(keys);
      return new Map(keys.flatMap((key) => (table.has(key) ? [[key, table.get(key)!] as const] : [])));
    }, 2);
    expect(claims.claim(2, ['phone:a', 'phone:old'], claimOf(2)).length).toBe(2);
    expect(asked).toEqual([['phone:a', 'phone:old']]);
    const [first] = claims.claim(3, ['phone:a'], claimOf(3));
    expect(await first).toEqual({ rowNumber: 2, subjectId: 's2' });
    expect(asked).toHaveLength(1);
  });

  it('keeps a row’s keys in memory until its outcome is recorded, then only the last `window` rows’', () => {
    const claims = new FileClaims(async () => new Map(), 2);
    for (let row = 2; row < 10; row++) void claims.claim(row, [`email:${row}`], claimOf(row));
    expect(claims.size).toBe(8);
    for (let row = 2; row < 10; row++) claims.recorded(row);
    expect(claims.size).toBe(2);
  });
});
