import { PII_VAULT } from '../libs/pii-vault/src/pii-vault.module';
import { PiiVault } from '../libs/pii-vault/src/pii-vault';
import { customerRecordsHarness } from './support/customer-records';
import { eraseOnRequest } from './support/erasure-request';
import { registration, ZHANG } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { tokens } from './support/test-tokens';

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
const HM = 'health-management';
/** Values only the duplicate holds: after the survivor's erasure none may be readable anywhere. */
const CANARY = { phone: '+8613900001111', condition: '合并测试-甲状腺结节-7c1e', employer: '合并测试-某某医院-7c1e' };

/**
 * Merge of two customer files of one person over HTTP (issue #15 item 3): the survivor takes the
 * duplicate's chosen values, consents and disclosures as events of its own; the duplicate's id answers
 * with the survivor's; its keys are shredded; a later erasure of the survivor leaves nothing of either.
 */
describe('merging two customer files', () => {
  let api: TestApi;
  let call: Harness['call'];
  let as: Harness['as'];
  let departmentId: string;
  let read: Harness['read'];
  let compliance: string;
  let vault: PiiVault;

  beforeAll(async () => {
    api = await startTestApi();
    ({ call, as, departmentId, read } = await customerRecordsHarness(api));
    compliance = await tokens(api).compliance();
    vault = api.app.get(PII_VAULT);
  });
  afterAll(() => api.close());

  let sequence = 0;
  /** A file of ZHANG (realistic-subject.ts), assigned to the harness's department; `document: false` registers it without an ID number. */
  const register = async (data: Record<string, unknown> = {}, document = true): Promise<string> => {
    const body = registration();
    const base = { ...(body.data as Record<string, unknown>) };
    if (!document) delete base.identity_document;
    else base.identity_document = { type: 'resident_id', number: residentId(ZHANG.birthDate, ++sequence, '320102') };
    const registered = await call('POST', '/v1/subjects', as.staff, { ...body, data: { ...base, ...data } });
    expect(registered.status).toBe(201);
    const subjectId = registered.body.subjectId as string;
    expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, as.staff, { departmentId })).status).toBe(200);
    return subjectId;
  };
  const versionOf = async (subjectId: string): Promise<number> =>
    (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = $1`, [`subject-${subjectId}`])).rows[0].n;
  const liveKeys = async (subjectId: string): Promise<number> =>
    (await api.database.pool.query(`SELECT count(*)::int AS n FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NOT NULL`, [subjectId])).rows[0].n;
  const merge = (survivorId: string, body: Record<string, unknown>, token = as.staff, headers: Record<string, string> = {}) =>
    call('POST', `/v1/subjects/${survivorId}/merge`, token, { purposeId: HM, ...body }, headers);

  describe('end to end', () => {
    let survivorId: string;
    let duplicateId: string;
    let disclosureId: string;
    let duplicateConsentId: string;

    beforeAll(async () => {
      survivorId = await register();
      duplicateId = await register(
        {
          identity: { name: '張偉', gender: 'male', birthDate: ZHANG.birthDate },
          contact: { phone: CANARY.phone },
          employment: { employer: CANARY.employer, title: '医生' },
          health: { conditions: [CANARY.condition] },
        },
        false,
      );
      const disclosed = await call('POST', `/v1/subjects/${duplicateId}/disclosures`, as.staff, {
        recipient: { name: '某某检验所', contact: 'lab@example.cn' },
        purposeId: HM,
        categories: ['health'],
      });
      expect(disclosed.status).toBe(201);
      const registers = await read(`/v1/subjects/${duplicateId}/disclosures`, compliance);
      disclosureId = registers.body.items?.[0]?.disclosureId ?? registers.body[0]?.disclosureId;
      const consents = await read(`/v1/subjects/${duplicateId}/consents`, compliance);
      duplicateConsentId = (consents.body.items ?? consents.body)[0].consentId;
      expect(disclosureId).toEqual(expect.any(String));
    });

    it('merges under If-Match: the survivor keeps its name, takes the duplicate’s other values, consents and disclosures', async () => {
      const version = await versionOf(survivorId);
      const merged = await merge(
        survivorId,
        { duplicateId, choices: { identity: { name: 'survivor' }, contact: 'survivor', employment: 'duplicate', health: { conditions: 'duplicate' } } },
        as.staff,
        { 'if-match': `"${version}"` },
      );
      expect(merged.status).toBe(200);
      expect(merged.body).toMatchObject({ survivorId, duplicateId, version: expect.any(Number), position: expect.any(Number) });
      expect(merged.headers.get('etag')).toBe(`"${merged.body.version}"`);

      const file = await read(`/v1/subjects/${survivorId}?reveal=employment,health,identity`, as.health_manager);
      expect(file.status).toBe(200);
      expect(file.body.data.identity.name).toBe('张伟');
      expect(file.body.data.health.conditions).toEqual([CANARY.condition]);
      expect((await read(`/v1/subjects/${survivorId}?reveal=employment`, as.staff)).body.data.employment.employer).toBe(CANARY.employer);
      expect(file.body.consents.map((consent: { consentId: string }) => consent.consentId)).toContain(duplicateConsentId);

      const consents = await read(`/v1/subjects/${survivorId}/consents`, compliance);
      expect(JSON.stringify(consents.body)).toContain(duplicateConsentId);
      const disclosures = await read(`/v1/subjects/${survivorId}/disclosures`, compliance);
      expect(JSON.stringify(disclosures.body)).toContain(disclosureId);
    });

    it('shows the merge in the survivor’s history, field by field', async () => {
      const history = await read(`/v1/subjects/${survivorId}/history`, compliance);
      expect(history.status).toBe(200);
      const entries = history.body as Array<{ eventType: string; category: string | null; field: string | null; mergedFrom?: string }>;
      expect(entries).toEqual(expect.arrayContaining([expect.objectContaining({ eventType: 'SubjectMerged', value: expect.objectContaining({ duplicateId }) })]));
      expect(JSON.stringify(entries)).toContain(CANARY.condition); // what the erasure below must make unreadable
      const taken = entries.filter((entry) => entry.mergedFrom === duplicateId);
      expect(taken.map((entry) => `${entry.eventType} ${entry.category}.${entry.field}`)).toEqual(
        expect.arrayContaining(['DataCorrected health.conditions', 'DataCorrected employment.employer', 'DataCorrected employment.title']),
      );
    });

    it('answers the old id with the survivor’s, refuses writes to it, and shreds its keys', async () => {
      const old = await read(`/v1/subjects/${duplicateId}`, as.health_manager);
      expect(old.status).toBe(409);
      expect(old.headers.get('content-type')).toContain('application/problem+json');
      expect(old.body).toMatchObject({ code: 'subject-merged', mergedInto: survivorId });
      const written = await call('PATCH', `/v1/subjects/${duplicateId}/data/contact`, as.staff, { set: { email: 'x@example.cn' }, reason: 'update', purposeId: HM });
      expect(written.status).toBe(409);
      expect(written.body).toMatchObject({ code: 'subject-merged', mergedInto: survivorId });
      const record = await call('POST', `/v1/subjects/${duplicateId}/service-records`, as.health_manager, {
        serviceDate: chinaDate(-1),
        serviceType: 'consultation',
        content: '电话咨询',
        purposeId: HM,
      });
      expect(record.body).toMatchObject({ code: 'subject-merged', mergedInto: survivorId });
      expect(await liveKeys(duplicateId)).toBe(0);
      expect((await vault.tombstones(duplicateId)).length).toBeGreaterThan(0);
      const last = await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT 1`, [`subject-${duplicateId}`]);
      expect(last.rows[0]).toMatchObject({ type: 'SubjectMergedInto', data: { survivorId } });
    });

    it('shows the merged file in the survivor’s copy (PIPL Art. 45), with its values and consents', async () => {
      const own = await tokens(api).subject(survivorId);
      const filed = await call('POST', '/v1/rights-requests', own, { subjectId: survivorId, type: 'copy', channel: 'app', requester: { kind: 'subject' } });
      expect((await call('POST', `/v1/rights-requests/${filed.body.requestId}/fulfil`, compliance)).status).toBe(200);
      const exported = await call('GET', `/v1/rights-requests/${filed.body.requestId}/export`, own);
      expect(exported.status).toBe(200);
      expect(exported.body.mergedFiles).toEqual([
        { subjectId: duplicateId, mergedAt: expect.any(String), taken: expect.objectContaining({ health: { fromDuplicate: ['conditions'], dropped: [] } }) },
      ]);
      expect(exported.body.data.health.conditions).toEqual([CANARY.condition]);
      expect(exported.body.consents.map((consent: { consentId: string }) => consent.consentId)).toContain(duplicateConsentId);
      expect(exported.body.disclosures.map((disclosure: { disclosureId: string }) => disclosure.disclosureId)).toContain(disclosureId);
    });

    it('is idempotent: the same merge again changes nothing', async () => {
      const head = await api.logHead();
      const again = await merge(survivorId, { duplicateId, choices: { identity: { name: 'survivor' }, contact: 'survivor' } });
      expect(again.status).toBe(200);
      expect(await api.logHead()).toBe(head);
    });

    it('a later erasure of the survivor leaves nothing of either file', async () => {
      await eraseOnRequest(api, survivorId);
      expect(await liveKeys(survivorId)).toBe(0);
      expect(await liveKeys(duplicateId)).toBe(0);
      expect((await read(`/v1/subjects/${survivorId}`, as.health_manager)).status).toBe(410);
      // the duplicate's values, now sealed under the survivor's shredded keys, open to "[erased]" in the history
      const history = await read(`/v1/subjects/${survivorId}/history`, compliance);
      expect(JSON.stringify(history.body)).not.toContain(CANARY.condition);
      // and no table holds them in clear (read models purged, nothing copied out in clear)
      const owner = await api.database.ownerClient();
      const tables = (await owner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows;
      for (const { table_name: table } of tables) {
        const { rows } = await owner.query(`SELECT t::text AS row FROM ${owner.escapeIdentifier(table)} t`);
        for (const { row } of rows) for (const secret of Object.values(CANARY)) expect(`${table}: ${(row as string).includes(secret) ? secret : ''}`).toBe(`${table}: `);
      }
    });
  });

  describe('refused, with nothing written', () => {
    /** The refusal's problem, after checking that the log did not move. */
    const refused = async (survivorId: string, body: Record<string, unknown>, token = as.staff) => {
      const head = await api.logHead();
      const response = await merge(survivorId, body, token);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await api.logHead()).toBe(head);
      return response;
    };
    const paths = (body: { errors?: Array<{ path: string }> }) => (body.errors ?? []).map((problem) => problem.path);

    it('a file merged into itself', async () => {
      const subjectId = await register();
      const response = await refused(subjectId, { duplicateId: subjectId });
      expect(response.status).toBe(422);
      expect(response.body.code).toBe('merge-same-subject');
      expect(paths(response.body)).toEqual(['duplicateId']);
    });

    it('two different ID numbers of the same type, whatever the choice', async () => {
      const [a, b] = [await register(), await register()];
      const response = await refused(a, { duplicateId: b, choices: { identity_document: 'duplicate' } });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('merge-conflicting-facts');
      expect(paths(response.body)).toEqual(['identity_document.number']);
      expect(JSON.stringify(response.body)).not.toMatch(/\d{17}[\dX]/);
    });

    it('different birth dates without a choice, naming the field; a choice that disagrees with the kept ID number', async () => {
      const a = await register();
      const b = await register({ identity: { name: ZHANG.name, gender: 'male', birthDate: '1981-06-02' } }, false);
      const unchosen = await refused(a, { duplicateId: b });
      expect(unchosen.status).toBe(422);
      expect(unchosen.body.code).toBe('merge-choice-required');
      expect(paths(unchosen.body)).toEqual(['choices.identity.birthDate']);
      const disagreeing = await refused(a, { duplicateId: b, choices: { identity: { birthDate: 'duplicate' } } });
      expect(disagreeing.status).toBe(409);
      expect(disagreeing.body.code).toBe('merge-conflicting-facts');
      expect(paths(disagreeing.body)).toEqual(['choices.identity.birthDate']);
    });

    it('choices of the wrong shape, or naming a category neither file holds', async () => {
      const [a, b] = [await register(), await register({}, false)];
      const shape = await refused(a, { duplicateId: b, choices: { identity: 'both' } });
      expect(shape.status).toBe(400);
      expect(paths(shape.body)).toEqual(['choices.identity']);
      const unheld = await refused(a, { duplicateId: b, choices: { preferences: 'duplicate' } });
      expect(unheld.status).toBe(400);
      expect(paths(unheld.body)).toEqual(['choices.preferences']);
      const missing = await refused(a, { choices: {}, purposeId: undefined });
      expect(missing.status).toBe(400);
      expect(paths(missing.body)).toEqual(expect.arrayContaining(['duplicateId', 'purposeId']));
    });

    it('an erased duplicate, a merged one, and an unknown one', async () => {
      const [a, b] = [await register(), await register({}, false)];
      await eraseOnRequest(api, b);
      const erased = await refused(a, { duplicateId: b });
      expect(erased.status).toBe(410);
      expect(paths(erased.body)).toEqual(['duplicateId']);
      const [c, d] = [await register(), await register({}, false)];
      expect((await merge(c, { duplicateId: d })).status).toBe(200);
      const again = await refused(a, { duplicateId: d });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ code: 'subject-merged', mergedInto: c });
      const intoMerged = await refused(d, { duplicateId: a });
      expect(intoMerged.body).toMatchObject({ code: 'subject-merged', mergedInto: c });
      const unknown = await refused(a, { duplicateId: '0190a0a0-0000-7000-8000-000000000000' });
      expect(unknown.status).toBe(404);
      expect(paths(unknown.body)).toEqual(['duplicateId']);
    });

    it('a file under a legal hold', async () => {
      const [a, b] = [await register(), await register({}, false)];
      const hold = await call('POST', '/v1/legal-holds', compliance, { subjectId: b, categories: ['health'], basis: '医疗机构病历管理规定 第29条', until: chinaDate(365) });
      expect(hold.status).toBe(201);
      const response = await refused(a, { duplicateId: b });
      expect(response.status).toBe(409);
      expect(response.body.code).toBe('merge-under-legal-hold');
      expect(paths(response.body)).toEqual(['duplicateId']);
    });

    it('a pending erasure request of either file', async () => {
      const [a, b] = [await register(), await register({}, false)];
      const filed = await call('POST', '/v1/rights-requests', await tokens(api).subject(a), { subjectId: a, type: 'erasure', channel: 'app', requester: { kind: 'subject' } });
      expect(filed.status).toBe(201);
      const response = await refused(a, { duplicateId: b });
      expect(response.status).toBe(409);
      expect(response.body).toMatchObject({ code: 'merge-pending-erasure', requestIds: [filed.body.requestId] });
    });

    it('a stale If-Match, and a role that may not change customer files', async () => {
      const [a, b] = [await register(), await register({}, false)];
      const head = await api.logHead();
      const stale = await merge(a, { duplicateId: b }, as.staff, { 'if-match': '"1"' });
      expect(stale.status).toBe(412);
      const auditor = await merge(a, { duplicateId: b }, await tokens(api).auditor());
      expect(auditor.status).toBe(403);
      expect(await api.logHead()).toBe(head);
    });
  });
});
