import { TokenService } from '../libs/access-control/src/token.service';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { daysAfter, TEST_NOW } from './support/test-clock';

/**
 * Access log per person (issue #13, item 7): compliance lists everything one staff member read
 * (purpose, customer, categories, break-glass) and everything it changed, over a period, in pages.
 */
const HM = 'health-management';

describe('access log and changes per staff member', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let officer: string, auditor: string, desk: string, other: string;
  const subjects: string[] = [];

  const audited = async (path: string, token = officer) => call('GET', path, token, undefined, { 'x-ledger-min-position': String(await api.logHead()) });
  const read = (token: string, subjectId: string) => call('GET', `/v1/subjects/${subjectId}`, token, undefined, { 'x-processing-purpose': HM });

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const signer = api.app.get(TokenService);
    [officer, auditor] = await Promise.all([tokens(api).compliance(), tokens(api).auditor()]);
    desk = await signer.sign({ sub: 'desk-wu', roles: ['front_desk'] });
    other = await signer.sign({ sub: 'desk-he', roles: ['front_desk'] });
    for (const phone of ['13700000001', '13700000002']) {
      const body = registration({ data: { identity: { name: '记录测试' }, contact: { phone } }, consents: [] });
      subjects.push((await call('POST', '/v1/subjects', desk, body)).body.subjectId);
    }
    for (const subjectId of subjects) expect((await read(desk, subjectId)).status).toBe(200);
    expect((await call('PATCH', `/v1/subjects/${subjects[0]}/data/contact`, desk, { set: { email: 'w@example.cn' }, reason: 'update', purposeId: HM })).status).toBe(200);
    expect((await read(other, subjects[1])).status).toBe(200);
  });
  afterAll(async () => api.close());

  it('GET /v1/audit/access?actor= lists what one staff member read: customer, purpose, categories, break-glass flag, newest first', async () => {
    const reply = await audited('/v1/audit/access?actor=desk-wu');
    expect(reply.status).toBe(200);
    expect(reply.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([subjects[1], subjects[0]]);
    expect(reply.body.items[0]).toMatchObject({ actor: 'desk-wu', purposeId: HM, via: 'profile', breakGlass: null });
    expect([...reply.body.items[0].categories].sort()).toEqual(['contact', 'identity']);
    expect((await audited('/v1/audit/access?actor=desk-he', auditor)).body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([subjects[1]]);
  });

  it('pages and takes a period (the ledger clock’s time of each read); a bad instant is 400 naming it', async () => {
    const first = await audited('/v1/audit/access?actor=desk-wu&limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await audited(`/v1/audit/access?actor=desk-wu&limit=1&cursor=${encodeURIComponent(first.body.nextCursor)}`);
    expect(second.body).toMatchObject({ items: [{ subjectId: subjects[0] }], nextCursor: null });
    const during = `from=${encodeURIComponent(daysAfter(-1).toISOString())}&to=${encodeURIComponent(daysAfter(1).toISOString())}`;
    expect((await audited(`/v1/audit/access?actor=desk-wu&${during}`)).body.items).toHaveLength(2);
    expect((await audited(`/v1/audit/access?actor=desk-wu&to=${encodeURIComponent(TEST_NOW)}`)).body.items).toEqual([]);
    const bad = await audited('/v1/audit/access?actor=desk-wu&from=2026-06-01');
    expect({ status: bad.status, paths: bad.body.errors.map((e: { path: string }) => e.path) }).toEqual({ status: 400, paths: ['query.from'] });
  });

  it('GET /v1/audit/events?actor= lists what one staff member changed (names of categories and fields, never values), in pages', async () => {
    const reply = await audited('/v1/audit/events?actor=desk-wu&type=DataUpdated');
    expect(reply.status).toBe(200);
    expect(reply.body.items).toMatchObject([{ type: 'DataUpdated', subjectId: subjects[0], actor: 'desk-wu', purposeId: HM, categories: ['contact'], fields: ['email'] }]);
    expect(JSON.stringify(reply.body)).not.toContain('w@example.cn');
    const all = await audited('/v1/audit/events?actor=desk-wu&limit=2');
    expect(all.body.items).toHaveLength(2);
    expect(all.body.nextCursor).not.toBeNull();
    expect(all.body.items.every((item: { actor: string }) => item.actor === 'desk-wu')).toBe(true);
    expect((await audited('/v1/audit/events?actor=desk-wu&to=2000-01-01T00:00:00Z')).body.items).toEqual([]);
  });

  it('is for compliance officers and auditors only', async () => {
    for (const path of ['/v1/audit/access?actor=desk-wu', '/v1/audit/events?actor=desk-wu']) expect((await audited(path, desk)).status).toBe(403);
  });
});
