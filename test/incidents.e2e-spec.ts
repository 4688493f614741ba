import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { chinaDate, DAY_MS } from './support/test-clock';
import { customerRecordsHarness } from './support/customer-records';

/** Breach response (PIPL Art. 57) over HTTP: incident records without PI, who they affected computed from the log, notifications recorded. */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

const HM = 'health-management';
const BREACH = { 'x-processing-purpose': 'pipl:breach-response' };
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('security incidents over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let officer: string;
  let auditor: string;
  let mole: string;
  /** Subjects by what happened to them: a and b read by the compromised account in the window, e written by it, c read after, d read by someone else. */
  const ids: Record<'a' | 'b' | 'c' | 'd' | 'e', string> = { a: '', b: '', c: '', d: '', e: '' };
  /** The categories each read by the compromised account showed. */
  const shown: Record<string, string[]> = {};
  let from: string;
  let to: string;
  let incidentId: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, officer, auditor] = await Promise.all([t.staff(), t.compliance(), t.auditor()]);
    mole = await api.app.get(TokenService).sign({ sub: 'staff-mole', roles: ['staff'] });
    for (const key of Object.keys(ids) as Array<keyof typeof ids>) {
      const reply = await call(
        'POST',
        '/v1/subjects',
        staff,
        registration({ data: { identity: { name: `客户${key}`, birthDate: '1980-05-01' }, health: { conditions: ['高血压'] } } }),
      );
      ids[key] = reply.body.subjectId;
    }
    const read = async (token: string, subjectId: string) => {
      const reply = await call('GET', `/v1/subjects/${subjectId}`, token, undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
      expect(reply.status).toBe(200);
      return reply;
    };
    await read(mole, ids.c); // before the window: the same account, but not yet compromised
    await pause(20);
    from = api.clock().toISOString();
    for (const key of ['a', 'b'] as const) shown[ids[key]] = Object.keys((await read(mole, ids[key])).body.data).sort();
    expect((await call('PATCH', `/v1/subjects/${ids.e}/data/contact`, mole, { set: { email: 'e@example.cn' }, reason: 'update', purposeId: HM })).status).toBe(200);
    await read(staff, ids.d); // someone else, inside the window
    to = api.clock().toISOString();
    await pause(20);
    await read(mole, ids.c); // after the window
  });
  afterAll(async () => api.close());

  const incidentEvents = async (): Promise<number> =>
    (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = 'security-incidents'`)).rows[0].n;
  const expectProblem = (reply: Reply, status: number, code: string, paths?: string[]) => {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    if (paths) expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
  };
  const incident = (body: Record<string, unknown> = {}) =>
    call('POST', '/v1/compliance/incidents', officer, { kind: 'compromised-account', detectedAt: api.clock().toISOString(), from, to, actors: ['staff-mole'], ...body });

  it('refuses an incident without scope, with a window backwards, or with free text, writing nothing', async () => {
    const before = await incidentEvents();
    expectProblem(await incident({ actors: [] }), 422, 'incident-scope-empty');
    expectProblem(await incident({ from: to, to: from }), 400, 'validation-failed', ['to']);
    expectProblem(await incident({ actors: ['张三 the intern'] }), 400, 'validation-failed', ['actors']);
    expectProblem(await incident({ kind: 'bad-luck', categories: ['pets'] }), 400, 'validation-failed', ['kind', 'categories']);
    expectProblem(await incident({ detectedAt: new Date(api.clock().getTime() + DAY_MS).toISOString() }), 400, 'validation-failed', ['detectedAt']);
    expectProblem(await call('POST', '/v1/compliance/incidents', auditor, { kind: 'other', detectedAt: from, from, to, actors: ['x'] }), 403, 'forbidden');
    expect(await incidentEvents()).toBe(before);
  });

  it('records an incident that holds no personal information', async () => {
    const recorded = await incident();
    expect(recorded.status).toBe(201);
    incidentId = recorded.body.incidentId;
    expect(recorded.body).toMatchObject({ kind: 'compromised-account', from, to, actors: ['staff-mole'], systems: [], categories: [], notifications: [] });
    const { rows } = await api.database.pool.query(`SELECT data::text AS data FROM ledger_events WHERE stream_id = 'security-incidents'`);
    for (const id of Object.values(ids)) expect(rows.map((r) => r.data).join()).not.toContain(id);
    expect((await call('GET', `/v1/compliance/incidents/${incidentId}`, auditor)).body).toMatchObject({ incidentId });
  });

  it('lists exactly the subjects the account read or wrote in the window, with the categories, only for breach response', async () => {
    expectProblem(await call('GET', `/v1/compliance/incidents/${incidentId}/affected`, officer), 400, 'purpose-required');
    expectProblem(await call('GET', `/v1/compliance/incidents/${incidentId}/affected`, officer, undefined, { 'x-processing-purpose': HM }), 403, 'no-legal-basis');
    expectProblem(await call('GET', `/v1/compliance/incidents/${incidentId}/affected`, auditor, undefined, BREACH), 403, 'forbidden');
    const accessRecords = async () =>
      (
        await api.database.pool.query(
          `SELECT data->>'subjectId' AS subject, metadata->>'purposeId' AS purpose, metadata->>'legalBasis' AS basis FROM ledger_events WHERE type = 'PersonalDataAccessed' AND data->>'via' = 'breach-response' ORDER BY 1`,
        )
      ).rows;
    expect(await accessRecords()).toEqual([]);

    const affected = await call('GET', `/v1/compliance/incidents/${incidentId}/affected`, officer, undefined, BREACH);
    expect(affected.status).toBe(200);
    const expected = [
      { subjectId: ids.a, categories: shown[ids.a], how: ['read'] },
      { subjectId: ids.b, categories: shown[ids.b], how: ['read'] },
      { subjectId: ids.e, categories: ['contact'], how: ['written'] },
    ].sort((x, y) => x.subjectId.localeCompare(y.subjectId));
    expect(affected.body.subjects.map(({ positions: _p, ...rest }: { positions: number[] }) => rest)).toEqual(expected);
    expect(affected.body.subjects.every((s: { positions: number[] }) => s.positions.length > 0)).toBe(true);
    const counts: Record<string, number> = {};
    for (const category of expected.flatMap((s) => s.categories)) counts[category] = (counts[category] ?? 0) + 1;
    expect(shown[ids.a]).toEqual(expect.arrayContaining(['health', 'identity']));
    expect(affected.body).toMatchObject({ incidentId, subjectCount: 3, categories: counts });
    // every subject listed is recorded as accessed, under the reserved purpose and the handler's legal obligation
    expect(await accessRecords()).toEqual(
      expected.map((s) => ({ subject: s.subjectId, purpose: 'pipl:breach-response', basis: 'legal_obligation' })).sort((x, y) => x.subject.localeCompare(y.subject)),
    );
  });

  it('narrows to the categories exposed, and widens to everything an exposed system held', async () => {
    const health = (await incident({ categories: ['health'] })).body.incidentId;
    const healthOnly = await call('GET', `/v1/compliance/incidents/${health}/affected`, officer, undefined, BREACH);
    expect(healthOnly.body.subjects.map((s: { subjectId: string }) => s.subjectId)).toEqual([ids.a, ids.b].sort());
    const backup = (await incident({ kind: 'data-leak', actors: [], systems: ['backup-nightly'], categories: ['health'] })).body.incidentId;
    const leaked = await call('GET', `/v1/compliance/incidents/${backup}/affected`, officer, undefined, BREACH);
    expect(leaked.body.subjects.map((s: { subjectId: string }) => s.subjectId)).toEqual(Object.values(ids).sort());
    expect(leaked.body.subjects.every((s: { categories: string[]; how: string[] }) => s.categories.join() === 'health' && s.how.join() === 'held')).toBe(true);
  });

  it('records notifications to the regulator and to the subjects (a count and a digest, never the list)', async () => {
    const listed = (await call('GET', `/v1/compliance/incidents/${incidentId}/affected`, officer, undefined, BREACH)).body;
    const notify = (body: Record<string, unknown>, id = incidentId) =>
      call('POST', `/v1/compliance/incidents/${id}/notifications`, officer, { channel: 'email', notifiedAt: api.clock().toISOString(), ...body });
    const before = await incidentEvents();
    expectProblem(await notify({ audience: 'press' }), 400, 'validation-failed', ['audience']);
    expectProblem(await notify({ audience: 'regulator', notifiedAt: new Date(api.clock().getTime() + DAY_MS).toISOString() }), 400, 'validation-failed', ['notifiedAt']);
    expectProblem(await notify({ audience: 'regulator' }, '01900000-0000-7000-8000-0000000000ff'), 404, 'incident-not-found');
    expect(await incidentEvents()).toBe(before);
    const regulator = await notify({ audience: 'regulator', channel: 'cac-online-report', reference: 'CAC-2026-0042' });
    expect(regulator.status).toBe(201);
    expect(regulator.body).not.toHaveProperty('subjectCount');
    const subjects = await notify({ audience: 'subjects', channel: 'sms', reference: 'tpl-breach-01' });
    expect(subjects.body).toMatchObject({ audience: 'subjects', subjectCount: 3, listDigest: listed.listDigest });
    const record = (await call('GET', `/v1/compliance/incidents/${incidentId}`, auditor)).body;
    expect(record.notifications.map((n: { audience: string }) => n.audience)).toEqual(['regulator', 'subjects']);
  });

  it('covers the customer records an account wrote and read in the window (service records), and a system that held them', async () => {
    const harness = await customerRecordsHarness(api);
    const f = await harness.register();
    const g = await harness.register();
    const hmMole = await api.app.get(TokenService).sign({ sub: 'hm-mole', roles: ['health_manager'], departmentId: harness.departmentId });
    const service = { serviceDate: chinaDate(-1), serviceType: 'consultation', content: '饮食指导', purposeId: HM };
    await pause(20);
    const start = api.clock().toISOString();
    expect((await call('POST', `/v1/subjects/${f}/service-records`, hmMole, service)).status).toBe(201);
    expect((await harness.read(`/v1/subjects/${g}/service-records`, hmMole)).status).toBe(200);
    const end = api.clock().toISOString();
    await pause(20);
    // after the window: neither counts
    expect((await call('POST', `/v1/subjects/${g}/service-records`, hmMole, service)).status).toBe(201);

    const records = (await incident({ from: start, to: end, actors: ['hm-mole'] })).body.incidentId;
    const affected = await call('GET', `/v1/compliance/incidents/${records}/affected`, officer, undefined, BREACH);
    expect(affected.status).toBe(200);
    expect(affected.body.subjects.map(({ positions: _p, ...rest }: { positions: number[] }) => rest)).toEqual(
      [
        { subjectId: f, categories: ['service_interactions'], how: ['written'] },
        { subjectId: g, categories: ['service_interactions'], how: ['read'] },
      ].sort((x, y) => x.subjectId.localeCompare(y.subjectId)),
    );
    const writes = (await api.database.pool.query(`SELECT position::text AS p FROM ledger_events WHERE type = 'ServiceRecorded' AND data->>'subjectId' = $1`, [f])).rows.map((r) =>
      Number(r.p),
    );
    expect(affected.body.subjects.find((s: { subjectId: string }) => s.subjectId === f).positions).toEqual(writes);

    // a leaked store of service records held f's and g's (g's record was written after the window: g held none in it)
    const leak = (await incident({ kind: 'data-leak', from: start, to: end, actors: [], systems: ['crm-replica'], categories: ['service_interactions'] })).body.incidentId;
    const leaked = await call('GET', `/v1/compliance/incidents/${leak}/affected`, officer, undefined, BREACH);
    expect(leaked.body.subjects).toEqual([{ subjectId: f, categories: ['service_interactions'], how: ['held'], positions: writes }]);
  });

  it('generates the notification list on demand: names and addresses on file, only for breach response, every subject access-logged, nothing stored', async () => {
    const path = `/v1/compliance/incidents/${incidentId}/notification-list`;
    expectProblem(await call('GET', path, officer), 400, 'purpose-required');
    expectProblem(await call('GET', path, officer, undefined, { 'x-processing-purpose': HM }), 403, 'no-legal-basis');
    expectProblem(await call('GET', path, auditor, undefined, BREACH), 403, 'forbidden');
    const before = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'PersonalDataAccessed'`)).rows[0].n;
    const list = await call('GET', path, officer, undefined, { ...BREACH, 'x-ledger-min-position': String(await api.logHead()) });
    expect(list.status).toBe(200);
    const affected = (await call('GET', `/v1/compliance/incidents/${incidentId}/affected`, officer, undefined, BREACH)).body;
    expect(list.body).toMatchObject({ incidentId, subjectCount: 3, unreachable: 2, listDigest: affected.listDigest });
    expect(list.body.subjects).toEqual(
      affected.subjects.map((s: { subjectId: string; categories: string[] }) => ({
        subjectId: s.subjectId,
        name: s.subjectId === ids.a ? '客户a' : s.subjectId === ids.b ? '客户b' : '客户e',
        phone: null,
        email: s.subjectId === ids.e ? 'e@example.cn' : null,
        reachable: s.subjectId === ids.e,
        categories: s.categories,
      })),
    );
    // each listed subject is recorded as accessed, with the categories the list showed (the affected lists before showed none)
    const { rows } = await api.database.pool.query(
      `SELECT data->>'subjectId' AS subject, data->'categories' AS categories, metadata->>'purposeId' AS purpose FROM ledger_events
        WHERE type = 'PersonalDataAccessed' AND data->>'via' = 'breach-response' AND data->'categories' <> '[]'::jsonb ORDER BY 1`,
    );
    expect(rows).toEqual(
      [
        { subject: ids.a, categories: ['identity'], purpose: 'pipl:breach-response' },
        { subject: ids.b, categories: ['identity'], purpose: 'pipl:breach-response' },
        { subject: ids.e, categories: ['identity', 'contact'], purpose: 'pipl:breach-response' },
      ].sort((x, y) => x.subject.localeCompare(y.subject)),
    );
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'PersonalDataAccessed'`)).rows[0].n).toBe(before + 6);
    // the incident's stream still holds no personal data
    const stream = (await api.database.pool.query(`SELECT string_agg(data::text, '') AS text FROM ledger_events WHERE stream_id = 'security-incidents'`)).rows[0].text;
    for (const pi of ['客户a', 'e@example.cn', ids.a]) expect(stream).not.toContain(pi);
  });
});
