import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { chinaYear } from './support/test-clock';
import { jsonRequest, tokens } from './support/test-tokens';

/**
 * Read models over HTTP: search, registers, the access log, statistics and read-your-writes.
 * Every read waits for the projections with X-Ledger-Min-Position, as a client would.
 */
describe('read models over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  let compliance: string;
  let auditor: string;
  let ops: string;
  /** The highest position any write of this file returned. */
  let written = 0;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, admin, compliance, ops, auditor] = await Promise.all([t.staff(), t.admin(), t.compliance(), t.ops(), t.auditor()]);
  });
  afterAll(async () => api.close());

  /** A write: remembers its position. */
  const write = async (method: string, path: string, body: unknown) => {
    const response = await call(method, path, staff, body);
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    written = Math.max(written, response.body.position ?? 0);
    return response.body;
  };
  /** A read once the projections include every write so far. */
  const read = (path: string, token: string, headers: Record<string, string> = {}) => call('GET', path, token, undefined, { 'x-ledger-min-position': String(written), ...headers });
  const asStaff = (path: string, purpose = 'health-management') => read(path, staff, { 'x-processing-purpose': purpose });

  let sequence = 0;
  /** A valid resident ID number born on `birthDate` (GB 11643 check digit). */
  const idNumber = (birthDate: string) => residentId(birthDate, (100 + ++sequence) % 1000, '310104');
  const register = async (person: { name: string; phone: string; email: string; birthDate: string; gender?: string; province?: string; number?: string }) => {
    const number = person.number ?? idNumber(person.birthDate);
    const body = await write('POST', '/v1/subjects', {
      purposeId: 'health-management',
      noticeVersion: 'v1',
      channel: 'front-desk',
      consents: [{ purposeId: 'health-management', categories: ['identity_document', 'health'], separate: true }],
      data: {
        identity: { name: person.name, gender: person.gender ?? 'female', birthDate: person.birthDate },
        identity_document: { type: 'resident_id', number },
        contact: { phone: person.phone, email: person.email, address: { province: person.province ?? '上海市', city: '上海市', district: '徐汇区', line: '漕溪北路 1 号' } },
      },
    });
    return { subjectId: body.subjectId as string, number };
  };

  describe('GET /v1/subjects (search)', () => {
    let li: { subjectId: string; number: string };
    let lin: { subjectId: string; number: string };
    beforeAll(async () => {
      li = await register({ name: '李娜', phone: '+8613500001111', email: 'Li.Na@Example.cn', birthDate: '1990-02-03' });
      lin = await register({ name: '李娜娜', phone: '13500002222', email: 'nana@example.cn', birthDate: '1988-08-08' });
      await register({ name: 'Li Wen', phone: '13500003333', email: 'wen@example.cn', birthDate: '1975-01-01' });
    });

    it('finds by phone in any spelling, returning a masked summary', async () => {
      for (const phone of ['13500001111', '+86 135 0000 1111', '0086-135-0000-1111', '８６１３５００００１１１１']) {
        const found = await asStaff(`/v1/subjects?phone=${encodeURIComponent(phone)}`);
        expect({ phone, status: found.status, items: found.body.items }).toEqual({
          phone,
          status: 200,
          items: [
            {
              subjectId: li.subjectId,
              customerNumber: expect.stringMatching(/^C\d{10}$/),
              name: '李娜',
              phone: '+86135****1111',
              status: 'active',
              updatedAt: expect.any(String),
              assignment: { departmentId: null, healthManagerId: null },
              lifecycle: { stage: 'active', changedAt: null },
            },
          ],
        });
        expect(found.body.nextCursor).toBeNull();
      }
    });

    it('finds by ID number and by email (case-insensitive); never shows them', async () => {
      const byId = await asStaff(`/v1/subjects?idNumber=${lin.number.toLowerCase()}`);
      expect(byId.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([lin.subjectId]);
      expect(JSON.stringify(byId.body)).not.toContain(lin.number);
      const byEmail = await asStaff(`/v1/subjects?email=${encodeURIComponent('LI.NA@example.CN')}`);
      expect(byEmail.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([li.subjectId]);
      expect(JSON.stringify(byEmail.body)).not.toMatch(/example\.cn/i);
    });

    it('finds by name prefix and pages with an opaque cursor', async () => {
      const all = await asStaff(`/v1/subjects?name=${encodeURIComponent('李娜')}`);
      expect(all.body.items.map((item: { name: string }) => item.name).sort()).toEqual(['李娜', '李娜娜']);
      const first = await asStaff(`/v1/subjects?name=${encodeURIComponent('李娜')}&limit=1`);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]+$/));
      const second = await asStaff(`/v1/subjects?name=${encodeURIComponent('李娜')}&limit=1&cursor=${first.body.nextCursor}`);
      expect([...first.body.items, ...second.body.items].map((item: { name: string }) => item.name).sort()).toEqual(['李娜', '李娜娜']);
      const latin = await asStaff(`/v1/subjects?name=${encodeURIComponent('li w')}`);
      expect(latin.body.items.map((item: { name: string }) => item.name)).toEqual(['Li Wen']);
      expect((await asStaff(`/v1/subjects?name=${encodeURIComponent('李娜娜')}&status=restricted`)).body.items).toEqual([]);
      // one character is not searched by: its blind index would be the surname's
      expect((await asStaff(`/v1/subjects?name=${encodeURIComponent('李')}`)).body).toMatchObject({ code: 'validation-failed', errors: [{ path: 'query.name' }] });
    });

    it('leaves out subjects without a legal basis for the purpose', async () => {
      const marketing = await asStaff(`/v1/subjects?name=${encodeURIComponent('李娜')}`, 'marketing');
      expect(marketing.status).toBe(200);
      expect(marketing.body.items).toEqual([]);
      await write('POST', `/v1/subjects/${lin.subjectId}/consents`, {
        purposeId: 'marketing',
        categories: ['identity', 'contact'],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
      });
      const consented = await asStaff(`/v1/subjects?name=${encodeURIComponent('李娜')}`, 'marketing');
      expect(consented.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([lin.subjectId]);
    });

    it('400 without a purpose, without any filter, or with a bad limit or cursor; 403 for other roles', async () => {
      expect((await read('/v1/subjects?phone=13500001111', staff)).body.code).toBe('purpose-required');
      const none = await asStaff('/v1/subjects');
      expect(none.status).toBe(400);
      expect((await asStaff('/v1/subjects?name=%E6%9D%8E%E5%A8%9C&limit=101')).body.errors[0].path).toBe('limit');
      expect((await asStaff('/v1/subjects?name=%E6%9D%8E%E5%A8%9C&cursor=garbage!')).status).toBe(400);
      expect((await asStaff('/v1/subjects?name=%E6%9D%8E%E5%A8%9C&nickname=x')).body.errors[0]).toEqual({ path: 'nickname', message: 'unknown field' });
      expect((await asStaff('/v1/subjects?name=%E6%9D%8E%E5%A8%9C', 'nope')).body.code).toBe('unknown-purpose');
      expect((await read('/v1/subjects?name=%E6%9D%8E%E5%A8%9C', admin, { 'x-processing-purpose': 'health-management' })).status).toBe(403);
      expect((await read('/v1/subjects?name=%E6%9D%8E%E5%A8%9C', await tokens(api).subject(li.subjectId), { 'x-processing-purpose': 'health-management' })).status).toBe(403);
    });
  });

  describe('POST /v1/subjects/search (terms in the body, never in the URL)', () => {
    const search = (body: unknown, purpose = 'health-management') =>
      call('POST', '/v1/subjects/search', staff, body, { 'x-processing-purpose': purpose, 'x-ledger-min-position': String(written) });

    it('finds as the GET form does, records the reads, and names body fields in its 400s', async () => {
      const { subjectId } = await register({ name: '钱芳', phone: '13700004444', email: 'qian.fang@example.cn', birthDate: '1979-09-09' });
      const byPhone = await search({ phone: '+86 137 0000 4444' });
      expect({ status: byPhone.status, ids: byPhone.body.items.map((item: { subjectId: string }) => item.subjectId) }).toEqual({ status: 200, ids: [subjectId] });
      expect(JSON.stringify(byPhone.body)).not.toContain('13700004444');
      const byName = await search({ name: '钱芳', limit: 5 });
      expect(byName.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([subjectId]);
      const log = await read(`/v1/audit/access?subjectId=${subjectId}`, await tokens(api).compliance());
      expect(log.body.items).toContainEqual(expect.objectContaining({ subjectId, via: 'search' }));

      expect((await search({})).body).toMatchObject({ code: 'validation-failed', errors: [{ path: 'body' }] });
      expect((await search({ name: '钱' })).body).toMatchObject({ code: 'validation-failed', errors: [{ path: 'name' }] });
      expect((await search({ phone: '13700004444', limit: 500 })).body.errors[0].path).toBe('limit');
      expect((await search({ phone: '13700004444', nickname: 'x' })).body.errors[0]).toEqual({ path: 'nickname', message: 'unknown field' });
      expect((await call('POST', '/v1/subjects/search', staff, { phone: '13700004444' })).body.code).toBe('purpose-required');
    });
  });

  describe('access records', () => {
    let subjectId: string;
    beforeAll(async () => {
      ({ subjectId } = await register({ name: '赵敏', phone: '13600001234', email: 'zhao.min@example.cn', birthDate: '1985-04-04' }));
    });

    it('records a read of the profile with purpose, categories and revealed fields, without changing the subject’s version', async () => {
      const first = await asStaff(`/v1/subjects/${subjectId}?reveal=contact`);
      expect(first.status).toBe(200);
      expect(first.body.data.contact.phone).toBe('+8613600001234');
      const again = await asStaff(`/v1/subjects/${subjectId}`);
      expect(again.headers.get('etag')).toBe(first.headers.get('etag'));
      expect(again.body.version).toBe(first.body.version);

      const log = await accessLog(subjectId, 2);
      expect(log.items).toEqual([
        expect.objectContaining({ subjectId, actor: 'staff-wang', roles: ['staff'], purposeId: 'health-management', via: 'profile', revealed: [] }),
        expect.objectContaining({ subjectId, actor: 'staff-wang', purposeId: 'health-management', via: 'profile', revealed: ['contact.phone', 'contact.phones'] }),
      ]);
      expect(log.items[1].categories.sort()).toEqual(['contact', 'identity', 'identity_document']);
      expect(log.items[0]).toEqual({
        accessId: expect.any(String),
        subjectId,
        actor: 'staff-wang',
        roles: ['staff'],
        purposeId: 'health-management',
        categories: expect.any(Array),
        revealed: [],
        via: 'profile',
        accessedAt: expect.any(String),
        position: expect.any(Number),
        breakGlass: null,
      });
      const text = JSON.stringify(log);
      for (const value of ['13600001234', '赵敏', 'zhao.min']) expect(text).not.toContain(value);
    });

    it('records one access per subject a search returns', async () => {
      await asStaff(`/v1/subjects?phone=13600001234`);
      const log = await accessLog(subjectId, 3);
      expect(log.items[0]).toMatchObject({ via: 'search', purposeId: 'health-management', revealed: [] });
      expect(log.items[0].categories.sort()).toEqual(['contact', 'identity']);
    });

    it('shows a data subject its own access log, including its own reads, and nobody else’s', async () => {
      const own = await tokens(api).subject(subjectId);
      expect((await read(`/v1/subjects/${subjectId}`, own)).status).toBe(200);
      const log = await accessLog(subjectId, 4, own, '');
      expect(log.items[0]).toMatchObject({ subjectId, actor: `subject-${subjectId}`, purposeId: null, via: 'profile' });
      expect((await read(`/v1/audit/access?subjectId=01900000-0000-7000-8000-000000000001`, own)).status).toBe(403);
    });

    it('is for compliance officers and auditors, not staff or ops; pages with a cursor', async () => {
      expect((await read(`/v1/audit/access?subjectId=${subjectId}`, auditor)).status).toBe(200);
      expect((await read(`/v1/audit/access?subjectId=${subjectId}`, staff)).status).toBe(403);
      expect((await read(`/v1/audit/access?subjectId=${subjectId}`, ops)).status).toBe(403);
      const first = await read(`/v1/audit/access?subjectId=${subjectId}&limit=3`, compliance);
      expect(first.body.items).toHaveLength(3);
      const rest = await read(`/v1/audit/access?subjectId=${subjectId}&limit=3&cursor=${first.body.nextCursor}`, compliance);
      expect(rest.body).toEqual({ items: [expect.objectContaining({ subjectId })], nextCursor: null });
      expect((await read(`/v1/audit/access?actor=staff-wang&limit=500`, compliance)).body.items.length).toBeGreaterThanOrEqual(3);
      expect((await read(`/v1/audit/access?cursor=nope`, compliance)).status).toBe(400);
    });
  });

  describe('consent and disclosure registers', () => {
    let subjectId: string;
    let consentId: string;
    let disclosureId: string;
    beforeAll(async () => {
      ({ subjectId } = await register({ name: '钱多多', phone: '13700001234', email: 'qian@example.cn', birthDate: '1992-12-12' }));
      consentId = (
        await write('POST', `/v1/subjects/${subjectId}/consents`, { purposeId: 'research', categories: ['health'], separate: true, noticeVersion: 'v1', channel: 'app' })
      ).consentId;
      await write('DELETE', `/v1/subjects/${subjectId}/consents/${consentId}`, undefined);
      disclosureId = (
        await write('POST', `/v1/subjects/${subjectId}/disclosures`, {
          recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
          purposeId: 'health-management',
          categories: ['health'],
        })
      ).disclosureId;
    });

    it('lists every consent with its notice and status, withdrawn ones included', async () => {
      const consents = await asStaff(`/v1/subjects/${subjectId}/consents`);
      expect(consents.status).toBe(200);
      expect(consents.body.items).toEqual([
        {
          consentId: expect.any(String),
          purposeId: 'health-management',
          categories: ['identity_document', 'health'],
          separate: true,
          guardian: false,
          status: 'active',
          noticeVersion: 'v1',
          channel: 'front-desk',
          grantedAt: expect.any(String),
        },
        {
          consentId,
          purposeId: 'research',
          categories: ['health'],
          separate: true,
          guardian: false,
          status: 'withdrawn',
          noticeVersion: 'v1',
          channel: 'app',
          grantedAt: expect.any(String),
          withdrawnAt: expect.any(String),
        },
      ]);
      // the register answers under a purpose whose basis is gone: it is how staff find that out
      expect((await asStaff(`/v1/subjects/${subjectId}/consents`, 'research')).status).toBe(200);
    });

    it('lists disclosures with recipient, purpose, categories and the consent relied on', async () => {
      const disclosures = await asStaff(`/v1/subjects/${subjectId}/disclosures`);
      expect(disclosures.body.items).toEqual([
        {
          disclosureId,
          recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
          purposeId: 'health-management',
          categories: ['health'],
          consentId: expect.any(String),
          disclosedAt: expect.any(String),
        },
      ]);
    });

    it('lets the subject read its own registers; 400 for staff without a purpose; 403 for another subject or a role without access', async () => {
      const own = await tokens(api).subject(subjectId);
      expect((await read(`/v1/subjects/${subjectId}/consents`, own)).body.items).toHaveLength(2);
      expect((await read(`/v1/subjects/${subjectId}/disclosures`, own)).body.items).toHaveLength(1);
      expect((await read(`/v1/subjects/${subjectId}/consents`, staff)).body.code).toBe('purpose-required');
      expect((await read(`/v1/subjects/${subjectId}/consents`, await tokens(api).subject('01900000-0000-7000-8000-000000000002'))).status).toBe(403);
      expect((await read(`/v1/subjects/${subjectId}/disclosures`, admin, { 'x-processing-purpose': 'health-management' })).status).toBe(403);
    });
  });

  describe('statistics', () => {
    it('counts subjects by status, category, gender, age band and province, and consents by purpose; no PI', async () => {
      const before = (await read('/v1/stats/subjects', admin)).body;
      // ages are counted in the ledger's (pinned) year: 25 and 50 then, whatever year the host thinks it is
      const year = chinaYear();
      await register({ name: '孙一', phone: '13800000001', email: 's1@example.cn', birthDate: `${year - 25}-01-01`, gender: 'male', province: '浙江省' });
      await register({ name: '孙二', phone: '13800000002', email: 's2@example.cn', birthDate: `${year - 50}-01-01`, gender: 'male', province: '浙江省' });
      const after = await read('/v1/stats/subjects', compliance);
      expect(after.status).toBe(200);
      const delta = (path: (stats: typeof before) => number | undefined) => (path(after.body) ?? 0) - (path(before) ?? 0);
      expect(delta((s) => s.total)).toBe(2);
      expect(delta((s) => s.byStatus.active)).toBe(2);
      expect(delta((s) => s.byCategory.identity_document)).toBe(2);
      expect(delta((s) => s.byCategory.health)).toBe(0);
      expect(delta((s) => s.byGender.male)).toBe(2);
      expect(delta((s) => s.byAgeBand['18-29'])).toBe(1);
      expect(delta((s) => s.byAgeBand['45-59'])).toBe(1);
      expect(delta((s) => s.byProvince['浙江省'])).toBe(2);
      expect(delta((s) => s.consentsByPurpose['health-management']?.active)).toBe(2);
      expect(Object.keys(after.body.byAgeBand)).toEqual(['under-14', '14-17', '18-29', '30-44', '45-59', '60+', 'unknown']);
      expect(JSON.stringify(after.body)).not.toMatch(/孙|138000|example\.cn|[0-9a-f]{8}-[0-9a-f]{4}-/);
      expect((await read('/v1/stats/subjects', staff)).status).toBe(403);
      expect((await read('/v1/stats/subjects', ops)).status).toBe(403);
    });

    it('counts collections and rights-request events per day', async () => {
      // days are those of recordedAt (the database's clock): the day of the latest event is today's
      const { rows } = await api.database.pool.query<{ day: string }>(`SELECT to_char(max(recorded_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day FROM ledger_events`);
      const today = rows[0].day;
      const path = `/v1/stats/activity?from=${today}&to=${today}`;
      const before = (await read(path, admin)).body.days[0];
      const { subjectId } = await register({ name: '周一', phone: '13800000009', email: 'z1@example.cn', birthDate: '1970-01-01' });
      await write('PATCH', `/v1/subjects/${subjectId}/data/contact`, { set: { email: 'z1.new@example.cn' }, reason: 'update', purposeId: 'health-management' });
      const after = await read(path, admin);
      expect(after.body).toEqual({ from: today, to: today, days: [expect.objectContaining({ day: today, rightsRequests: before.rightsRequests })] });
      // registration collects three categories; the PATCH updates one
      expect(after.body.days[0].collections - before.collections).toBe(4);
      expect((after.body.days[0].byType.DataUpdated ?? 0) - (before.byType.DataUpdated ?? 0)).toBe(1);
      const month = await read('/v1/stats/activity', compliance);
      expect(month.body.days).toHaveLength(30);
      expect((await read('/v1/stats/activity?from=2026-02-01&to=2026-01-01', admin)).status).toBe(400);
      expect((await read('/v1/stats/activity?from=2020-01-01&to=2026-01-01', admin)).status).toBe(400);
      expect((await read('/v1/stats/activity?from=yesterday', admin)).status).toBe(400);
    });
  });

  describe('X-Ledger-Min-Position', () => {
    it('returns fresh data right after a write', async () => {
      const { subjectId } = await register({ name: '吴昊', phone: '13900001234', email: 'wu@example.cn', birthDate: '1981-03-03' });
      const changed = await call('PATCH', `/v1/subjects/${subjectId}/data/contact`, staff, { set: { phone: '13900005678' }, reason: 'correction', purposeId: 'health-management' });
      const found = await call('GET', `/v1/subjects?phone=13900005678`, staff, undefined, {
        'x-processing-purpose': 'health-management',
        'x-ledger-min-position': String(changed.body.position),
      });
      expect(found.status).toBe(200);
      expect(found.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([subjectId]);
    });

    it('400 for a malformed position; 503 projection-lagging with Retry-After when it is not reached in time', async () => {
      const bad = await call('GET', '/v1/stats/subjects', admin, undefined, { 'x-ledger-min-position': 'soon' });
      expect(bad.status).toBe(400);
      expect(bad.body.code).toBe('invalid-min-position');
      const started = Date.now();
      const lagging = await call('GET', '/v1/stats/subjects', admin, undefined, { 'x-ledger-min-position': String(written + 1_000_000) });
      expect(lagging.status).toBe(503);
      expect(lagging.body.code).toBe('projection-lagging');
      expect(lagging.headers.get('retry-after')).toBe('1');
      expect(Date.now() - started).toBeGreaterThanOrEqual(4900);
    });
  });

  /**
   * The access log once it includes every read so far: a read's access record is appended before
   * the response, at a position no response returns, so the read waits for the log's head.
   */
  async function accessLog(subjectId: string, count: number, token = compliance, query = `subjectId=${subjectId}&`) {
    const response = await call('GET', `/v1/audit/access?${query}limit=100`, token, undefined, { 'x-ledger-min-position': String(await api.logHead()) });
    expect(response.status).toBe(200);
    expect(response.body.items).toHaveLength(count);
    return response.body;
  }
});
