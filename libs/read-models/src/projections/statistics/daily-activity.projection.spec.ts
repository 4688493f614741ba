import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { applyEvents, applyTwice, recordedEvent } from '../projection.testing';
import { DailyActivityProjection } from './daily-activity.projection';
import { DailyActivityQueries } from './daily-activity.queries';

describe('DailyActivityProjection (PostgreSQL)', () => {
  let database: TestDatabase;
  let queries: DailyActivityQueries;
  const projection = new DailyActivityProjection();
  const subjectId = uuidv7();
  let version = 0;
  const event = (type: string, day: string) =>
    recordedEvent(type, { subjectId }, { streamId: `subject-${subjectId}`, streamVersion: ++version, recordedAt: new Date(`${day}T23:59:59.000Z`) });

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new DailyActivityQueries(database.pool);
  });
  afterAll(async () => database.close());

  it.each(['DataCollected', 'DataUpdated', 'DataCorrected', 'DataSupplemented', 'DataItemAdded'])('%s counts once as a collection of its day', async (type) => {
    const { once, twice } = await applyTwice(database.pool, projection, [event(type, '2026-04-01')]);
    expect(twice).toEqual(once);
    expect((await queries.between('2026-04-01', '2026-04-01'))[0].byType[type]).toBe(1);
  });

  it('counts every RightsRequest… event, including types defined later, and nothing else', async () => {
    expect(projection.eventTypes.has('RightsRequestReceived')).toBe(true);
    expect(projection.eventTypes.has('RightsRequestFulfilled')).toBe(true);
    expect(projection.eventTypes.has('ConsentGranted')).toBe(false);
    const { once, twice } = await applyTwice(database.pool, projection, [
      event('RightsRequestReceived', '2026-04-02'),
      event('RightsRequestVerified', '2026-04-02'),
      event('ConsentGranted', '2026-04-02'),
    ]);
    expect(twice).toEqual(once);
  });

  it('reports every day of the range, empty days included', async () => {
    expect(await queries.between('2026-03-31', '2026-04-03')).toEqual([
      { day: '2026-03-31', collections: 0, rightsRequests: 0, byType: {} },
      { day: '2026-04-01', collections: 5, rightsRequests: 0, byType: { DataCollected: 1, DataCorrected: 1, DataItemAdded: 1, DataSupplemented: 1, DataUpdated: 1 } },
      { day: '2026-04-02', collections: 0, rightsRequests: 2, byType: { RightsRequestReceived: 1, RightsRequestVerified: 1 } },
      { day: '2026-04-03', collections: 0, rightsRequests: 0, byType: {} },
    ]);
  });

  it('a batch overlapping what was counted adds only the new events', async () => {
    const events = [event('DataCollected', '2026-04-05'), event('DataCollected', '2026-04-05'), event('DataUpdated', '2026-04-05'), event('DataCollected', '2026-04-05')];
    await applyEvents(database.pool, projection, events.slice(0, 2));
    await applyEvents(database.pool, projection, events);
    await applyEvents(database.pool, projection, events.slice(1, 3));
    expect((await queries.between('2026-04-05', '2026-04-05'))[0]).toEqual({ day: '2026-04-05', collections: 4, rightsRequests: 0, byType: { DataCollected: 3, DataUpdated: 1 } });
  });
});
