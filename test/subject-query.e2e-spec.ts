import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, DAY_MS } from './support/test-clock';
import { ageOn, seedQueryPopulation, SeededCustomer } from './support/query-seed';
import { eraseOnRequest } from './support/erasure-request';

/** The combined customer query (issue #16) over HTTP, on a population the spec generates and models itself. */
const HM = 'health-management';
const COUNT = 240;
type Seed = Awaited<ReturnType<typeof seedQueryPopulation>>;
type Item = { subjectId: string; customerNumber: string; facts: Record<string, unknown>; name?: string; phone?: string; tier?: string };

describe('combined customer query over HTTP', () => {
  let api: TestApi;
  let seed: Seed;
  let people: SeededCustomer[];
  let numbers: Map<string, string>;
  const today = chinaDate(0);

  /** A query after the projections caught up with the log, asked again on 503 projection-lagging as its Retry-After says (a loaded machine). */
  const query = async (token: string, body: Record<string, unknown>, purpose: string | null = HM) => {
    const headers = { ...(purpose ? { 'x-processing-purpose': purpose } : {}), 'x-ledger-min-position': String(await api.logHead()) };
    for (let attempt = 1; ; attempt++) {
      const response = await seed.call('POST', '/v1/subjects/query', token, body, headers);
      if (response.status !== 503 || response.body.code !== 'projection-lagging' || attempt === 10) return response;
    }
  };

  /** Every page of a query, checking that no customer comes twice. */
  const all = async (body: Record<string, unknown>, token = seed.as.staff, limit = 37): Promise<Item[]> => {
    const items: Item[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < 100; page++) {
      const response = await query(token, { ...body, limit, ...(cursor ? { cursor } : {}) });
      if (response.status !== 200) throw new Error(`query refused: ${response.status} ${JSON.stringify(response.body)}`);
      items.push(...response.body.items);
      cursor = response.body.nextCursor ?? undefined;
      if (!cursor) break;
    }
    expect(new Set(items.map((item) => item.subjectId)).size).toBe(items.length);
    return items;
  };
  const ids = (items: Item[]) => items.map((item) => item.subjectId).sort();
  const expected = (match: (c: SeededCustomer) => boolean) =>
    people
      .filter(match)
      .map((c) => c.subjectId)
      .sort();
  const counted = (c: SeededCustomer, from?: string, to?: string) => c.orders.filter((o) => !o.cancelled && (!from || o.date >= from) && (!to || o.date <= to));
  const total = (c: SeededCustomer, from?: string, to?: string) => counted(c, from, to).reduce((sum, o) => sum + o.fen, 0);
  const days = (date: string) => (Date.parse(today) - Date.parse(date)) / DAY_MS;
  const grade = (value: number, thresholds: number[]) => {
    const index = thresholds.findIndex((threshold) => value >= threshold);
    return index === -1 ? 1 : 5 - index;
  };
  const rfm = (c: SeededCustomer) => {
    const orders = counted(c);
    if (orders.length === 0) return null;
    const last = orders.map((o) => o.date).sort()[orders.length - 1];
    const d = days(last);
    const r = d <= 30 ? 5 : d <= 90 ? 4 : d <= 180 ? 3 : d <= 365 ? 2 : 1;
    const f = grade(orders.length, [10, 5, 3, 2]);
    const m = grade(total(c), [2_000_000, 500_000, 200_000, 50_000]);
    const segment = r >= 4 && f >= 4 && m >= 4 ? 'champion' : f >= 4 ? 'loyal' : r <= 2 && f >= 3 ? 'at_risk' : r >= 4 && f === 1 ? 'new' : r <= 2 ? 'hibernating' : 'regular';
    return { r, f, m, score: r + f + m, segment };
  };

  beforeAll(async () => {
    api = await startTestApi();
    seed = await seedQueryPopulation(api, COUNT);
    people = seed.customers;
    const everyone = await all({ sort: [{ field: 'customerNumber', dir: 'asc' }] });
    numbers = new Map(everyone.map((item) => [item.subjectId, item.customerNumber]));
  }, 600_000);
  afterAll(() => api.close());

  it('lists its field catalogue with categories, operators, types and sortability', async () => {
    const response = await seed.call('GET', '/v1/subjects/query/fields', seed.as.staff);
    expect(response.status).toBe(200);
    const byName = new Map(response.body.fields.map((field: { name: string }) => [field.name, field]));
    expect(byName.get('conditions')).toMatchObject({ category: 'health', type: 'term', ops: ['eq', 'in', 'exists'], sortable: false });
    expect(byName.get('age')).toMatchObject({ category: 'identity', type: 'integer', sortable: true });
    expect(byName.get('rfmSegment')).toMatchObject({ category: 'consumption', values: ['champion', 'loyal', 'at_risk', 'new', 'hibernating', 'regular'] });
    expect(byName.size).toBeGreaterThanOrEqual(28);
  });

  it('returns every customer once, as masked summaries, with no query at all', async () => {
    const items = await all({});
    expect(ids(items)).toEqual(expected(() => true));
    const one = items.find((item) => item.subjectId === people[1].subjectId)!;
    expect(one).toMatchObject({ name: '测试1', phone: expect.stringMatching(/^\+86139\*{4}\d{4}$/), tier: 'silver', customerNumber: expect.stringMatching(/^C2026\d+$/) });
  });

  const where = (field: string, op: string, value: unknown, extra: Record<string, unknown> = {}) => ({ where: { field, op, value, ...extra } });
  const cases: Array<[string, () => Record<string, unknown>, (c: SeededCustomer) => boolean]> = [
    ['customerNumber eq', () => where('customerNumber', 'eq', numbers.get(people[5].subjectId)!.toLowerCase()), (c) => c.i === 5],
    ['customerNumber in', () => where('customerNumber', 'in', [numbers.get(people[5].subjectId), numbers.get(people[7].subjectId)]), (c) => c.i === 5 || c.i === 7],
    ['customerNumber prefix', () => where('customerNumber', 'prefix', 'c2026'), () => true],
    [
      'customerNumber contains',
      () => where('customerNumber', 'contains', numbers.get(people[12].subjectId)!.slice(-6)),
      (c) => numbers.get(c.subjectId)!.includes(numbers.get(people[12].subjectId)!.slice(-6)),
    ],
    ['customerNumber exists', () => where('customerNumber', 'exists', false), () => false],
    ['status eq', () => where('status', 'eq', 'active'), () => true],
    ['customerType eq', () => where('customerType', 'eq', 'vip'), (c) => c.customerType === 'vip'],
    ['tier in', () => where('tier', 'in', ['gold', 'diamond']), (c) => ['gold', 'diamond'].includes(c.tier)],
    ['tier exists', () => where('tier', 'exists', true), () => true],
    ['tags eq (any case or width)', () => where('tags', 'eq', ' 重点客户 '), (c) => c.tags.includes('重点客户')],
    ['tags exists false', () => where('tags', 'exists', false), (c) => c.tags.length === 0],
    ['lifecycleStage in', () => where('lifecycleStage', 'in', ['active', 'dormant']), () => true],
    ['departmentId eq', () => where('departmentId', 'eq', seed.departments.B), (c) => c.department === 'B'],
    ['healthManagerId exists', () => where('healthManagerId', 'exists', true), () => false],
    ['gender eq', () => where('gender', 'eq', 'female'), (c) => c.gender === 'female'],
    ['age range', () => where('age', 'range', { from: 60, to: 69 }), (c) => ageOn(c.birthDate, today) >= 60 && ageOn(c.birthDate, today) <= 69],
    ['age eq', () => where('age', 'eq', 50), (c) => ageOn(c.birthDate, today) === 50],
    ['age in', () => where('age', 'in', [30, 75]), (c) => [30, 75].includes(ageOn(c.birthDate, today))],
    ['province eq', () => where('province', 'eq', '330000'), (c) => c.division.startsWith('33')],
    ['city in', () => where('city', 'in', ['330100', '310100']), (c) => c.division.startsWith('3301') || c.division.startsWith('3101')],
    ['district eq', () => where('district', 'eq', '330106'), (c) => c.division === '330106'],
    ['conditions eq', () => where('conditions', 'eq', '高血压'), (c) => c.conditions.includes('高血压')],
    ['conditions in', () => where('conditions', 'in', ['高血脂', '2型糖尿病']), (c) => c.conditions.includes('高血脂') || c.conditions.includes('2型糖尿病')],
    ['conditions exists false', () => where('conditions', 'exists', false), (c) => c.conditions.length === 0],
    ['allergies eq', () => where('allergies', 'eq', '青霉素'), (c) => c.allergies.includes('青霉素')],
    ['abnormalIndicators eq', () => where('abnormalIndicators', 'eq', 'glu'), (c) => c.checkup?.abnormal === true],
    [
      'abnormalIndicators in a period',
      () => where('abnormalIndicators', 'in', ['GLU', 'TC'], { period: { from: chinaDate(-200) } }),
      (c) => c.checkup?.abnormal === true && c.checkup.date >= chinaDate(-200),
    ],
    ['abnormalIndicators exists', () => where('abnormalIndicators', 'exists', true), (c) => c.checkup?.abnormal === true],
    ['lastCheckupDate range', () => where('lastCheckupDate', 'range', { to: chinaDate(-365) }), (c) => !!c.checkup && c.checkup.date <= chinaDate(-365)],
    ['lastCheckupDate exists', () => where('lastCheckupDate', 'exists', false), (c) => !c.checkup],
    ['lastServiceDate eq', () => where('lastServiceDate', 'eq', people[4].serviceDate), (c) => c.serviceDate === people[4].serviceDate],
    ['lastServiceDate range', () => where('lastServiceDate', 'range', { from: chinaDate(-60) }), (c) => !!c.serviceDate && c.serviceDate >= chinaDate(-60)],
    ['orderCount eq', () => where('orderCount', 'eq', 2), (c) => counted(c).length === 2],
    [
      'orderCount in a period',
      () => where('orderCount', 'range', { from: 1 }, { period: { from: chinaDate(-100), to: chinaDate(-20) } }),
      (c) => counted(c, chinaDate(-100), chinaDate(-20)).length >= 1,
    ],
    ['orderCount none in a period', () => where('orderCount', 'eq', 0, { period: { from: chinaDate(-100) } }), (c) => counted(c, chinaDate(-100)).length === 0],
    ['orderTotal range', () => where('orderTotal', 'range', { from: 150_000 }), (c) => total(c) >= 150_000],
    ['orderTotal in a period', () => where('orderTotal', 'range', { from: 50_000 }, { period: { from: chinaDate(-200) } }), (c) => total(c, chinaDate(-200)) >= 50_000],
    ['openComplaints eq', () => where('openComplaints', 'eq', 1), (c) => c.openComplaints === 1],
    ['openComplaints range', () => where('openComplaints', 'range', { to: 0 }), (c) => c.openComplaints === 0],
    ['lastSurveyScore range', () => where('lastSurveyScore', 'range', { from: 3 }), (c) => (c.surveyScore ?? 0) >= 3],
    ['lastSurveyScore exists', () => where('lastSurveyScore', 'exists', true), (c) => c.surveyScore !== undefined],
    ['activeConsent eq', () => where('activeConsent', 'eq', 'marketing'), (c) => c.marketing === 'active'],
    ['withdrawnConsent in', () => where('withdrawnConsent', 'in', ['marketing', 'research']), (c) => c.marketing === 'withdrawn'],
    ['rfmRecency range', () => where('rfmRecency', 'range', { from: 4 }), (c) => (rfm(c)?.r ?? 0) >= 4],
    ['rfmFrequency eq', () => where('rfmFrequency', 'eq', 3), (c) => rfm(c)?.f === 3],
    ['rfmMonetary in', () => where('rfmMonetary', 'in', [1, 2]), (c) => [1, 2].includes(rfm(c)?.m ?? 0)],
    ['rfmScore range', () => where('rfmScore', 'range', { from: 8 }), (c) => (rfm(c)?.score ?? 0) >= 8],
    ['rfmSegment exists', () => where('rfmSegment', 'exists', false), (c) => rfm(c) === null],
    ['rfmSegment in', () => where('rfmSegment', 'in', ['hibernating', 'at_risk']), (c) => ['hibernating', 'at_risk'].includes(rfm(c)?.segment ?? '')],
  ];

  it.each(cases)('%s finds exactly the customers the model says', async (_, body, match) => {
    const want = expected(match);
    expect(ids(await all(body()))).toEqual(want);
  });

  it('the data set exercises each case: none of them is trivially empty or everyone but where meant to', () => {
    const nonTrivial = cases.filter(
      ([name]) => !['customerNumber exists', 'healthManagerId exists', 'status eq', 'lifecycleStage in', 'tier exists', 'customerNumber prefix'].includes(name),
    );
    for (const [name, , match] of nonTrivial) {
      const n = people.filter(match).length;
      if (n === 0 || n === people.length) throw new Error(`${name} matches ${n} of ${people.length}`);
    }
  });

  it('combines conditions with and, or and not (a customer without the value matches its negation)', async () => {
    const old = { field: 'age', op: 'range', value: { from: 70 } };
    const hypertensive = { field: 'conditions', op: 'eq', value: '高血压' };
    const hangzhou = { field: 'city', op: 'eq', value: '330100' };
    const recentCheckup = { field: 'lastCheckupDate', op: 'range', value: { from: chinaDate(-365) } };
    expect(ids(await all({ where: { or: [old, hypertensive] } }))).toEqual(expected((c) => ageOn(c.birthDate, today) >= 70 || c.conditions.includes('高血压')));
    // the issue's example: hypertensive customers over 60 in Hangzhou without a check-up for a year
    const issue = { and: [hypertensive, { field: 'age', op: 'range', value: { from: 60 } }, hangzhou, { not: recentCheckup }] };
    expect(ids(await all({ where: issue }))).toEqual(
      expected((c) => c.conditions.includes('高血压') && ageOn(c.birthDate, today) >= 60 && c.division.startsWith('3301') && !(c.checkup && c.checkup.date >= chinaDate(-365))),
    );
    const nested = { and: [{ not: { or: [{ field: 'tier', op: 'eq', value: 'gold' }, old] } }, { or: [hangzhou, { field: 'openComplaints', op: 'eq', value: 1 }] }] };
    expect(ids(await all({ where: nested }))).toEqual(
      expected((c) => !(c.tier === 'gold' || ageOn(c.birthDate, today) >= 70) && (c.division.startsWith('3301') || c.openComplaints === 1)),
    );
  });

  it('sorts and pages without losing or repeating a customer, in any page size', async () => {
    const sort = [
      { field: 'lastCheckupDate', dir: 'desc' },
      { field: 'age', dir: 'asc' },
    ];
    const want = [...people].sort((a, b) => {
      const byDate = (b.checkup?.date ?? '').localeCompare(a.checkup?.date ?? '');
      return byDate !== 0 ? byDate : ageOn(a.birthDate, today) - ageOn(b.birthDate, today) || a.subjectId.localeCompare(b.subjectId);
    });
    for (const limit of [7, 50]) {
      const items = await all({ sort, columns: ['lastCheckupDate', 'age'] }, seed.as.staff, limit);
      expect(items.map((item) => item.subjectId)).toEqual(want.map((c) => c.subjectId));
    }
    const byValue = await all(
      { where: { field: 'orderCount', op: 'range', value: { from: 1 } }, sort: [{ field: 'rfmScore', dir: 'desc' }], columns: ['rfmScore', 'orderTotal'] },
      seed.as.staff,
      9,
    );
    const scores = byValue.map((item) => (item.facts.rfm as { score: number }).score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    expect(ids(byValue)).toEqual(expected((c) => counted(c).length >= 1));
    for (const item of byValue) {
      const c = people.find((p) => p.subjectId === item.subjectId)!;
      expect(item.facts).toEqual({ rfm: { recency: rfm(c)!.r, frequency: rfm(c)!.f, monetary: rfm(c)!.m, score: rfm(c)!.score, segment: rfm(c)!.segment }, orderTotal: total(c) });
    }
  });

  it('a role without health access cannot filter, sort or show health fields (403 naming the path) and sees no health column', async () => {
    const token = seed.as.customer_service;
    const refused = await query(token, {
      where: {
        and: [
          { field: 'tier', op: 'eq', value: 'gold' },
          { field: 'conditions', op: 'eq', value: '高血压' },
        ],
      },
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: 'category-not-permitted', category: 'health', errors: [{ path: 'where.and[1].field' }] });
    const sorted = await query(token, { sort: [{ field: 'lastCheckupDate', dir: 'asc' }] });
    expect([sorted.status, sorted.body.errors?.[0]?.path]).toEqual([403, 'sort[0].field']);
    const shown = await query(token, { columns: ['age', 'lastCheckupDate'] });
    expect([shown.status, shown.body.errors?.[0]?.path]).toEqual([403, 'columns[1]']);
    // within its reach (its department), the columns it may read
    const items = await all({ where: { field: 'tier', op: 'eq', value: 'gold' }, columns: ['age', 'lastServiceDate'] }, token);
    expect(ids(items)).toEqual(expected((c) => c.tier === 'gold' && c.department === 'A'));
    for (const item of items) expect(Object.keys(item.facts).sort()).toEqual(['age', 'lastServiceDate']);
    expect(JSON.stringify(items)).not.toMatch(/lastCheckupDate|conditions|abnormal/);
  });

  it('a purpose that does not cover a category refuses it, and finds only customers it has a basis for', async () => {
    const refused = await query(seed.as.staff, { where: { field: 'conditions', op: 'exists', value: true } }, 'marketing');
    expect(refused.body).toMatchObject({ status: 403, code: 'category-not-permitted', errors: [{ path: 'where.field' }] });
    const marketing = await all({ purposeId: 'marketing', where: { field: 'gender', op: 'eq', value: 'male' } });
    expect(ids(marketing)).toEqual(expected((c) => c.gender === 'male' && c.marketing === 'active'));
  });

  it('a health manager finds only the customers of its department', async () => {
    const items = await all({ where: { field: 'conditions', op: 'exists', value: true } }, seed.as.health_manager);
    expect(ids(items)).toEqual(expected((c) => c.conditions.length > 0 && c.department === 'A'));
  });

  it('records one access for exactly each customer returned, naming the categories shown and queried', async () => {
    const head = await api.logHead();
    const response = await query(seed.as.staff, { where: { field: 'conditions', op: 'eq', value: '高血压' }, sort: [{ field: 'age', dir: 'desc' }], limit: 11 });
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(11);
    const { rows } = await api.database.pool.query(`SELECT data FROM ledger_events WHERE type = 'PersonalDataAccessed' AND position > $1`, [head]);
    expect(rows.map((row) => row.data.subjectId).sort()).toEqual(response.body.items.map((item: Item) => item.subjectId).sort());
    for (const row of rows) expect(row.data).toMatchObject({ via: 'query', purposeId: HM, categories: expect.arrayContaining(['identity', 'health']) });
  });

  it('refuses bad input with 400 naming the path, and records nothing', async () => {
    const head = await api.logHead();
    const bad: Array<[Record<string, unknown>, string]> = [
      [
        {
          where: {
            and: [
              { field: 'tier', op: 'eq', value: 'gold' },
              { field: 'shoeSize', op: 'eq', value: 42 },
            ],
          },
        },
        'where.and[1].field',
      ],
      [
        {
          where: {
            and: [
              { field: 'tier', op: 'eq', value: 'gold' },
              { field: 'conditions', op: 'contains', value: '高' },
            ],
          },
        },
        'where.and[1].op',
      ],
      [{ where: { field: 'age', op: 'eq', value: '60' } }, 'where.value'],
      [{ where: { field: 'age', op: 'range', value: { from: 70, to: 60 } } }, 'where.value.to'],
      [{ where: { field: 'tier', op: 'in', value: [] } }, 'where.value'],
      [{ where: { field: 'lastCheckupDate', op: 'eq', value: '2026-02-30' } }, 'where.value'],
      [{ where: { field: 'tier', op: 'eq', value: 'gold', period: { from: '2026-01-01' } } }, 'where.period'],
      [{ where: { or: [{ not: { field: 'tier', op: 'eq', value: 'gold', colour: 'red' } }] } }, 'where.or[0].not.colour'],
      [{ where: { and: [], or: [] } }, 'where'],
      [{ where: { field: 'tier', op: 'equals', value: 'gold' } }, 'where.op'],
      [{ sort: [{ field: 'conditions', dir: 'asc' }] }, 'sort[0].field'],
      [{ sort: [{ field: 'age', dir: 'up' }] }, 'sort[0].dir'],
      [{ cursor: 'not-a-cursor' }, 'cursor'],
      [{ columns: ['tier'] }, 'columns[0]'],
    ];
    for (const [body, path] of bad) {
      const response = await query(seed.as.staff, body);
      expect([response.status, response.body.code, response.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, 'validation-failed', [path]]);
    }
    // a cursor of another sort is refused, not misread
    const page = await query(seed.as.staff, { sort: [{ field: 'age', dir: 'asc' }], limit: 2 });
    const other = await query(seed.as.staff, { sort: [{ field: 'lastCheckupDate', dir: 'asc' }], cursor: page.body.nextCursor });
    expect([other.status, other.body.errors?.[0]?.path]).toEqual([400, 'cursor']);
    expect((await query(seed.as.staff, { where: {} }, null)).status).toBe(400);
    expect((await query(seed.as.staff, { colour: 'red' })).status).toBe(400);
    const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'PersonalDataAccessed' AND position > $1`, [head]);
    expect(rows[0].n).toBe(2); // the one good page above, two customers
  });

  it('forgets an erased customer: its facts leave the projection', async () => {
    const gone = people.find((c) => c.conditions.length > 0 && c.checkup && c.orders.length > 0)!;
    await eraseOnRequest(api, gone.subjectId);
    expect(ids(await all({ where: { field: 'conditions', op: 'exists', value: true } }))).toEqual(expected((c) => c.conditions.length > 0 && c !== gone));
    for (const table of ['customer_query_facts', 'customer_query_abnormal', 'customer_query_orders']) {
      const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE subject_id = $1`, [gone.subjectId]);
      expect([table, rows[0].n]).toEqual([table, 0]);
    }
  });
});
