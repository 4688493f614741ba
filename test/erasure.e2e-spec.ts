import { createHash, createPublicKey, verify } from 'node:crypto';
import { randomUUID } from 'node:crypto';
import canonicalize from 'canonicalize';
import { Pool } from 'pg';
import { AuditVerifier } from '../libs/audit/src/audit-verifier';
import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import { PostgresEventStore } from '../libs/event-store/src/postgres/postgres-event-store';
import { PII_VAULT } from '../libs/pii-vault/src/pii-vault.module';
import { PiiVault } from '../libs/pii-vault/src/pii-vault';
import { LEDGER_PROJECTIONS } from '../libs/read-models/src/read-models.module';
import { Projection } from '../libs/read-models/src/runner/projection';
import { rebuildProjection } from '../libs/read-models/src/runner/projection-rebuild';
import { RequestContext } from '../apps/ledger-api/src/application/request-context';
import { ErasureCertificate, ErasureService } from '../apps/ledger-api/src/rights/erasure/erasure.service';
import { RetentionScheduler } from '../apps/ledger-api/src/rights/retention/retention.scheduler';
import { eraseOnRequest } from './support/erasure-request';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, dateAfter, DAY_MS, TEST_NOW } from './support/test-clock';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';

const MEDICAL_RECORDS = '医疗机构病历管理规定 第29条';
/** A hold in force for years to come on the ledger's (pinned) clock. */
const LONG_HOLD_UNTIL = chinaDate(15 * 365);
/** A hold that ends within the spec's fast-forwarded clock, years before LONG_HOLD_UNTIL. */
const SHORT_HOLD_UNTIL = chinaDate(3 * 365);

/**
 * PIPL Art. 47 end to end: erasure with crypto-shredding and a signed certificate, a full rebuild of
 * every projection that finds none of the erased PI anywhere, legal holds, and retention on a
 * fast-forwarded clock. Erasure is asked for over HTTP (a rights request, fulfilled by a compliance
 * officer); ErasureService is called directly only at a time the clock has not reached, or for what
 * no route lets a client ask (a request id reused for another subject, two erasures at once).
 */
describe('erasure (PIPL Art. 47)', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let compliance: string;
  let auditor: string;
  let admin: string;
  let erasure: ErasureService;
  let vault: PiiVault;
  let written = 0;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, compliance, auditor, admin] = await Promise.all([t.staff(), t.compliance(), t.auditor(), t.admin()]);
    // the service itself: for erasures at a later time, and what no route lets a client ask for
    erasure = api.app.get(ErasureService);
    // the vault's keys and tombstones have no route: they are what crypto-shredding is about
    vault = api.app.get(PII_VAULT);
  });
  afterAll(async () => api.close());

  const officer = (): RequestContext => ({ actor: { id: 'co-zhao', roles: ['compliance_officer'] }, correlationId: 'e2e-erasure', causationId: randomUUID() });

  const write = async (method: string, path: string, body: unknown, token = staff) => {
    const response = await call(method, path, token, body);
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    written = Math.max(written, response.body.position ?? 0);
    return response.body;
  };
  const read = (id: string, purpose = 'health-management', token = staff, query = '') =>
    call('GET', `/v1/subjects/${id}${query}`, token, undefined, { 'x-processing-purpose': purpose, 'x-ledger-min-position': String(written) });

  let sequence = 0;
  /** Another synthetic customer: a valid resident ID number (GB 11643) and a phone of its own. */
  const person = (name: string, birthDate: string, condition: string) => {
    const idNumber = residentId(birthDate, (200 + ++sequence) % 1000, '330106');
    return { name, birthDate, condition, idNumber, phone: `+861390000${String(1000 + sequence).slice(-4)}` };
  };
  /** The types of a subject's last `count` events, newest first, with their data (no PI in those read here). */
  const lastEvents = async (subjectId: string, count: number) =>
    (await api.database.pool.query(`SELECT type, data FROM ledger_events WHERE stream_id = $1 ORDER BY stream_version DESC LIMIT $2`, [`subject-${subjectId}`, count])).rows;
  const eventCount = async (subjectId: string, type: string): Promise<number> =>
    (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = $1 AND type = $2`, [`subject-${subjectId}`, type])).rows[0].n;
  const registerPerson = async (p: ReturnType<typeof person>) =>
    (
      await write(
        'POST',
        '/v1/subjects',
        registration({
          data: {
            identity: { name: p.name, gender: 'female', birthDate: p.birthDate },
            identity_document: { type: 'resident_id', number: p.idNumber },
            contact: { phone: p.phone },
            health: { conditions: [p.condition] },
          },
        }),
      )
    ).subjectId as string;

  /** Every base table of the database, as text, searched for each secret (owner connection). */
  const plaintextIn = async (secrets: string[]): Promise<string[]> => {
    const owner = await api.database.ownerClient();
    const tables = (await owner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows.map(
      (r) => r.table_name as string,
    );
    expect(tables).toEqual(expect.arrayContaining(['ledger_events', 'vault_subject_keys', 'subject_id_numbers', 'erasure_certificates']));
    const found: string[] = [];
    for (const table of tables) {
      const { rows } = await owner.query(`SELECT t::text AS row FROM ${owner.escapeIdentifier(table)} t`);
      for (const { row } of rows) for (const secret of secrets) if ((row as string).includes(secret)) found.push(`${table}: ${secret}`);
    }
    return found;
  };

  const publicKey = async () => {
    const response = await call('GET', '/v1/audit/public-key', auditor);
    expect(response.status).toBe(200);
    return response.body as { keyId: string; publicKeyPem: string };
  };
  /** What any holder of the audit public key can check, with node:crypto and RFC 8785 alone. */
  const signedByLedger = (certificate: ErasureCertificate, key: { keyId: string; publicKeyPem: string }) => {
    const { signature, ...rest } = certificate;
    return certificate.keyId === key.keyId && verify(null, Buffer.from(canonicalize(rest)!, 'utf8'), createPublicKey(key.publicKeyPem), Buffer.from(signature, 'base64'));
  };

  const zhangSecrets = [ZHANG.name, ZHANG.phone, ZHANG.phone.slice(3), ZHANG.idNumber, ZHANG.condition, '青霉素', 'zhang.wei@example.cn', '北京某某科技有限公司'];
  const li = person('李秀英', '1975-03-12', '慢性阻塞性肺疾病');
  let zhangId: string;
  let liId: string;
  let zhangRequest: string;
  let certificate: ErasureCertificate;

  describe('a subject erased on request', () => {
    beforeAll(async () => {
      zhangId = (await write('POST', '/v1/subjects', registration())).subjectId;
      await write('PATCH', `/v1/subjects/${zhangId}/data/health`, { set: { conditions: [ZHANG.condition, '高血压'] }, reason: 'update', purposeId: 'health-management' });
      await write('POST', `/v1/subjects/${zhangId}/consents`, { purposeId: 'research', categories: ['health'], separate: true, noticeVersion: 'v1', channel: 'app' });
      await write('POST', `/v1/subjects/${zhangId}/restrictions`, { purposeIds: ['research'], reason: `${ZHANG.name} 要求暂停研究使用` });
      liId = await registerPerson(li);
      expect((await read(zhangId, 'health-management', staff, '?reveal=contact')).body.data.contact.phone).toBe(ZHANG.phone);
      ({ requestId: zhangRequest, certificate } = await eraseOnRequest(api, zhangId));
    });

    it('destroys the data keys, purges the read model and answers 410 from then on', async () => {
      expect(certificate).toMatchObject({ requestId: zhangRequest, retainedCategories: [], erasedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });
      // erased at the ledger's time, not the host's
      expect(Date.parse(certificate.erasedAt)).toBeGreaterThanOrEqual(Date.parse(TEST_NOW));
      expect(Date.parse(certificate.erasedAt)).toBeLessThanOrEqual(api.clock().getTime());
      expect([...certificate.erasedCategories].sort()).toEqual(['contact', 'employment', 'health', 'identity', 'identity_document']);
      const tombstones = await vault.tombstones(zhangId);
      expect(tombstones.map((t) => t.category).sort()).toEqual(['contact', 'employment', 'free_text', 'health', 'identity', 'identity_document']);
      expect(certificate.keysDestroyed).toEqual(tombstones.map((t) => t.keyId).sort());
      expect(tombstones.every((t) => t.requestId === zhangRequest && t.actor === 'co-zhao')).toBe(true);

      const staffRead = await read(zhangId);
      expect(staffRead.status).toBe(410);
      expect(staffRead.body.code).toBe('subject-erased');
      expect((await call('GET', `/v1/subjects/${zhangId}`, await tokens(api).subject(zhangId))).status).toBe(410);
      const change = await call('PATCH', `/v1/subjects/${zhangId}/data/contact`, staff, { set: { email: 'new@example.cn' }, reason: 'update', purposeId: 'health-management' });
      expect(change.status).toBe(410);
      const search = await call('GET', `/v1/subjects?phone=${encodeURIComponent(ZHANG.phone)}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      expect(search.status).toBe(200);
      expect(search.body.items).toEqual([]);
      const profile = await api.database.pool.query(`SELECT status, data, phone_bidx, id_number_bidx, name_prefix_bidx FROM subject_profile WHERE subject_id = $1`, [zhangId]);
      expect(profile.rows).toEqual([{ status: 'erased', data: {}, phone_bidx: null, id_number_bidx: null, name_prefix_bidx: null }]);
      expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM subject_id_numbers WHERE subject_id = $1`, [zhangId])).rows[0].n).toBe(0);
    });

    it('keeps the history, with every erased value reading "[erased]"', async () => {
      // under a processing purpose an erased subject is gone (410, as its profile); a compliance audit keeps the record of what happened
      const underPurpose = await call('GET', `/v1/subjects/${zhangId}/history`, compliance, undefined, { 'x-processing-purpose': 'health-management' });
      expect([underPurpose.status, underPurpose.body.code]).toEqual([410, 'subject-erased']);
      const history = await call('GET', `/v1/subjects/${zhangId}/history?reveal=identity,contact,identity_document,health`, compliance, undefined, {
        'x-processing-purpose': 'pipl:compliance-audit',
        'x-reveal-reason': 'internal-audit',
      });
      expect(history.status).toBe(200);
      const values = (history.body as Array<{ category: string | null; value: unknown; previousValue?: unknown }>).filter((entry) => entry.category !== null);
      expect(values.length).toBeGreaterThan(5);
      for (const entry of values) {
        expect(entry.value).toBe('[erased]');
        if (entry.previousValue !== undefined && entry.previousValue !== null) expect(entry.previousValue).toBe('[erased]');
      }
      expect(JSON.stringify(history.body)).not.toContain(ZHANG.name);
    });

    it('certifies the erasure: signed with the audit key, over a signed tree head that includes the SubjectErased event', async () => {
      expect(certificate.subjectPseudonym).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.stringify(certificate)).not.toContain(zhangId);
      expect(signedByLedger(certificate, await publicKey())).toBe(true);
      expect(signedByLedger({ ...certificate, erasedCategories: ['identity'] }, await publicKey())).toBe(false);

      const head = await call('GET', `/v1/audit/tree-heads/${certificate.treeHead.treeSize}`, auditor);
      expect([head.status, head.body.rootHash]).toEqual([200, certificate.treeHead.rootHash]);
      const events = await call('GET', `/v1/audit/events?subjectId=${zhangId}&type=SubjectErased`, auditor, undefined, { 'x-ledger-min-position': String(certificate.position) });
      const erased = (events.body.items as Array<{ eventId: string; position: number; commitment: string }>).find((item) => item.position === certificate.position);
      expect(erased).toBeDefined();
      const proof = await call('GET', `/v1/audit/proofs/inclusion?eventId=${erased!.eventId}&treeSize=${certificate.treeHead.treeSize}`, auditor);
      expect(proof.status).toBe(200);
      expect(included(erased!.commitment, proof.body, certificate.treeHead.rootHash)).toBe(true);
    });

    it('is idempotent: the same request returns the same certificate, also over HTTP', async () => {
      const fulfilledAgain = await call('POST', `/v1/rights-requests/${zhangRequest}/fulfil`, compliance);
      expect(fulfilledAgain.status).toBe(200);
      expect(fulfilledAgain.body.result).toMatchObject({ certificate: `/v1/rights-requests/${zhangRequest}/certificate`, erasedCategories: certificate.erasedCategories });
      expect((await call('GET', `/v1/rights-requests/${zhangRequest}/certificate`, compliance)).body).toEqual(certificate);
      const fetched = await call('GET', `/v1/erasure-certificates/${zhangRequest}`, auditor);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toEqual(certificate);
      expect((await call('GET', '/v1/erasure-certificates/rr-nope', auditor)).status).toBe(404);
      expect((await call('GET', `/v1/erasure-certificates/${zhangRequest}`, staff)).status).toBe(403);
      // the service, asked directly (no route lets a request id name another subject), refuses to reuse one
      await expect(erasure.erase(liId, zhangRequest, undefined, officer())).rejects.toMatchObject({ code: 'erasure-request-conflict' });
      expect(await erasure.erase(zhangId, zhangRequest, undefined, officer())).toEqual(certificate);
      // another request for an erased subject certifies the same erasure
      const { requestId, certificate: again } = await eraseOnRequest(api, zhangId);
      expect(again).toMatchObject({ requestId, position: certificate.position, erasedAt: certificate.erasedAt, keysDestroyed: certificate.keysDestroyed });
    });

    it('concurrent calls for one request append one erasure and return one certificate', async () => {
      const zhou = person('周杰', '1979-11-11', '痛风');
      const zhouId = await registerPerson(zhou);
      // the service's own guard, called twice at once (the fulfil route does not overlap two calls for a request)
      const [a, b] = await Promise.all([erasure.erase(zhouId, 'rr-zhou-1', undefined, officer()), erasure.erase(zhouId, 'rr-zhou-1', undefined, officer())]);
      expect(a).toEqual(b);
      expect(await eventCount(zhouId, 'SubjectErased')).toBe(1);
    });

    it('refuses an unknown subject, writing nothing', async () => {
      // the service itself refuses, not only the filing route (which looks the subject up first)
      await expect(erasure.erase(randomUUID(), 'rr-ghost', undefined, officer())).rejects.toMatchObject({ code: 'subject-not-found' });
      expect((await call('GET', '/v1/erasure-certificates/rr-ghost', compliance)).status).toBe(404);
    });

    it('erases only the named categories of a subject that stays live', async () => {
      const wu = person('吴磊', '1988-08-08', '过敏性鼻炎');
      const wuId = await registerPerson(wu);
      const { requestId: wuRequest, certificate: partial } = await eraseOnRequest(api, wuId, ['health']);
      expect(partial).toMatchObject({ erasedCategories: ['health'], retainedCategories: [] });
      expect((await vault.tombstones(wuId)).map((t) => t.category)).toEqual(['health']);
      expect(signedByLedger(partial, await publicKey())).toBe(true);
      const still = await read(wuId, 'health-management', staff, '?reveal=contact');
      expect(still.status).toBe(200);
      expect(still.body.data).toMatchObject({ identity: { name: wu.name }, contact: { phone: wu.phone } });
      expect(still.body.data.health).toBeUndefined();
      expect(await plaintextIn([wu.condition])).toEqual([]);
      const again = await call('PATCH', `/v1/subjects/${wuId}/data/health`, staff, { set: { conditions: ['x'] }, reason: 'update', purposeId: 'health-management' });
      expect([again.status, again.body.code]).toEqual([410, 'data-erased']);
      expect((await call('PATCH', `/v1/subjects/${wuId}/data/contact`, staff, { set: { email: 'wu@example.cn' }, reason: 'update', purposeId: 'health-management' })).status).toBe(
        200,
      );
      const fulfilledAgain = await call('POST', `/v1/rights-requests/${wuRequest}/fulfil`, compliance);
      expect([fulfilledAgain.status, fulfilledAgain.body.result.erasedCategories]).toEqual([200, ['health']]);
      expect((await call('GET', `/v1/erasure-certificates/${wuRequest}`, compliance)).body).toEqual(partial);
      // the ID number still belongs to this live subject
      const duplicate = await call(
        'POST',
        '/v1/subjects',
        staff,
        registration({ data: { identity: { name: 'x', birthDate: wu.birthDate }, identity_document: { type: 'resident_id', number: wu.idNumber } } }),
      );
      expect([duplicate.status, duplicate.body.code]).toEqual([409, 'duplicate-subject']);
    });

    it('after a rebuild of every projection, no table holds the erased PI, the other subject is intact and the audit trail verifies', async () => {
      const ownerPool = new Pool({ connectionString: api.database.url, max: 2 });
      try {
        // no route rebuilds projections (`ledger projections rebuild` does): the API's own ones, rebuilt as the CLI would
        const store = api.app.get<PostgresEventStore>(EVENT_STORE);
        for (const projection of api.app.get<Projection[]>(LEDGER_PROJECTIONS)) await rebuildProjection({ ownerPool, store, projection });
      } finally {
        await ownerPool.end();
      }
      expect(await plaintextIn(zhangSecrets)).toEqual([]);

      const other = await read(liId, 'health-management', staff, '?reveal=contact,identity_document');
      expect(other.status).toBe(200);
      expect(other.body.data).toMatchObject({
        identity: { name: li.name },
        contact: { phone: li.phone },
        identity_document: { number: li.idNumber },
        health: { conditions: [li.condition] },
      });
      // nor is the other subject's: the rebuilt profile keeps its values sealed, and reads open them (above)
      expect(await plaintextIn([li.name, li.condition])).toEqual([]);

      const verification = await api.app.get(AuditVerifier).verify({ allowPending: true }); // no route verifies the whole trail: `ledger audit verify` does
      expect(verification.failure).toBeUndefined();
      expect(verification.ok).toBe(true);
      expect(verification.leaves).toBeGreaterThanOrEqual(certificate.treeHead.treeSize);
    });
  });

  describe('legal holds', () => {
    const wang = person('王芳', '1968-09-30', '乳腺癌术后');
    let wangId: string;
    let holdId: string;

    beforeAll(async () => {
      wangId = await registerPerson(wang);
    });

    it('are placed by compliance officers and admins, validated, and listed per subject', async () => {
      const until = LONG_HOLD_UNTIL;
      const placed = await call('POST', '/v1/legal-holds', compliance, { subjectId: wangId, categories: ['health'], basis: MEDICAL_RECORDS, until });
      expect(placed.status).toBe(201);
      expect(placed.body).toMatchObject({
        holdId: expect.any(String),
        subjectId: wangId,
        categories: ['health'],
        basis: MEDICAL_RECORDS,
        until,
        status: 'active',
        position: expect.any(Number),
      });
      holdId = placed.body.holdId;

      expect((await call('POST', '/v1/legal-holds', staff, { subjectId: wangId, categories: ['health'], basis: MEDICAL_RECORDS, until })).status).toBe(403);
      expect((await call('POST', '/v1/legal-holds', compliance, { subjectId: wangId, categories: ['health'], basis: MEDICAL_RECORDS, until, note: 'x' })).status).toBe(400);
      expect((await call('POST', '/v1/legal-holds', compliance, { categories: ['dna'], basis: MEDICAL_RECORDS, until })).status).toBe(400);
      const past = await call('POST', '/v1/legal-holds', compliance, { subjectId: wangId, categories: ['health'], basis: MEDICAL_RECORDS, until: '2020-01-01' });
      expect([past.status, past.body.code]).toEqual([422, 'legal-hold-expired']);
      expect((await call('POST', '/v1/legal-holds', compliance, { subjectId: randomUUID(), categories: ['health'], basis: MEDICAL_RECORDS, until })).status).toBe(404);

      // a hold on everyone, released again: released holds keep nothing
      const everyone = await call('POST', '/v1/legal-holds', compliance, { categories: ['identity'], basis: '诉讼保全 (2026) 京0101民初1号', until });
      expect(everyone.status).toBe(201);
      expect(everyone.body).not.toHaveProperty('subjectId');
      const released = await call('DELETE', `/v1/legal-holds/${everyone.body.holdId}`, compliance);
      expect(released.body).toMatchObject({ holdId: everyone.body.holdId, status: 'released' });

      const listed = await call('GET', `/v1/legal-holds?subjectId=${wangId}`, auditor);
      expect(listed.status).toBe(200);
      expect(listed.body.items.map((h: { holdId: string; status: string }) => [h.holdId, h.status])).toEqual([
        [everyone.body.holdId, 'released'],
        [holdId, 'active'],
      ]);
      expect((await call('GET', `/v1/legal-holds?subjectId=${liId}`, auditor)).body.items.map((h: { holdId: string }) => h.holdId)).toEqual([everyone.body.holdId]);
    });

    it('keep the held category through an erasure, restricted to storage, and the certificate says so', async () => {
      const { certificate: certified } = await eraseOnRequest(api, wangId);
      expect(certified.retainedCategories).toEqual([{ category: 'health', basis: MEDICAL_RECORDS, until: LONG_HOLD_UNTIL }]);
      expect([...certified.erasedCategories].sort()).toEqual(['contact', 'identity', 'identity_document']);
      expect(signedByLedger(certified, await publicKey())).toBe(true);

      expect(await vault.hasLiveKey(wangId, 'health')).toBe(true);
      expect(await vault.hasLiveKey(wangId, 'identity')).toBe(false);
      expect((await vault.tombstones(wangId)).map((t) => t.category).sort()).toEqual(['contact', 'free_text', 'identity', 'identity_document']);
      const stream = await lastEvents(wangId, 2);
      expect(stream.map((e) => e.type)).toEqual(['SubjectErased', 'ProcessingRestricted']);
      expect(stream[1].data).toMatchObject({ purposeIds: null });

      // refused for any processing; nothing of it left in a read model
      expect((await read(wangId)).status).toBe(410);
      const write = await call('PATCH', `/v1/subjects/${wangId}/data/health`, staff, { set: { conditions: ['x'] }, reason: 'update', purposeId: 'health-management' });
      expect([write.status, write.body.code]).toEqual([410, 'subject-erased']);
      expect(await plaintextIn([wang.name, wang.idNumber, wang.phone, wang.condition])).toEqual([]);
    });

    it('count only while in force: an erasure after the hold has ended keeps nothing', async () => {
      const zhao = person('赵敏', '1990-07-07', '哮喘');
      const zhaoId = await registerPerson(zhao);
      const placed = await call('POST', '/v1/legal-holds', compliance, { subjectId: zhaoId, categories: ['health'], basis: MEDICAL_RECORDS, until: SHORT_HOLD_UNTIL });
      expect(placed.status).toBe(201);
      const later = new Date(`${dateAfter(SHORT_HOLD_UNTIL, 1)}T00:00:00.000Z`);
      // at a time the ledger's clock has not reached: the service, told the time
      const certified = await erasure.eraseAt(zhaoId, 'rr-zhao-1', undefined, officer(), later);
      expect(certified).toMatchObject({ retainedCategories: [], erasedAt: later.toISOString() });
      expect(await vault.hasLiveKey(zhaoId, 'health')).toBe(false);
      expect((await call('GET', `/v1/legal-holds?subjectId=${zhaoId}`, compliance)).body.items[0]).toMatchObject({ holdId: placed.body.holdId, status: 'active' });
    });

    it('once a hold has ended, the retention sweep erases what it kept', async () => {
      const qian = person('钱芳', '1982-04-04', '甲状腺结节');
      const qianId = await registerPerson(qian);
      expect((await call('POST', '/v1/legal-holds', compliance, { subjectId: qianId, categories: ['health'], basis: MEDICAL_RECORDS, until: SHORT_HOLD_UNTIL })).status).toBe(201);
      expect((await eraseOnRequest(api, qianId)).certificate.retainedCategories.map((r) => r.category)).toEqual(['health']);
      // sweeps at times the ledger's clock has not reached: no route runs one
      const scheduler = api.app.get(RetentionScheduler);

      expect((await scheduler.runOnce(new Date(`${dateAfter(SHORT_HOLD_UNTIL, -1)}T12:00:00.000Z`))).holdsEnded).toEqual([]);
      expect(await vault.hasLiveKey(qianId, 'health')).toBe(true);
      const run = await scheduler.runOnce(new Date(`${dateAfter(SHORT_HOLD_UNTIL, 1)}T00:00:00.000Z`));
      expect(run.holdsEnded).toEqual([{ subjectId: qianId, categories: ['health'] }]);
      expect(await vault.hasLiveKey(qianId, 'health')).toBe(false);
      expect((await vault.tombstones(qianId)).find((t) => t.category === 'health')).toMatchObject({ reason: 'legal-hold-ended', actor: 'system:retention' });
      expect(await vault.hasLiveKey(wangId, 'health')).toBe(true); // its hold runs until LONG_HOLD_UNTIL
    });
  });

  describe('retention on a fast-forwarded clock', () => {
    const chen = { name: '陈静', phone: '+8613700001234', interest: '瑜伽课程' };
    let chenId: string;
    let sunId: string;

    beforeAll(async () => {
      // a marketing-only contact: everything it holds serves marketing (730 days)
      chenId = (
        await write('POST', '/v1/subjects', {
          purposeId: 'marketing',
          noticeVersion: 'v1',
          channel: 'app',
          consents: [{ purposeId: 'marketing', categories: ['identity', 'contact', 'preferences'], separate: false }],
          data: { identity: { name: chen.name }, contact: { phone: chen.phone }, preferences: { interests: [chen.interest] } },
        })
      ).subjectId;
      // a health-management customer whose preferences only marketing keeps
      sunId = await registerPerson(person('孙丽', '1985-02-20', '偏头痛'));
      await write('POST', `/v1/subjects/${sunId}/consents`, {
        purposeId: 'marketing',
        categories: ['contact', 'preferences'],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
      });
      await write('PATCH', `/v1/subjects/${sunId}/data/preferences`, { set: { interests: ['太极'] }, reason: 'update', purposeId: 'marketing' });
      // the sweep picks its candidates from the read models: they must include every write first
      expect((await call('GET', '/v1/stats/subjects', admin, undefined, { 'x-ledger-min-position': String(written) })).status).toBe(200);
    });

    // the ledger's clock fast-forwarded: sweeps at a later time (no route runs one)
    const fastForwarded = (days: number) => new Date(api.clock().getTime() + days * DAY_MS);

    it('erases nothing while every retention runs', async () => {
      const run = await api.app.get(RetentionScheduler).runOnce(fastForwarded(100));
      expect(run.ran).toBe(true);
      expect(run.erased).toEqual([]);
      expect((await read(chenId, 'marketing')).status).toBe(200);
    });

    it('erases a subject whose data outlived every purpose; data another live purpose needs stays', async () => {
      const now = fastForwarded(731);
      const run = await api.app.get(RetentionScheduler).runOnce(now);
      const requestId = `retention-${chenId}-${now.toISOString().slice(0, 10)}`;
      expect(run.erased).toContainEqual({ subjectId: chenId, requestId, categories: ['identity', 'contact', 'preferences'], whole: true });
      expect(run.failed).toEqual([]);
      expect(run.held).toEqual([]);
      expect(run.erased).toContainEqual({ subjectId: sunId, requestId: `retention-${sunId}-${now.toISOString().slice(0, 10)}`, categories: ['preferences'], whole: false });

      expect((await read(chenId, 'marketing')).status).toBe(410);
      const sun = await read(sunId);
      expect(sun.status).toBe(200);
      expect(sun.body.data.preferences).toBeUndefined();
      expect(sun.body.data.contact).toBeDefined();
      expect(await plaintextIn([chen.name, chen.phone, chen.interest])).toEqual([]);
      const fetched = await call('GET', `/v1/erasure-certificates/${requestId}`, compliance);
      expect(fetched.status).toBe(200);
      expect(fetched.body).toMatchObject({
        requestId,
        erasedCategories: ['identity', 'contact', 'preferences'],
        erasedAt: now.toISOString(),
        initiative: 'handler',
        ground: 'retention-expired',
      });
      expect(signedByLedger(fetched.body, await publicKey())).toBe(true);

      const again = await api.app.get(RetentionScheduler).runOnce(now);
      expect(again.erased).toEqual([]);
    });
  });
});

/** RFC 9162 §2.1.3.2, as docs/audit.md gives it for outside checkers. */
function included(commitment: string, proof: { leafIndex: number; treeSize: number; auditPath: string[] }, rootHex: string): boolean {
  const sha = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
  const node = (l: Buffer, r: Buffer) => sha(Buffer.of(1), l, r);
  if (proof.leafIndex >= proof.treeSize) return false;
  let fn = proof.leafIndex;
  let sn = proof.treeSize - 1;
  let r = sha(Buffer.of(0), Buffer.from(commitment, 'utf8'));
  for (const hex of proof.auditPath) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = node(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn = Math.floor(fn / 2);
        sn = Math.floor(sn / 2);
      }
    } else r = node(r, p);
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && r.toString('hex') === rootHex;
}
