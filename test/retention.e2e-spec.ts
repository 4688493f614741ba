import { createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import canonicalize from 'canonicalize';
import { isCategory } from '../libs/ledger-domain/src/registry/categories';
import { PII_VAULT } from '../libs/pii-vault/src/pii-vault.module';
import { PiiVault } from '../libs/pii-vault/src/pii-vault';
import { RetentionScheduler } from '../apps/ledger-api/src/rights/retention/retention.scheduler';
import type { ErasureCertificate } from '../apps/ledger-api/src/rights/erasure/erasure-certificate';
import { customerRecordsHarness } from './support/customer-records';
import { registration } from './support/realistic-subject';
import { eraseOnRequest } from './support/erasure-request';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate, DAY_MS } from './support/test-clock';
import { tokens } from './support/test-tokens';

const HM = 'health-management';
const SEVEN_YEARS = 2555;
const BASIC = ['contact', 'employment', 'health', 'health_records', 'identity', 'identity_document', 'service_interactions'];
const RECORD_TABLES = ['checkup_visits', 'service_records', 'follow_up_tasks', 'complaints', 'orders'];

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;

/**
 * Retention per category (issue #14 item 8, PIPL Arts. 19 and 47) over HTTP on the pinned clock:
 * the relationship ends, basic data and the records that follow it (check-ups, services,
 * follow-ups) are erased at the next sweep while transaction records (consumption) stay 7 years,
 * then the subject is erased as a whole; legal holds keep a category past its retention; an admin
 * closes a customer's file on the centre's initiative. Sweeps run at later times through
 * RetentionScheduler.runOnce (no route runs one); the vault is asked directly about keys (no route shows them).
 */
describe('retention per category and closing a customer’s file', () => {
  let api: TestApi;
  let h: Harness;
  let admin: string;
  let compliance: string;
  let auditor: string;
  let vault: PiiVault;
  let sweeper: RetentionScheduler;
  const tag = randomBytes(4).toString('hex');
  let sequence = 0;

  beforeAll(async () => {
    api = await startTestApi();
    h = await customerRecordsHarness(api);
    const t = tokens(api);
    [admin, compliance, auditor] = await Promise.all([t.admin(), t.compliance(), t.auditor()]);
    vault = api.app.get(PII_VAULT);
    sweeper = api.app.get(RetentionScheduler);
  });
  afterAll(() => api.close());

  const at = (days: number) => new Date(api.clock().getTime() + days * DAY_MS);
  const ok = async (response: ReturnType<Harness['call']>, status = 200) => {
    const { status: got, body } = await response;
    if (got !== status) throw new Error(`expected ${status}, got ${got} ${JSON.stringify(body)}`);
    return body;
  };
  /** The sweep picks its candidates from the read models: they must include every write first. */
  const sweep = async (days: number) => {
    await ok(h.read('/v1/stats/subjects', admin, undefined));
    return sweeper.runOnce(at(days));
  };

  /** A customer with data in every kind of place: its file (with a purchase), a check-up, a service record and a follow-up. */
  const customer = async () => {
    const n = ++sequence;
    const secrets = {
      name: `留存${tag}${n}`,
      purchase: `年度体检套餐${tag}${n}`,
      conclusion: `血糖偏高${tag}${n}`,
      service: `饮食指导${tag}${n}`,
      note: `提醒复查${tag}${n}`,
      orderItem: `胃镜检查${tag}${n}`,
      complaint: `候诊太久${tag}${n}`,
    };
    const subjectId = await h.register({
      consents: [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }],
      data: {
        ...(registration().data as object),
        identity: { name: secrets.name, gender: 'female', birthDate: '1980-05-01' },
        contact: { phone: `+86139${tag.slice(0, 4).replace(/\D/g, '1')}${String(n).padStart(4, '0')}` },
      },
    });
    const write = (path: string, token: string, body: unknown) => ok(h.call('POST', `/v1/subjects/${subjectId}/${path}`, token, body), 201);
    await write('data/consumption/purchases/items', h.as.staff, { item: { date: chinaDate(-10), item: secrets.purchase, amount: 1280 }, purposeId: HM });
    await write('checkups', h.as.health_manager, {
      visitDate: chinaDate(-5),
      package: '基础套餐',
      institution: '体检中心',
      results: [{ code: 'GLU', name: '空腹血糖', value: 7.4, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } }],
      conclusions: [secrets.conclusion],
      purposeId: HM,
    });
    await write('service-records', h.as.customer_service, {
      serviceDate: chinaDate(-1),
      serviceType: 'nutrition_guidance',
      content: secrets.service,
      outcome: '已执行',
      purposeId: HM,
    });
    await write('follow-ups', h.as.health_manager, { dueDate: chinaDate(3), channel: 'phone', note: secrets.note, purposeId: HM });
    await write('orders', h.as.front_desk, {
      orderDate: chinaDate(-10),
      items: [{ kind: 'service', code: 'GASTRO', name: secrets.orderItem, quantity: 1, unitPriceFen: 98_000 }],
      purposeId: HM,
    });
    await write('complaints', h.as.customer_service, { channel: 'phone', category: 'waiting_time', severity: 'low', description: secrets.complaint, purposeId: HM });
    return { subjectId, secrets };
  };

  const recordRows = async (subjectId: string) => {
    const counts: Record<string, number> = {};
    for (const table of RECORD_TABLES) counts[table] = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE subject_id = $1`, [subjectId])).rows[0].n;
    return counts;
  };
  const liveCategories = async (subjectId: string) =>
    (await api.database.pool.query(`SELECT category FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NOT NULL ORDER BY category`, [subjectId])).rows
      .map((row) => row.category as string)
      .filter(isCategory); // the pseudo-categories (restriction reasons, a guardian) go when the subject ends
  const certificate = async (requestId: string): Promise<ErasureCertificate> => ok(h.call('GET', `/v1/erasure-certificates/${requestId}`, compliance));
  const endRelationship = (subjectId: string, token = admin, body: unknown = { reason: 'relationship-ended' }) =>
    h.call('POST', `/v1/subjects/${subjectId}/relationship-end`, token, body);
  const history = (subjectId: string, reveal: string) =>
    h.call('GET', `/v1/subjects/${subjectId}/history?reveal=${reveal}`, compliance, undefined, {
      'x-processing-purpose': 'pipl:compliance-audit',
      'x-reveal-reason': 'internal-audit',
      'x-ledger-min-position': '0',
    });
  const valuesOf = (entries: Array<{ category: string | null; value: unknown }>, category: string) => entries.filter((e) => e.category === category).map((e) => e.value);

  /**
   * The full database scan: every base table as text (owner connection) for the secrets in clear, and
   * every table but the log, the certificates and the vault's own for a value sealed under one of
   * `keyIds` (the read models purged).
   */
  const scan = async (secrets: string[], keyIds: string[]) => {
    const owner = await api.database.ownerClient();
    const tables = (await owner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows.map(
      (r) => r.table_name as string,
    );
    // read models live in tables of their generation (`<name>__g<n>`)
    expect(tables.map((table) => table.replace(/__g\d+$/, ''))).toEqual(expect.arrayContaining(['ledger_events', 'subject_profile', ...RECORD_TABLES]));
    const found: string[] = [];
    for (const table of tables) {
      const { rows } = await owner.query(`SELECT t::text AS row FROM ${owner.escapeIdentifier(table)} t`);
      for (const { row } of rows as Array<{ row: string }>) {
        for (const secret of secrets) if (row.includes(secret)) found.push(`${table}: a secret in clear`);
        // the log keeps the sealed events, the vault the tombstones and certificates the ids of the keys destroyed: by design
        if (!['ledger_events', 'erasure_certificates'].includes(table) && !table.startsWith('vault_'))
          for (const keyId of keyIds) if (row.includes(keyId)) found.push(`${table}: sealed under ${keyId}`);
      }
    }
    return found;
  };
  const keysOf = async (subjectId: string, categories: string[]) =>
    (await api.database.pool.query(`SELECT key_id::text AS id FROM vault_data_keys WHERE subject_id = $1 AND category = ANY($2)`, [subjectId, categories])).rows.map(
      (row) => row.id as string,
    );

  describe('the registry says how long each category stays after processing ends', () => {
    it('consumption (transaction records) 2555 days, everything else 0; an admin changes it, others 403, bad values 400 naming the field', async () => {
      const listed = await ok(h.call('GET', '/v1/categories', auditor));
      expect(Object.fromEntries(listed.map((c: { name: string; retentionAfterEndDays: number }) => [c.name, c.retentionAfterEndDays]))).toMatchObject({
        consumption: SEVEN_YEARS,
        identity: 0,
        health_records: 0,
        service_interactions: 0,
      });
      const patch = (body: unknown, token = admin) => h.call('PATCH', '/v1/categories/employment', token, body);
      expect((await patch({ retentionAfterEndDays: 30 }, compliance)).status).toBe(403);
      for (const bad of [-1, 1.5, '30', 10_951]) {
        const refused = await patch({ retentionAfterEndDays: bad });
        expect([refused.status, [...new Set(refused.body.errors?.map((e: { path: string }) => e.path))]]).toEqual([400, ['retentionAfterEndDays']]);
      }
      expect(await ok(patch({ retentionAfterEndDays: 30 }))).toMatchObject({ name: 'employment', sensitive: false, retentionAfterEndDays: 30 });
      expect(await ok(patch({ retentionAfterEndDays: 0 }))).toMatchObject({ retentionAfterEndDays: 0 });
    });
  });

  describe('after the relationship ends, basic data goes at the next sweep and consumption 7 years later', () => {
    let li: Awaited<ReturnType<typeof customer>>;
    let other: Awaited<ReturnType<typeof customer>>;
    let partialRequest: string;

    beforeAll(async () => {
      li = await customer();
      other = await customer();
    });

    it('is recorded by an admin only, with a reason; processing then stops but for storage; a second end changes nothing', async () => {
      expect((await endRelationship(li.subjectId, h.as.staff)).status).toBe(403);
      expect((await endRelationship(li.subjectId, compliance)).status).toBe(403);
      const bad = await endRelationship(li.subjectId, admin, { reason: 'moved away' });
      expect([bad.status, bad.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['reason']]);
      expect((await endRelationship(randomUUID())).status).toBe(404);

      const before = api.clock().getTime();
      const ended = await ok(endRelationship(li.subjectId));
      const endedAt = Date.parse(ended.relationshipEnded.endedAt);
      expect(endedAt).toBeGreaterThanOrEqual(before);
      expect(ended).toMatchObject({
        subjectId: li.subjectId,
        relationshipEnded: { reason: 'relationship-ended' },
        kept: [{ category: 'consumption', until: new Date(endedAt + SEVEN_YEARS * DAY_MS).toISOString() }],
      });
      const read = await h.read(`/v1/subjects/${li.subjectId}`, h.as.staff);
      expect([read.status, read.body.code]).toEqual([403, 'processing-restricted']);
      const again = await ok(endRelationship(li.subjectId, admin, { reason: 'purpose-fulfilled' }));
      expect(again.relationshipEnded).toEqual(ended.relationshipEnded);
      expect(await recordRows(li.subjectId)).toEqual({ checkup_visits: 1, service_records: 1, follow_up_tasks: 1, complaints: 1, orders: 1 });
    });

    it('the sweep a day later erases the file’s basic data, check-ups, services and follow-ups and keeps consumption', async () => {
      const run = await sweep(1);
      const mine = run.erased.find((e) => e.subjectId === li.subjectId);
      expect(mine).toMatchObject({ whole: false });
      expect([...mine!.categories].sort()).toEqual(BASIC);
      expect(run.erased.map((e) => e.subjectId)).not.toContain(other.subjectId);
      partialRequest = mine!.requestId;

      const certified = await certificate(partialRequest);
      expect(certified).toMatchObject({ initiative: 'handler', ground: 'retention-expired', retainedCategories: [], erasedAt: run.at });
      expect([...certified.erasedCategories].sort()).toEqual(BASIC);
      expect(await liveCategories(li.subjectId)).toEqual(['consumption']);
      // the order is a transaction record (consumption): it stays; the complaint went with the service interactions
      expect(await recordRows(li.subjectId)).toEqual({ checkup_visits: 0, service_records: 0, follow_up_tasks: 0, complaints: 0, orders: 1 });
      expect(await recordRows(other.subjectId)).toEqual({ checkup_visits: 1, service_records: 1, follow_up_tasks: 1, complaints: 1, orders: 1 });

      // the compliance history shows the basic data erased and the purchase still kept (for storage)
      const entries = (await ok(history(li.subjectId, 'identity,consumption'))) as Array<{ category: string | null; value: unknown }>;
      expect(new Set(valuesOf(entries, 'identity'))).toEqual(new Set(['[erased]']));
      expect(JSON.stringify(valuesOf(entries, 'consumption'))).toContain(li.secrets.purchase);

      expect((await sweep(1)).erased.map((e) => e.subjectId)).not.toContain(li.subjectId); // the same day again: nothing left due
      expect((await sweep(SEVEN_YEARS - 1)).erased.map((e) => e.subjectId)).not.toContain(li.subjectId);
    });

    it('seven years after the end the sweep erases consumption and the subject as a whole; no table holds any of it', async () => {
      const allKeys = await keysOf(li.subjectId, [...BASIC, 'consumption']);
      const run = await sweep(SEVEN_YEARS);
      expect(run.erased.find((e) => e.subjectId === li.subjectId)).toMatchObject({ categories: ['consumption'], whole: true });
      expect(await liveCategories(li.subjectId)).toEqual([]);
      expect((await recordRows(li.subjectId)).orders).toBe(0);
      expect((await h.read(`/v1/subjects/${li.subjectId}`, h.as.staff)).status).toBe(410);
      const entries = (await ok(history(li.subjectId, 'consumption'))) as Array<{ category: string | null; value: unknown }>;
      expect(new Set(valuesOf(entries, 'consumption'))).toEqual(new Set(['[erased]']));

      expect(await scan(Object.values(li.secrets), allKeys)).toEqual([]);
      // the scan would see them: the other customer's sealed records are there, under its keys
      expect(await scan([], await keysOf(other.subjectId, ['health_records']))).not.toEqual([]);
      expect((await certificate(partialRequest)).erasedCategories).not.toContain('consumption');
    });
  });

  describe('legal holds keep a category past its retention', () => {
    let wu: Awaited<ReturnType<typeof customer>>;
    const hold = (category: string, until: string) =>
      ok(h.call('POST', '/v1/legal-holds', compliance, { subjectId: wu.subjectId, categories: [category], basis: '民事诉讼 (2026) 京0101民初1号', until }), 201);

    beforeAll(async () => {
      wu = await customer();
      await hold('health_records', chinaDate(3 * 365));
      await hold('consumption', chinaDate(10 * 365));
      await ok(endRelationship(wu.subjectId));
    });

    it('a held record category stays through the basic data’s erasure, then goes once its hold ends', async () => {
      const first = (await sweep(1)).erased.find((e) => e.subjectId === wu.subjectId);
      expect(first?.categories).not.toContain('health_records');
      expect((await certificate(first!.requestId)).retainedCategories).toEqual([expect.objectContaining({ category: 'health_records', until: chinaDate(3 * 365) })]);
      expect(await liveCategories(wu.subjectId)).toEqual(['consumption', 'health_records']);
      expect((await recordRows(wu.subjectId)).checkup_visits).toBe(1);

      // the next day nothing is erased: the held category waits, reported, without an empty certificate
      const next = await sweep(2);
      expect(next.erased.map((e) => e.subjectId)).not.toContain(wu.subjectId);
      expect(next.held).toContainEqual(expect.objectContaining({ subjectId: wu.subjectId, due: ['health_records'] }));

      const ended = await sweep(3 * 365 + 2);
      expect(ended.erased.find((e) => e.subjectId === wu.subjectId)).toMatchObject({ categories: ['health_records'], whole: false });
      expect(await liveCategories(wu.subjectId)).toEqual(['consumption']);
      expect((await recordRows(wu.subjectId)).checkup_visits).toBe(0);
    });

    it('held consumption outlives its 7 years: the subject ends with it kept for storage, shredded when the hold ends', async () => {
      const run = await sweep(SEVEN_YEARS + 1);
      const erased = run.erased.find((e) => e.subjectId === wu.subjectId);
      expect(erased).toMatchObject({ categories: [], whole: true });
      expect((await certificate(erased!.requestId)).retainedCategories).toEqual([expect.objectContaining({ category: 'consumption' })]);
      expect((await h.read(`/v1/subjects/${wu.subjectId}`, h.as.staff)).status).toBe(410);
      expect(await vault.hasLiveKey(wu.subjectId, 'consumption')).toBe(true);

      const released = await sweep(10 * 365 + 2);
      expect(released.holdsEnded).toContainEqual({ subjectId: wu.subjectId, categories: ['consumption'] });
      expect(await liveCategories(wu.subjectId)).toEqual([]);
    });
  });

  describe('an admin closes a customer’s file (deleting a customer)', () => {
    const close = (subjectId: string, token = admin, reason = 'purpose-fulfilled') => h.call('POST', `/v1/subjects/${subjectId}/close`, token, { reason });

    it('non-admins are refused 403 and nothing is written; an unknown customer is 404', async () => {
      const { subjectId } = await customer();
      for (const token of [h.as.staff, h.as.health_manager, compliance, auditor]) expect((await close(subjectId, token)).status).toBe(403);
      expect(
        (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE stream_id = $1 AND type = 'RelationshipEnded'`, [`subject-${subjectId}`])).rows[0].n,
      ).toBe(0);
      expect((await close(randomUUID())).status).toBe(404);
      const bad = await close(subjectId, admin, 'bored');
      expect([bad.status, bad.body.errors?.map((e: { path: string }) => e.path)]).toEqual([400, ['reason']]);
    });

    it('erases at once, on the centre’s initiative, everything no retention keeps, with a signed certificate; consumption waits; idempotent', async () => {
      const zhao = await customer();
      const closed = await ok(close(zhao.subjectId));
      const requestId = `close-${zhao.subjectId}`;
      expect(closed).toMatchObject({
        subjectId: zhao.subjectId,
        relationshipEnded: { reason: 'purpose-fulfilled' },
        erasure: { requestId, certificate: `/v1/erasure-certificates/${requestId}`, retainedCategories: [] },
        kept: [{ category: 'consumption', until: new Date(Date.parse(closed.relationshipEnded.endedAt) + SEVEN_YEARS * DAY_MS).toISOString() }],
      });
      expect([...closed.erasure.erasedCategories].sort()).toEqual(BASIC);
      const certified = await certificate(requestId);
      expect(certified).toMatchObject({ initiative: 'handler', ground: 'purpose-fulfilled', erasedCategories: closed.erasure.erasedCategories });
      const key = await ok(h.call('GET', '/v1/audit/public-key', auditor));
      const { signature, ...signed } = certified;
      expect(verify(null, Buffer.from(canonicalize(signed)!, 'utf8'), createPublicKey(key.publicKeyPem), Buffer.from(signature, 'base64'))).toBe(true);
      expect(await liveCategories(zhao.subjectId)).toEqual(['consumption']);
      expect(await recordRows(zhao.subjectId)).toEqual({ checkup_visits: 0, service_records: 0, follow_up_tasks: 0, complaints: 0, orders: 1 });

      // the audit trail shows who closed the file, and that the erasure was the centre's own (PIPL Art. 47(1))
      const trail = await ok(h.call('GET', `/v1/audit/events?subjectId=${zhao.subjectId}`, auditor, undefined, { 'x-ledger-min-position': String(certified.treeHead.treeSize) }));
      const byType = (type: string) => trail.items.filter((item: { type: string }) => item.type === type);
      expect(byType('RelationshipEnded')).toEqual([expect.objectContaining({ actor: expect.any(String), ground: 'purpose-fulfilled', legalBasis: 'legal_obligation' })]);
      expect(byType('SubjectErased')).toEqual([
        expect.objectContaining({ actor: byType('RelationshipEnded')[0].actor, initiative: 'handler', ground: 'purpose-fulfilled', position: certified.position }),
      ]);
      expect(JSON.stringify(trail)).not.toContain(zhao.secrets.name);

      const again = await ok(close(zhao.subjectId, admin, 'relationship-ended'));
      expect(again.erasure).toEqual(closed.erasure);
      expect(await certificate(requestId)).toEqual(certified);
      // the sweep erases the kept consumption when its retention runs out
      expect((await sweep(SEVEN_YEARS)).erased.find((e) => e.subjectId === zhao.subjectId)).toMatchObject({ categories: ['consumption'], whole: true });
    });

    it('a file with nothing kept is erased whole at once; closing it again returns the same certificate', async () => {
      const { subjectId } = await customer();
      await ok(h.call('PATCH', '/v1/categories/consumption', admin, { retentionAfterEndDays: 0 }));
      try {
        const closed = await ok(close(subjectId, admin, 'relationship-ended'));
        expect(closed.kept).toEqual([]);
        expect([...closed.erasure.erasedCategories].sort()).toEqual([...BASIC, 'consumption'].sort());
        expect((await h.read(`/v1/subjects/${subjectId}`, h.as.staff)).status).toBe(410);
        expect(await liveCategories(subjectId)).toEqual([]);
        expect((await ok(close(subjectId))).erasure).toEqual(closed.erasure);
      } finally {
        await ok(h.call('PATCH', '/v1/categories/consumption', admin, { retentionAfterEndDays: SEVEN_YEARS }));
      }
    });

    it('an erasure the customer asks for is recorded on the customer’s initiative', async () => {
      const { subjectId } = await customer();
      const { certificate: certified } = await eraseOnRequest(api, subjectId);
      expect(certified).toMatchObject({ initiative: 'subject', ground: 'subject-request' });
    });
  });
});
