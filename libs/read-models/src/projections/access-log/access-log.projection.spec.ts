import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { applyTwice, recordedEvent } from '../projection.testing';
import { AccessLogProjection } from './access-log.projection';
import { AccessLogQueries, InvalidCursorError } from './access-log.queries';
import { accessStream, PersonalDataAccessed } from './personal-data-accessed.event';

describe('AccessLogProjection (PostgreSQL)', () => {
  let database: TestDatabase;
  let queries: AccessLogQueries;
  const projection = new AccessLogProjection();
  const [alice, bob] = [uuidv7(), uuidv7()];

  const accessed = (subjectId: string, minute: number, data: Partial<PersonalDataAccessed['data']> = {}) =>
    recordedEvent(
      'PersonalDataAccessed',
      {
        subjectId,
        actor: 'staff-wang',
        roles: ['staff'],
        purposeId: 'health-management',
        categories: ['identity', 'contact'],
        revealed: [],
        accessedAt: `2026-03-01T08:${String(minute).padStart(2, '0')}:00.000Z`,
        via: 'profile',
        ...data,
      },
      { streamId: accessStream(subjectId), streamVersion: minute + 1 },
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new AccessLogQueries(database.pool);
  });
  afterAll(async () => database.close());

  it('PersonalDataAccessed records who read which categories of whose data, why and when, once', async () => {
    const event = accessed(alice, 0, { revealed: ['contact.phone'], via: 'search' });
    const { once, twice } = await applyTwice(database.pool, projection, [event]);
    expect(twice).toEqual(once);
    expect((await queries.list({ subjectId: alice, limit: 10 })).items).toEqual([
      {
        accessId: event.eventId,
        subjectId: alice,
        actor: 'staff-wang',
        roles: ['staff'],
        purposeId: 'health-management',
        categories: ['identity', 'contact'],
        revealed: ['contact.phone'],
        via: 'search',
        accessedAt: '2026-03-01T08:00:00.000Z',
        position: event.position,
        breakGlass: null,
      },
    ]);
  });

  it('keeps a data subject’s own read, which has no purpose', async () => {
    await applyTwice(database.pool, projection, [accessed(bob, 1, { actor: `subject-${bob}`, roles: ['data_subject'], purposeId: null })]);
    expect((await queries.list({ subjectId: bob, limit: 10 })).items).toMatchObject([{ actor: `subject-${bob}`, purposeId: null }]);
  });

  it('pages newest first by subject or actor, with a cursor that refuses tampering', async () => {
    await applyTwice(
      database.pool,
      projection,
      [2, 3, 4].map((minute) => accessed(alice, minute, { actor: minute === 3 ? 'co-zhao' : 'staff-wang' })),
    );
    const first = await queries.list({ subjectId: alice, limit: 2 });
    expect(first.items.map((item) => item.accessedAt.slice(11, 16))).toEqual(['08:04', '08:03']);
    const second = await queries.list({ subjectId: alice, limit: 2, cursor: first.nextCursor! });
    expect(second.items.map((item) => item.accessedAt.slice(11, 16))).toEqual(['08:02', '08:00']);
    expect(second.nextCursor).toBeNull();
    expect((await queries.list({ actor: 'co-zhao', limit: 10 })).items.map((item) => item.subjectId)).toEqual([alice]);
    expect((await queries.list({ limit: 10 })).items).toHaveLength(5);
    await expect(queries.list({ limit: 2, cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('flags a break-glass read with its reason; lists one actor’s reads within a period, and only break-glass ones on request', async () => {
    const carol = uuidv7();
    await applyTwice(database.pool, projection, [
      accessed(carol, 10, { actor: 'hm-1', roles: ['health_manager'] }),
      accessed(carol, 11, { actor: 'hm-1', roles: ['health_manager'], breakGlass: 'emergency' }),
      accessed(carol, 12, { actor: 'hm-1', roles: ['health_manager'] }),
    ]);
    const period = { from: new Date('2026-03-01T08:11:00Z'), to: new Date('2026-03-01T08:12:00Z') };
    expect((await queries.list({ actor: 'hm-1', ...period, limit: 10 })).items.map((item) => [item.accessedAt.slice(11, 16), item.breakGlass])).toEqual([['08:11', 'emergency']]);
    expect((await queries.list({ actor: 'hm-1', breakGlass: true, limit: 10 })).items.map((item) => item.accessedAt.slice(11, 16))).toEqual(['08:11']);
    expect((await queries.list({ actor: 'hm-1', limit: 10 })).items).toHaveLength(3);
  });
});
