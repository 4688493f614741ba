import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { applyTwice, recordedEvent } from '../projection.testing';
import { SUBJECT_MERGED_INTO } from '../duplicates/duplicate-candidates.projection';
import { CustomerNumbersProjection } from './customer-numbers.projection';

const AT = '2026-06-01T02:00:00.000Z';

describe('customer_numbers projection (PostgreSQL), each batch applied twice', () => {
  let database: TestDatabase;
  const projection = new CustomerNumbersProjection();
  let sequence = 0;
  const allocated = (subjectId: string) => {
    sequence++;
    const customerNumber = `C2026${String(sequence).padStart(6, '0')}`;
    return recordedEvent(
      'CustomerNumberAllocated',
      { subjectId, year: 2026, sequence, customerNumber, allocatedAt: AT },
      { streamId: 'customer-numbers-2026', streamVersion: sequence },
    );
  };
  const merged = (subjectId: string, survivorId: string) => recordedEvent(SUBJECT_MERGED_INTO, { subjectId, survivorId }, { streamId: `subject-${subjectId}`, streamVersion: 9 });
  const rows = async () =>
    (await database.pool.query(`SELECT subject_id, customer_number, merged_into FROM customer_numbers ORDER BY customer_number`)).rows as Array<Record<string, string | null>>;

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.close());

  it('writes a batch of allocations in order: a subject keeps its first number; a merge inside the batch repoints what came before it', async () => {
    const { once, twice } = await applyTwice(database.pool, projection, [
      allocated('a'),
      allocated('b'),
      allocated('a'), // a second allocation (a back-fill racing a registration): ignored
      merged('a', 'b'),
      allocated('c'),
    ]);
    expect(twice).toEqual(once);
    expect(await rows()).toEqual([
      { subject_id: 'a', customer_number: 'C2026000001', merged_into: 'b' },
      { subject_id: 'b', customer_number: 'C2026000002', merged_into: null },
      { subject_id: 'c', customer_number: 'C2026000004', merged_into: null },
    ]);
  });
});
