import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';

/**
 * Assignment scoping and break-glass over HTTP (issue #13, item 3): health managers and customer
 * service reach their department's customers (health managers also their own); outside it a read or
 * write is 403 outside-assignment unless the request states a break-glass reason, which is then
 * allowed, flagged in the access log, recorded as an event, counted and reported to compliance.
 */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;
const HM = 'health-management';
const NOTE = '客户在前台晕倒，需查过敏史';

describe('assignment scoping and break-glass', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let admin: string, desk: string, officer: string, auditor: string, hmA: string, csA: string, hmB: string;
  let deptA: string, deptB: string;
  const customers: Record<'a' | 'b' | 'unassigned' | 'personal', string> = { a: '', b: '', unassigned: '', personal: '' };

  const person = (name: string, phone: string) => registration({ data: { identity: { name, gender: 'female', birthDate: '1985-02-03' }, contact: { phone } }, consents: [] });
  const read = (token: string, subjectId: string, headers: Record<string, string> = {}) =>
    call('GET', `/v1/subjects/${subjectId}`, token, undefined, { 'x-processing-purpose': HM, ...headers });
  const search = async (token: string, query = `name=${encodeURIComponent('范围')}`) => {
    const reply = await call('GET', `/v1/subjects?${query}`, token, undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
    expect(reply.status).toBe(200);
    return (reply.body.items as Array<{ subjectId: string }>).map((item) => item.subjectId).sort();
  };
  const patchContact = (token: string, subjectId: string, headers: Record<string, string> = {}) =>
    call('PATCH', `/v1/subjects/${subjectId}/data/contact`, token, { set: { email: 'fw@example.cn' }, reason: 'update', purposeId: HM }, headers);
  const streamVersion = async (stream: string): Promise<number> =>
    (await api.database.pool.query(`SELECT coalesce(max(stream_version), 0)::int AS v FROM ledger_events WHERE stream_id = $1`, [stream])).rows[0].v;
  const expectOutside = (reply: Reply) => {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status: 403, code: 'outside-assignment' });
    expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reply.body.detail).toMatch(/X-Break-Glass/);
    expect(reply.body.breakGlass.reasons).toEqual(['emergency', 'customer-present', 'covering-colleague', 'complaint-escalation']);
  };

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const signer = api.app.get(TokenService);
    [admin, officer, auditor] = await Promise.all([tokens(api).admin(), tokens(api).compliance(), tokens(api).auditor()]);
    desk = await signer.sign({ sub: 'desk-1', roles: ['front_desk'] });
    deptA = (await call('POST', '/v1/departments', admin, { code: 'hm-a', name: '健康管理一部' })).body.departmentId;
    deptB = (await call('POST', '/v1/departments', admin, { code: 'hm-b', name: '健康管理二部' })).body.departmentId;
    hmA = await signer.sign({ sub: 'hm-a', roles: ['health_manager'], departmentId: deptA });
    csA = await signer.sign({ sub: 'cs-a', roles: ['customer_service'], departmentId: deptA });
    hmB = await signer.sign({ sub: 'hm-b', roles: ['health_manager'], departmentId: deptB });
    const names = { a: ['范围甲', '13900000001'], b: ['范围乙', '13900000002'], unassigned: ['范围丙', '13900000003'], personal: ['范围丁', '13900000004'] } as const;
    for (const [key, [name, phone]] of Object.entries(names)) {
      const registered = await call('POST', '/v1/subjects', desk, person(name, phone));
      expect(registered.status).toBe(201);
      customers[key as keyof typeof customers] = registered.body.subjectId;
    }
    for (const [subjectId, body] of [
      [customers.a, { departmentId: deptA }],
      [customers.b, { departmentId: deptB }],
      [customers.personal, { departmentId: deptB, healthManagerId: 'hm-a' }],
    ] as const) {
      expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, desk, body)).status).toBe(200);
    }
  });
  afterAll(async () => api.close());

  describe('PUT /v1/subjects/{id}/assignment', () => {
    it('assigns with If-Match, shows the assignment on the profile, and records SubjectAssigned with the actor', async () => {
      const before = await read(desk, customers.unassigned);
      expect(before.body.assignment).toEqual({ departmentId: null, healthManagerId: null });
      const stale = await call('PUT', `/v1/subjects/${customers.unassigned}/assignment`, desk, { departmentId: deptA }, { 'if-match': `"${Number(before.body.version) - 1}"` });
      expect({ status: stale.status, code: stale.body.code }).toEqual({ status: 412, code: 'precondition-failed' });
      const assigned = await call(
        'PUT',
        `/v1/subjects/${customers.unassigned}/assignment`,
        desk,
        { departmentId: deptB, healthManagerId: 'hm-b' },
        { 'if-match': `"${before.body.version}"` },
      );
      expect(assigned.status).toBe(200);
      expect(assigned.headers.get('etag')).toBe(`"${Number(before.body.version) + 1}"`);
      expect((await read(desk, customers.unassigned)).body.assignment).toEqual({ departmentId: deptB, healthManagerId: 'hm-b' });
      const { rows } = await api.database.pool.query(`SELECT data, metadata FROM ledger_events WHERE stream_id = $1 AND type = 'SubjectAssigned'`, [
        `subject-${customers.unassigned}`,
      ]);
      expect(rows[0]).toMatchObject({
        data: { departmentId: deptB, healthManagerId: 'hm-b' },
        metadata: { actor: 'desk-1', purposeId: 'pipl:access-control', legalBasis: 'legal_obligation' },
      });
      // the same assignment again records nothing; managers and admins may read it without any personal data
      const version = await streamVersion(`subject-${customers.unassigned}`);
      expect((await call('PUT', `/v1/subjects/${customers.unassigned}/assignment`, admin, { departmentId: deptB, healthManagerId: 'hm-b' })).status).toBe(200);
      expect(await streamVersion(`subject-${customers.unassigned}`)).toBe(version);
      expect((await call('GET', `/v1/subjects/${customers.unassigned}/assignment`, admin)).body).toEqual({
        subjectId: customers.unassigned,
        assignment: { departmentId: deptB, healthManagerId: 'hm-b' },
        version,
      });
    });

    it('refuses an unknown or deactivated department (422 naming departmentId), bad input (400), and health managers (403); nothing is written', async () => {
      const spare = (await call('POST', '/v1/departments', admin, { code: 'closing', name: '将撤销' })).body.departmentId;
      await call('POST', `/v1/departments/${spare}/deactivate`, admin);
      const version = await streamVersion(`subject-${customers.a}`);
      const cases: Array<[string, string, unknown, number, string, string | undefined]> = [
        ['unknown department', desk, { departmentId: '0190a000-0000-7000-8000-0000000000ff' }, 422, 'unknown-department', 'departmentId'],
        ['deactivated department', desk, { departmentId: spare }, 422, 'inactive-department', 'departmentId'],
        ['not a uuid', desk, { departmentId: 'A' }, 400, 'validation-failed', 'departmentId'],
        ['bad health manager id', desk, { departmentId: deptA, healthManagerId: 'a b' }, 400, 'validation-failed', 'healthManagerId'],
        ['unknown member', desk, { departmentId: deptA, extra: 1 }, 400, 'validation-failed', 'extra'],
        ['a health manager', hmA, { departmentId: deptA }, 403, 'forbidden', undefined],
      ];
      for (const [why, token, body, status, code, path] of cases) {
        const reply = await call('PUT', `/v1/subjects/${customers.a}/assignment`, token, body);
        expect({ why, status: reply.status, code: reply.body.code }).toEqual({ why, status, code });
        if (path) expect({ why, paths: reply.body.errors.map((e: { path: string }) => e.path) }).toEqual({ why, paths: [path] });
      }
      expect(await streamVersion(`subject-${customers.a}`)).toBe(version);
    });
  });

  describe('scoping', () => {
    it('search is filtered, never refused: a health manager finds its department’s and its own customers, customer service its department’s, the front desk everyone', async () => {
      expect(await search(hmA)).toEqual([customers.a, customers.personal].sort());
      expect(await search(csA)).toEqual([customers.a]);
      expect(await search(hmB)).toEqual([customers.b, customers.personal, customers.unassigned].sort());
      expect(await search(desk)).toEqual(Object.values(customers).sort());
      expect(await search(desk, `departmentId=${deptA}`)).toEqual([customers.a]);
      expect(await search(desk, `healthManagerId=hm-a`)).toEqual([customers.personal]);
      expect(await search(hmA, `departmentId=${deptB}`)).toEqual([customers.personal]);
    });

    it('a direct read outside the assignment is 403 outside-assignment saying break-glass is possible; inside it is 200', async () => {
      expect((await read(hmA, customers.a)).status).toBe(200);
      expect((await read(hmA, customers.personal)).status).toBe(200);
      expect((await read(csA, customers.a)).status).toBe(200);
      expectOutside(await read(hmA, customers.b));
      expectOutside(await read(csA, customers.personal));
    });

    it('a write outside the assignment is 403 and writes nothing; inside it succeeds', async () => {
      const version = await streamVersion(`subject-${customers.b}`);
      expectOutside(await patchContact(csA, customers.b));
      expect(await streamVersion(`subject-${customers.b}`)).toBe(version);
      expect((await patchContact(csA, customers.a)).status).toBe(200);
    });

    it('an identity change outside the assignment is 403 whether the birth date is right or wrong: the answer is no oracle', async () => {
      const documented = await call(
        'POST',
        '/v1/subjects',
        desk,
        registration({
          data: { identity: { name: '范围戊', gender: 'female', birthDate: '1985-02-03' }, identity_document: { type: 'resident_id', number: residentId('1985-02-03', 41) } },
        }),
      );
      expect(documented.status).toBe(201);
      const subjectId: string = documented.body.subjectId;
      expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, desk, { departmentId: deptB })).status).toBe(200);
      const identity = (birthDate: string) => call('PATCH', `/v1/subjects/${subjectId}/data/identity`, hmA, { set: { birthDate }, reason: 'correction', purposeId: HM });
      const before = await streamVersion(`subject-${subjectId}`);
      expectOutside(await identity('1985-02-03'));
      expectOutside(await identity('1990-07-08'));
      expect(await streamVersion(`subject-${subjectId}`)).toBe(before);
    });

    it('the front desk and compliance are unaffected', async () => {
      for (const subjectId of Object.values(customers)) {
        expect((await read(desk, subjectId)).status).toBe(200);
        expect((await read(officer, subjectId)).status).toBe(200);
      }
    });

    it('an unassigned customer is reached by the front desk and compliance only, until it is assigned', async () => {
      const { subjectId } = (await call('POST', '/v1/subjects', desk, person('未分配客户', '13900000006'))).body;
      const find = `name=${encodeURIComponent('未分配')}`;
      expect(await search(hmA, find)).toEqual([]);
      expect(await search(csA, find)).toEqual([]);
      expect(await search(desk, find)).toEqual([subjectId]);
      expectOutside(await read(hmA, subjectId));
      expect((await read(officer, subjectId)).status).toBe(200);
      expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, desk, { departmentId: deptA })).status).toBe(200);
      expect(await search(csA, find)).toEqual([subjectId]);
    });

    it('a health manager registering a customer has it assigned to its department and to itself', async () => {
      const registered = await call('POST', '/v1/subjects', hmA, person('范围戊', '13900000005'));
      expect(registered.status).toBe(201);
      const own = await read(hmA, registered.body.subjectId);
      expect({ status: own.status, assignment: own.body.assignment }).toEqual({ status: 200, assignment: { departmentId: deptA, healthManagerId: 'hm-a' } });
      expectOutside(await read(hmB, registered.body.subjectId));
    });
  });

  describe('break-glass', () => {
    it('an unknown reason or a note without a reason is 400 naming the header, and nothing is recorded', async () => {
      const before = await streamVersion('break-glass');
      const unknown = await read(hmA, customers.b, { 'x-break-glass': 'curious' });
      expect({ status: unknown.status, paths: unknown.body.errors.map((e: { path: string }) => e.path) }).toEqual({ status: 400, paths: ['headers.x-break-glass'] });
      const noteOnly = await read(hmA, customers.b, { 'x-break-glass-note': 'x' });
      expect({ status: noteOnly.status, paths: noteOnly.body.errors.map((e: { path: string }) => e.path) }).toEqual({ status: 400, paths: ['headers.x-break-glass'] });
      expect(await streamVersion('break-glass')).toBe(before);
    });

    it('a read with a reason is allowed, flagged in the access log, recorded as an event with the note sealed, counted and reported', async () => {
      const reply = await read(hmA, customers.b, { 'x-break-glass': 'emergency', 'x-break-glass-note': encodeURIComponent(NOTE) });
      expect(reply.status).toBe(200);
      expect(reply.body.data.identity.name).toBe('范围乙');

      const log = await call('GET', `/v1/audit/access?actor=hm-a&breakGlass=true`, officer, undefined, { 'x-ledger-min-position': String(await api.logHead()) });
      expect(log.body.items).toMatchObject([{ subjectId: customers.b, actor: 'hm-a', purposeId: HM, breakGlass: 'emergency', via: 'profile' }]);

      const { rows } = await api.database.pool.query(`SELECT data::text AS text, data FROM ledger_events WHERE stream_id = 'break-glass'`);
      expect(rows).toHaveLength(1);
      expect(rows[0].text).not.toContain(NOTE.slice(0, 4));
      expect(rows[0].data).toMatchObject({
        subjectId: customers.b,
        actor: 'hm-a',
        actorDepartmentId: deptA,
        assignment: { departmentId: deptB },
        reason: 'emergency',
        access: 'read',
      });

      const report = await call('GET', '/v1/compliance/break-glass?actor=hm-a', officer);
      expect(report.status).toBe(200);
      expect(report.body.items).toMatchObject([{ subjectId: customers.b, actor: 'hm-a', reason: 'emergency', access: 'read', note: NOTE, hasNote: true }]);
      const forAuditor = await call('GET', '/v1/compliance/break-glass', auditor);
      expect(forAuditor.body.items[0]).toMatchObject({ reason: 'emergency', hasNote: true });
      expect(forAuditor.body.items[0].note).toBeUndefined();
      expect((await call('GET', '/v1/compliance/break-glass', hmA)).status).toBe(403);

      const metrics = await (await api.request('/metrics', { headers: { authorization: `Bearer ${await tokens(api).ops()}` } })).text();
      expect(metrics).toMatch(/pi_ledger_break_glass_total\{reason="emergency",access="read"\} 1/);
      expect(api.logLines.join('\n')).not.toContain(NOTE.slice(0, 4));
    });

    it('a write with a reason is allowed and reported as a write; within the assignment the header records nothing', async () => {
      const written = await patchContact(csA, customers.b, { 'x-break-glass': 'complaint-escalation' });
      expect(written.status).toBe(200);
      const report = await call('GET', '/v1/compliance/break-glass?actor=cs-a', officer);
      expect(report.body.items).toMatchObject([{ subjectId: customers.b, reason: 'complaint-escalation', access: 'write', hasNote: false }]);
      const before = await streamVersion('break-glass');
      expect((await read(csA, customers.a, { 'x-break-glass': 'emergency' })).status).toBe(200);
      expect((await read(desk, customers.b, { 'x-break-glass': 'emergency' })).status).toBe(200);
      expect(await streamVersion('break-glass')).toBe(before);
    });

    it('the report pages newest first and takes a period; a bad instant is 400 naming it', async () => {
      const all = await call('GET', '/v1/compliance/break-glass', officer);
      expect(all.body.items.map((item: { access: string }) => item.access)).toEqual(['write', 'read']);
      const first = await call('GET', '/v1/compliance/break-glass?limit=1', officer);
      expect(first.body.items).toHaveLength(1);
      const second = await call('GET', `/v1/compliance/break-glass?limit=1&cursor=${first.body.nextCursor}`, officer);
      expect(second.body).toMatchObject({ items: [{ access: 'read' }], nextCursor: null });
      expect((await call('GET', '/v1/compliance/break-glass?to=2000-01-01T00:00:00Z', officer)).body.items).toEqual([]);
      const bad = await call('GET', '/v1/compliance/break-glass?from=yesterday', officer);
      expect({ status: bad.status, paths: bad.body.errors.map((e: { path: string }) => e.path) }).toEqual({ status: 400, paths: ['query.from'] });
    });
  });
  describe('the customer’s records (check-ups, service records, follow-ups)', () => {
    it('are reached within the assignment only: outside it 403 before anything about the customer is told, writing nothing; with break-glass, read and recorded as such', async () => {
      const full = await call('POST', '/v1/subjects', await tokens(api).staff(), registration()); // the front desk may not write health data
      expect(full.status).toBe(201);
      const subjectId: string = full.body.subjectId;
      expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, desk, { departmentId: deptB })).status).toBe(200);
      const records = async (token: string, kind: string, headers: Record<string, string> = {}) =>
        call('GET', `/v1/subjects/${subjectId}/${kind}`, token, undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()), ...headers });
      for (const kind of ['checkups', 'service-records', 'follow-ups', 'indicators/GLU/trend']) expectOutside(await records(hmA, kind));
      const service = { serviceDate: '2026-05-20', serviceType: 'consultation', content: '饮食咨询', purposeId: HM };
      expectOutside(await call('POST', `/v1/subjects/${subjectId}/service-records`, hmA, service));
      expect((await records(hmB, 'service-records')).body.items).toEqual([]);
      expect((await call('POST', `/v1/subjects/${subjectId}/service-records`, hmB, service)).status).toBe(201);

      const glass = await records(hmA, 'service-records', { 'x-break-glass': 'covering-colleague' });
      expect(glass.status).toBe(200);
      expect(glass.body.items).toHaveLength(1);
      const report = await call('GET', `/v1/compliance/break-glass?actor=hm-a`, officer);
      expect(report.body.items).toContainEqual(expect.objectContaining({ subjectId, reason: 'covering-colleague', access: 'read' }));
      const log = await call('GET', `/v1/audit/access?actor=hm-a&breakGlass=true`, officer, undefined, { 'x-ledger-min-position': String(await api.logHead()) });
      expect(log.body.items).toContainEqual(expect.objectContaining({ subjectId, breakGlass: 'covering-colleague' }));
    });
  });
});
