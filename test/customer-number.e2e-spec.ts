import { SubjectCommandsService } from '../apps/ledger-api/src/subjects/subject-commands.service';
import { startTestApi, TestApi } from './support/test-api';
import { daysAfter, TEST_NOW } from './support/test-clock';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';

/** Customer numbers over HTTP: allocated at registration, gapless and unique under concurrency, searchable, shown, back-filled. */
const HM = 'health-management';
const YEAR = new Date(Date.parse(TEST_NOW) + 8 * 3_600_000).getUTCFullYear();
const plain = (name: string) => registration({ consents: [], data: { identity: { name, gender: 'female' } } });

describe('customer numbers over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  // the ledger's clock, moved forward by the back-fill spec
  let skewMs = 0;

  beforeAll(async () => {
    const start = Date.now();
    api = await startTestApi({}, { clock: () => new Date(Date.parse(TEST_NOW) + (Date.now() - start) + skewMs) });
    call = jsonRequest(api);
    staff = await tokens(api).staff();
    admin = await tokens(api).admin();
  });

  afterAll(() => api.close());

  const read = async (subjectId: string) =>
    call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });

  it('allocates C<year><sequence> at registration, the next one to each registration, and no number to a refused one', async () => {
    const first = await call('POST', '/v1/subjects', staff, plain('王芳'));
    expect(first.status).toBe(201);
    expect(first.body.customerNumber).toBe(`C${YEAR}000001`);
    // a category outside the purpose: refused, and no number taken
    const refused = await call('POST', '/v1/subjects', staff, registration({ consents: [], data: { preferences: { interests: ['跑步'] } } }));
    expect(refused.status).toBe(422);
    const second = await call('POST', '/v1/subjects', staff, plain('李娜'));
    expect(second.body.customerNumber).toBe(`C${YEAR}000002`);
    expect((await read(first.body.subjectId)).body.customerNumber).toBe(`C${YEAR}000001`);
  });

  it('gives concurrent registrations distinct, consecutive numbers', async () => {
    const before = await call('POST', '/v1/subjects', staff, plain('赵敏'));
    const base = Number(before.body.customerNumber.slice(5));
    const replies = await Promise.all(Array.from({ length: 16 }, (_, i) => call('POST', '/v1/subjects', staff, plain(`并发${i}号`))));
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 201));
    const sequences = replies.map((reply) => Number(reply.body.customerNumber.slice(5))).sort((a, b) => a - b);
    expect(sequences).toEqual(Array.from({ length: 16 }, (_, i) => base + 1 + i));
  });

  it('finds a customer by number exactly, in any case, and shows the number in the summary', async () => {
    const registered = await call('POST', '/v1/subjects', staff, plain('孙丽'));
    const number: string = registered.body.customerNumber;
    // the search reads the customer_numbers read model too: it waits for the registration's number, not only for the profile
    const found = await call('GET', `/v1/subjects?customerNumber=${number.toLowerCase()}`, staff, undefined, {
      'x-processing-purpose': HM,
      'x-ledger-min-position': String(await api.logHead()),
    });
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([expect.objectContaining({ subjectId: registered.body.subjectId, customerNumber: number, name: '孙丽' })]);
    const none = await call('GET', `/v1/subjects?customerNumber=C${YEAR}999999`, staff, undefined, { 'x-processing-purpose': HM });
    expect(none.body.items).toEqual([]);
  });

  it('refuses a malformed number with a 400 naming query.customerNumber', async () => {
    const bad = await call('GET', '/v1/subjects?customerNumber=12345', staff, undefined, { 'x-processing-purpose': HM });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'query.customerNumber' })]);
  });

  it('back-fills subjects registered without a number, oldest first, leaving the young ones to their registration', async () => {
    // a subject registered as before numbers existed: the subject's own command path, without allocation
    const commands = api.app.get(SubjectCommandsService);
    const old: string[] = [];
    for (const name of ['旧客一', '旧客二']) {
      const id = `0190aaaa-0000-7000-8000-00000000000${old.length}`;
      await commands.execute(id, { actor: { id: 'migration', roles: ['admin'] }, correlationId: 'c', causationId: 'c' }, undefined, (_s, registry, now) => ({
        type: 'RegisterSubject',
        subjectId: id,
        purposeId: HM,
        noticeVersion: 'v1',
        channel: 'import',
        consents: [],
        data: { identity: { name } },
        now,
        registry,
        ageYears: undefined,
      }));
      old.push(id);
    }
    await read(old[1]);
    expect((await read(old[0])).body.customerNumber).toBeNull();
    // registered just now: left to the registration's own allocation
    const young = await call('POST', '/v1/customer-numbers/backfill', admin, {});
    expect(young.body).toEqual({ numbered: 0, remaining: 0 });
    expect((await call('POST', '/v1/customer-numbers/backfill', staff, {})).status).toBe(403);
    expect((await call('POST', '/v1/customer-numbers/backfill', admin, { limit: 0 })).body.errors).toEqual([expect.objectContaining({ path: 'limit' })]);

    skewMs = daysAfter(1).getTime() - Date.parse(TEST_NOW);
    const one = await call('POST', '/v1/customer-numbers/backfill', admin, { limit: 1 });
    expect(one.body).toEqual({ numbered: 1, remaining: 1 });
    await read(old[0]);
    const rest = await call('POST', '/v1/customer-numbers/backfill', admin, {});
    expect(rest.body).toEqual({ numbered: 1, remaining: 0 });
    const [a, b] = [(await read(old[0])).body.customerNumber, (await read(old[1])).body.customerNumber];
    expect(Number(b.slice(5))).toBe(Number(a.slice(5)) + 1);
    const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n, count(DISTINCT customer_number)::int AS d FROM customer_numbers`);
    expect(rows[0].n).toBe(rows[0].d);
  });
});
