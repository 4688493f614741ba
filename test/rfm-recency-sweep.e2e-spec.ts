import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, DAY_MS, movableClock } from './support/test-clock';
import { seedQueryPopulation, SeededCustomer } from './support/query-seed';
import { Pool } from 'pg';
import { PG_POOL } from '../libs/platform/src/config/config.tokens';
import { RfmRecencySweep } from '../apps/ledger-api/src/subjects/query-subjects/rfm-recency.sweep';

/**
 * The stored RFM recency grade ages with the calendar (issue #16): the customer_query projection
 * grades it when orders arrive, RfmRecencySweep grades it again for the ledger clock's day. The clock
 * moves 45 days ahead: the stored grades stay as they were until the sweep runs, then every customer
 * with orders has the recency, score and segment of the new day (computed here from the seeded orders).
 */
const HM = 'health-management';
const AHEAD_DAYS = 45;
type Rfm = { recency: number; frequency: number; monetary: number; score: number; segment: string };
type Item = { subjectId: string; facts: { rfm: Rfm | null } };

describe('RFM recency refreshed daily by the sweep', () => {
  const time = movableClock();
  let api: TestApi;
  let seed: Awaited<ReturnType<typeof seedQueryPopulation>>;

  /** The grades the model gives on `today`, from the customer's counted orders. */
  const expected = (c: SeededCustomer, today: string): Rfm | null => {
    const orders = c.orders.filter((o) => !o.cancelled);
    if (orders.length === 0) return null;
    const days = (Date.parse(today) - Date.parse(orders.map((o) => o.date).sort()[orders.length - 1])) / DAY_MS;
    const total = orders.reduce((sum, o) => sum + o.fen, 0);
    const recency = days <= 30 ? 5 : days <= 90 ? 4 : days <= 180 ? 3 : days <= 365 ? 2 : 1;
    const frequency = orders.length >= 10 ? 5 : orders.length >= 5 ? 4 : orders.length >= 3 ? 3 : orders.length === 2 ? 2 : 1;
    const monetary = total >= 2_000_000 ? 5 : total >= 500_000 ? 4 : total >= 200_000 ? 3 : total >= 50_000 ? 2 : 1;
    const [r, f, m] = [recency, frequency, monetary];
    const segment = r >= 4 && f >= 4 && m >= 4 ? 'champion' : f >= 4 ? 'loyal' : r <= 2 && f >= 3 ? 'at_risk' : r >= 4 && f === 1 ? 'new' : r <= 2 ? 'hibernating' : 'regular';
    return { recency, frequency, monetary, score: r + f + m, segment };
  };

  /** Every customer with a counted order, with its stored grades (one page: the population is small). */
  const graded = async (where: Record<string, unknown> = { field: 'orderCount', op: 'range', value: { from: 1 } }): Promise<Map<string, Rfm | null>> => {
    const response = await seed.call(
      'POST',
      '/v1/subjects/query',
      seed.as.staff,
      { where, sort: [{ field: 'customerNumber', dir: 'asc' }], columns: ['rfmRecency', 'rfmScore', 'rfmSegment'], limit: 100 },
      { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) },
    );
    expect(response.status).toBe(200);
    expect(response.body.nextCursor ?? null).toBeNull();
    return new Map((response.body.items as Item[]).map((item) => [item.subjectId, item.facts.rfm]));
  };
  const modelOn = (today: string) => new Map(seed.customers.filter((c) => expected(c, today)).map((c) => [c.subjectId, expected(c, today)]));

  beforeAll(async () => {
    api = await startTestApi({}, { clock: time.clock });
    seed = await seedQueryPopulation(api, 40);
  }, 300_000);
  afterAll(() => api.close());

  it('keeps the grades of the day orders arrived until the sweep, then grades the new day and filters on the stored grade', async () => {
    const today = chinaDate(0);
    const later = chinaDate(AHEAD_DAYS);
    const before = modelOn(today);
    const after = modelOn(later);
    const changed = [...after].filter(([id, rfm]) => rfm!.recency !== before.get(id)!.recency).map(([id]) => id);
    expect(changed.length).toBeGreaterThan(0); // the population has last orders within 45 days of a threshold

    expect(await graded()).toEqual(before);
    time.to(AHEAD_DAYS * DAY_MS);
    expect(await graded()).toEqual(before); // the calendar moved, no sweep yet: the stored grades are those of the day orders arrived

    const sweep = api.app.get(RfmRecencySweep);
    const run = await sweep.runOnce(api.clock());
    expect(run).toEqual({ day: later, ran: true, regraded: changed.length });
    expect(await graded()).toEqual(after);
    // a second run on the same day finds nothing to regrade
    expect((await sweep.runOnce(api.clock())).regraded).toBe(0);

    // the stored grade is what a filter reads
    const recent = await graded({ field: 'rfmRecency', op: 'range', value: { from: 4 } });
    expect([...recent.keys()].sort()).toEqual(
      [...after]
        .filter(([, rfm]) => rfm!.recency >= 4)
        .map(([id]) => id)
        .sort(),
    );
    const losing = await graded({ field: 'rfmSegment', op: 'in', value: ['at_risk', 'hibernating'] });
    expect([...losing.keys()].sort()).toEqual(
      [...after]
        .filter(([, rfm]) => ['at_risk', 'hibernating'].includes(rfm!.segment))
        .map(([id]) => id)
        .sort(),
    );
  }, 120_000);

  it('grades the customers whose rows were written before grades were stored (the upgrade), as its run at start does', async () => {
    const pool = api.app.get<Pool>(PG_POOL);
    const [{ generation }] = (await pool.query(`SELECT generation FROM projection_checkpoints WHERE name = 'customer_query'`)).rows;
    // as the migration leaves them: F and M graded, recency, score and segment not yet
    const cleared = await pool.query(
      `UPDATE customer_query_facts__g${Number(generation)} SET rfm_recency = NULL, rfm_score = NULL, rfm_segment = NULL WHERE rfm_frequency IS NOT NULL`,
    );
    expect(cleared.rowCount).toBeGreaterThan(0);
    const run = await api.app.get(RfmRecencySweep).runOnce(api.clock());
    expect(run.regraded).toBe(cleared.rowCount);
    expect(await graded()).toEqual(modelOn(run.day));
  }, 60_000);
});
