import { spawnSync } from 'node:child_process';
import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instantAfterLog } from './support/ledger-log';
import { registration, ZHANG } from './support/realistic-subject';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';

/**
 * The audit trail as an outside verifier meets it: over HTTP, with nothing but the public key and
 * node:crypto (no pi-ledger code checks a proof here); history and point-in-time reads for
 * compliance officers; evidence packages checked by the standalone script.
 */

// ---- an outside verifier: RFC 6962 hashing, RFC 9162 §2.1.3.2 and §2.1.4.2, Ed25519 --------------
const sha256 = (...parts: Buffer[]) => createHash('sha256').update(Buffer.concat(parts)).digest();
const leafHashOf = (commitment: string) => sha256(Buffer.of(0), Buffer.from(commitment, 'utf8'));
const nodeHash = (left: Buffer, right: Buffer) => sha256(Buffer.of(1), left, right);
const half = (n: number) => Math.floor(n / 2);

interface Head {
  treeSize: number;
  rootHash: string;
  timestamp: string;
  signature: string;
  keyId: string;
}

function headIsSigned(head: Head, publicKeyPem: string): boolean {
  const message = `pi-ledger/tree-head/v1\n${head.treeSize}\n${head.rootHash}\n${head.timestamp}`;
  return verify(null, Buffer.from(message, 'utf8'), createPublicKey(publicKeyPem), Buffer.from(head.signature, 'base64'));
}

function included(leaf: Buffer, leafIndex: number, treeSize: number, auditPath: string[], rootHex: string): boolean {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const hex of auditPath) {
    const p = Buffer.from(hex, 'hex');
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else r = nodeHash(r, p);
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && r.toString('hex') === rootHex;
}

function consistent(m: number, n: number, oldRootHex: string, newRootHex: string, proofHex: string[]): boolean {
  const [oldRoot, newRoot] = [Buffer.from(oldRootHex, 'hex'), Buffer.from(newRootHex, 'hex')];
  let proof = proofHex.map((hex) => Buffer.from(hex, 'hex'));
  if (m === n) return proof.length === 0 && oldRoot.equals(newRoot);
  if (m === 0 || proof.length === 0 || m > n) return false;
  if ((m & (m - 1)) === 0) proof = [oldRoot, ...proof];
  let fn = m - 1;
  let sn = n - 1;
  while (fn % 2 === 1) [fn, sn] = [half(fn), half(sn)];
  let [fr, sr] = [proof[0], proof[0]];
  for (const c of proof.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      [fr, sr] = [nodeHash(c, fr), nodeHash(c, sr)];
      while (fn % 2 === 0 && fn !== 0) [fn, sn] = [half(fn), half(sn)];
    } else sr = nodeHash(sr, c);
    [fn, sn] = [half(fn), half(sn)];
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}
// -----------------------------------------------------------------------------------------------------

describe('audit trail, history and evidence over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let admin: string;
  let compliance: string;
  let ops: string;
  let auditor: string;
  let publicKeyPem: string;
  let subjectId: string;
  let otherId: string;
  /** The highest position any write of this file returned. */
  let written = 0;
  let dir: string;
  /** A compliance audit's own purpose and legal basis (values masked unless revealed with a reason). */
  const PURPOSE = { 'x-processing-purpose': 'pipl:compliance-audit' };
  const REVEALING = { ...PURPOSE, 'x-reveal-reason': 'internal-audit' };
  const NEW_EMAIL = 'zhang.wei@newmail.cn';

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, admin, compliance, ops, auditor] = await Promise.all([t.staff(), t.admin(), t.compliance(), t.ops(), t.auditor()]);
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-evidence-'));
    await write(admin, 'POST', '/v1/purposes', {
      id: 'compliance-audit',
      name: '合规审计',
      description: 'Compliance audits under PIPL Art. 54',
      legalBasis: 'legal_obligation',
      categories: ['identity', 'identity_document', 'contact', 'employment', 'health'],
      necessaryForService: false,
    });
    subjectId = (await write(staff, 'POST', '/v1/subjects', registration())).subjectId;
    otherId = (await write(staff, 'POST', '/v1/subjects', { ...registration(), data: { identity: { name: '李四', birthDate: '1990-01-01' } }, consents: [] })).subjectId;
    publicKeyPem = (await call('GET', '/v1/audit/public-key', auditor)).body.publicKeyPem;
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await api.close();
  });

  async function write(token: string, method: string, path: string, body?: unknown) {
    const response = await call(method, path, token, body);
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    written = Math.max(written, response.body?.position ?? 0);
    return response.body;
  }
  /** Signs a head that covers every write so far (the route waits for the tree to take them in). */
  const signHead = (token = compliance) => call('POST', '/v1/audit/tree-heads', token, undefined, { 'x-ledger-min-position': String(written) });
  /** Reads as an auditor once the audit trail includes every event so far, the access records of reads included. */
  const audited = async (path: string, token = auditor) => call('GET', path, token, undefined, { 'x-ledger-min-position': String(await api.logHead()) });

  /** Every event of the subject in the audit log, once the audit projection has them all. */
  async function subjectEventsInTree(
    id: string,
  ): Promise<Array<{ eventId: string; type: string; streamId: string; leafIndex: number | null; commitment: string; recordedAt: string }>> {
    const listed = await audited(`/v1/audit/events?subjectId=${id}&limit=1000`);
    expect(listed.status).toBe(200);
    return listed.body.items;
  }

  describe('signed tree heads and proofs, checked from outside', () => {
    it('signs a head on demand for compliance officers and ops: 201 when the tree grew, 200 with the same head when not', async () => {
      const first = await signHead(ops);
      expect(first.status).toBe(201);
      expect(first.body).toEqual({
        treeSize: expect.any(Number),
        rootHash: expect.stringMatching(/^[0-9a-f]{64}$/),
        timestamp: expect.any(String),
        signature: expect.any(String),
        keyId: expect.stringMatching(/^[0-9a-f]{16}$/),
      });
      const again = await signHead(compliance);
      expect(again.status).toBe(200);
      expect(again.body).toEqual(first.body);
      expect((await call('GET', '/v1/audit/tree-heads/latest', auditor)).body).toEqual(first.body);
      for (const token of [staff, auditor, admin]) expect((await call('POST', '/v1/audit/tree-heads', token)).status).toBe(403);
    });

    it('verifies the head’s Ed25519 signature and key id with node:crypto alone', async () => {
      const head: Head = (await call('GET', '/v1/audit/tree-heads/latest', auditor)).body;
      const key = await call('GET', '/v1/audit/public-key', auditor);
      expect(key.body.algorithm).toBe('Ed25519');
      const keyId = createHash('sha256')
        .update(createPublicKey(key.body.publicKeyPem).export({ type: 'spki', format: 'der' }))
        .digest('hex')
        .slice(0, 16);
      expect(head.keyId).toBe(keyId);
      expect(headIsSigned(head, publicKeyPem)).toBe(true);
      expect(headIsSigned({ ...head, treeSize: head.treeSize + 1 }, publicKeyPem)).toBe(false);
    });

    it('proves every event of a subject included under the signed root, from its commitment', async () => {
      const events = await subjectEventsInTree(subjectId);
      const head: Head = (await signHead()).body;
      expect(events.map((event) => event.type)).toEqual(expect.arrayContaining(['SubjectRegistered', 'ConsentGranted', 'DataCollected']));
      for (const event of events) {
        const proof = await call('GET', `/v1/audit/proofs/inclusion?eventId=${event.eventId}&treeSize=${head.treeSize}`, auditor);
        expect(proof.status).toBe(200);
        const leaf = leafHashOf(event.commitment);
        expect(proof.body).toMatchObject({ leafIndex: event.leafIndex, treeSize: head.treeSize, leafHash: leaf.toString('hex') });
        expect(included(leaf, proof.body.leafIndex, head.treeSize, proof.body.auditPath, head.rootHash)).toBe(true);
        // the verifier is not a rubber stamp: one changed byte of the commitment fails it
        const forged = event.commitment.replace('"actor":"', '"actor":"x');
        expect(included(leafHashOf(forged), proof.body.leafIndex, head.treeSize, proof.body.auditPath, head.rootHash)).toBe(false);
      }
    });

    it('proves a later head consistent with an earlier one', async () => {
      const older: Head = (await signHead()).body;
      await write(staff, 'PATCH', `/v1/subjects/${otherId}/data/identity`, { set: { gender: 'female' }, reason: 'update', purposeId: 'health-management' });
      const grown = await signHead();
      expect(grown.status).toBe(201);
      const newer: Head = grown.body;
      expect(newer.treeSize).toBeGreaterThan(older.treeSize);
      expect(headIsSigned(newer, publicKeyPem)).toBe(true);
      expect((await call('GET', `/v1/audit/tree-heads/${older.treeSize}`, auditor)).body).toEqual(older);
      const proof = await call('GET', `/v1/audit/proofs/consistency?from=${older.treeSize}&to=${newer.treeSize}`, auditor);
      expect(proof.body).toEqual({ from: older.treeSize, to: newer.treeSize, proof: expect.any(Array) });
      expect(consistent(older.treeSize, newer.treeSize, older.rootHash, newer.rootHash, proof.body.proof)).toBe(true);
      expect(consistent(older.treeSize, newer.treeSize, newer.rootHash, older.rootHash, proof.body.proof)).toBe(false);
      expect((await call('GET', '/v1/audit/tree-heads/999999', auditor)).status).toBe(404);
      expect((await call('GET', '/v1/audit/tree-heads/big', auditor)).status).toBe(400);
    });

    it('never shows PI values in the audit log', async () => {
      await subjectEventsInTree(subjectId);
      const all = await call('GET', '/v1/audit/events?limit=1000', auditor);
      expect(all.status).toBe(200);
      const text = JSON.stringify(all.body);
      for (const value of [ZHANG.name, ZHANG.idNumber, '13812345678', ZHANG.condition, 'zhang.wei', '东华门', '青霉素', '李四', NEW_EMAIL]) expect(text).not.toContain(value);
      expect(all.body.items.some((item: { subjectId?: string }) => item.subjectId === subjectId)).toBe(true);
    });

    it('serves events and proofs to auditors, and none of the audit endpoints to staff', async () => {
      const [event] = await subjectEventsInTree(subjectId);
      expect((await call('GET', `/v1/audit/events/${event.eventId}`, auditor)).status).toBe(200);
      expect((await call('GET', `/v1/audit/proofs/inclusion?eventId=${event.eventId}`, auditor)).status).toBe(200);
      for (const path of [
        '/v1/audit/events',
        `/v1/audit/events/${event.eventId}`,
        '/v1/audit/tree-heads/latest',
        `/v1/audit/proofs/inclusion?eventId=${event.eventId}`,
        '/v1/audit/public-key',
        `/v1/audit/evidence?subjectId=${subjectId}`,
      ]) {
        expect({ path, status: (await call('GET', path, staff)).status }).toEqual({ path, status: 403 });
      }
    });
  });

  describe('history and point-in-time reads', () => {
    let patchedAt: string;
    let correctionRequest: string;
    beforeAll(async () => {
      const change = { category: 'contact', purposeId: 'health-management', set: { email: NEW_EMAIL } };
      const filed = await write(staff, 'POST', '/v1/rights-requests', {
        subjectId,
        type: 'correction',
        details: { changes: [change] },
        channel: 'front-desk',
        requester: { kind: 'staff_on_behalf' },
      });
      correctionRequest = filed.requestId;
      await write(staff, 'POST', `/v1/rights-requests/${correctionRequest}/verify`, { method: 'id_card_in_person' });
      await instantAfterLog(api.database.pool); // the PATCH lands on a later millisecond than the registration
      await write(staff, 'PATCH', `/v1/subjects/${subjectId}/data/contact`, {
        set: { email: NEW_EMAIL },
        reason: 'correction',
        purposeId: 'health-management',
        rightsRequestId: correctionRequest,
      });
    });

    it('shows a compliance officer every field change with old and new value, actor, reason and purpose', async () => {
      const history = await call('GET', `/v1/subjects/${subjectId}/history?reveal=identity,contact,health`, compliance, undefined, REVEALING);
      expect(history.status).toBe(200);
      const correction = history.body.find((entry: { eventType: string }) => entry.eventType === 'DataCorrected');
      expect(correction).toEqual({
        position: expect.any(Number),
        recordedAt: expect.any(String),
        eventType: 'DataCorrected',
        category: 'contact',
        field: 'email',
        value: NEW_EMAIL,
        previousValue: 'zhang.wei@example.cn',
        actor: 'staff-wang',
        reason: 'correction',
        purposeId: 'health-management',
        legalBasis: 'contract',
        rightsRequestId: correctionRequest,
      });
      patchedAt = correction.recordedAt;
      const collected = history.body.filter((entry: { eventType: string }) => entry.eventType === 'DataCollected');
      expect(collected).toContainEqual(expect.objectContaining({ category: 'identity', field: 'name', value: ZHANG.name, previousValue: null, reason: null }));
      expect(collected).toContainEqual(expect.objectContaining({ category: 'health', field: 'conditions', value: [ZHANG.condition] }));
      expect(collected).toContainEqual(expect.objectContaining({ category: 'contact', field: 'phone', value: ZHANG.phone }));
      expect(history.body[0]).toMatchObject({
        eventType: 'SubjectRegistered',
        category: null,
        field: null,
        value: { channel: 'front-desk', minor: false },
        noticeVersion: 'v1',
        legalBasis: 'contract',
      });
      expect(history.body).toContainEqual(
        expect.objectContaining({
          eventType: 'ConsentGranted',
          category: null,
          field: null,
          purposeId: 'health-management',
          noticeVersion: 'v1',
          value: expect.objectContaining({ categories: ['health', 'identity_document', 'health_records'], separate: true, guardian: false }),
        }),
      );
      // an audit masks every value it does not reveal: the phone as the profile does, the rest entirely
      const masked = await call('GET', `/v1/subjects/${subjectId}/history`, compliance, undefined, PURPOSE);
      expect(masked.body).toContainEqual(expect.objectContaining({ category: 'contact', field: 'phone', value: '+86138****5678' }));
      expect(masked.body).toContainEqual(expect.objectContaining({ eventType: 'DataCorrected', field: 'email', value: '[masked]', previousValue: '[masked]' }));
      expect(JSON.stringify(masked.body)).not.toContain(ZHANG.name);
      const revealed = await call('GET', `/v1/subjects/${subjectId}/history?reveal=contact`, compliance, undefined, REVEALING);
      expect(revealed.body).toContainEqual(expect.objectContaining({ category: 'contact', field: 'phone', value: ZHANG.phone }));
      expect(JSON.stringify(revealed.body)).not.toContain(ZHANG.name);
    });

    it('records the history read in the access log', async () => {
      const log = await audited(`/v1/audit/access?subjectId=${subjectId}&actor=co-zhao&limit=100`);
      expect(log.status).toBe(200);
      const reads = log.body.items.filter((item: { purposeId: string }) => item.purposeId === 'pipl:compliance-audit');
      expect(reads.length).toBeGreaterThanOrEqual(3);
      expect(reads.every((item: { via: string }) => item.via === 'history')).toBe(true);
      const revealed = reads.map((item: { revealed: string[] }) => [...item.revealed].sort());
      expect(revealed).toContainEqual([]);
      expect(revealed).toContainEqual(['contact.address', 'contact.email', 'contact.phone']);
      expect(reads[0].categories).toEqual(expect.arrayContaining(['identity', 'contact', 'health']));
    });

    it('400 without a purpose, 422 for an unknown purpose, 404 for an unknown subject; auditors, staff and subjects get 403', async () => {
      expect((await call('GET', `/v1/subjects/${subjectId}/history`, compliance)).body.code).toBe('purpose-required');
      expect((await call('GET', `/v1/subjects/${subjectId}/history`, compliance, undefined, { 'x-processing-purpose': 'nope' })).body.code).toBe('unknown-purpose');
      expect((await call('GET', `/v1/subjects/01900000-0000-7000-8000-000000000000/history`, compliance, undefined, PURPOSE)).status).toBe(404);
      const own = await tokens(api).subject(subjectId);
      for (const token of [staff, own, ops]) expect((await call('GET', `/v1/subjects/${subjectId}/history`, token, undefined, PURPOSE)).status).toBe(403);
      // an auditor audits under the compliance-audit purpose only
      expect((await call('GET', `/v1/subjects/${subjectId}/history`, auditor, undefined, PURPOSE)).status).toBe(200);
      expect((await call('GET', `/v1/subjects/${subjectId}/history`, auditor, undefined, { 'x-processing-purpose': 'compliance-audit' })).status).toBe(403);
    });

    it('reads the state as of a time between two writes', async () => {
      const before = new Date(Date.parse(patchedAt) - 1).toISOString();
      const asOf = (at: string, token = compliance, purpose = 'health-management') =>
        call('GET', `/v1/subjects/${subjectId}?asOf=${encodeURIComponent(at)}`, token, undefined, { 'x-processing-purpose': purpose });
      const then = await asOf(before);
      expect(then.status).toBe(200);
      expect(then.body).toMatchObject({
        subjectId,
        asOf: before,
        status: 'active',
        data: { contact: { email: 'zhang.wei@example.cn', phone: '+86138****5678' }, identity: { name: ZHANG.name } },
      });
      expect(then.headers.get('etag')).toBe(`"${then.body.version}"`);
      const now = await asOf(await instantAfterLog(api.database.pool)); // after every write so far, on the log's clock
      expect(now.body.data.contact.email).toBe(NEW_EMAIL);
      expect(now.body.version).toBe(then.body.version + 1);
      expect((await asOf(new Date(Date.parse(patchedAt) - 24 * 3600_000).toISOString())).status).toBe(404);
      expect((await asOf('yesterday')).status).toBe(400);
      expect((await asOf('2025-13-45T00:00:00Z')).status).toBe(400);
      expect((await asOf(before, staff)).status).toBe(403);
      const own = await tokens(api).subject(subjectId);
      expect((await call('GET', `/v1/subjects/${subjectId}?asOf=${encodeURIComponent(before)}`, own)).body.data.contact.email).toBe('zhang.wei@example.cn');
    });

    it('checks the purpose against the consents in force at that time', async () => {
      const { consentId } = await write(staff, 'POST', `/v1/subjects/${subjectId}/consents`, {
        purposeId: 'marketing',
        categories: ['contact'],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
      });
      const consented = await instantAfterLog(api.database.pool); // after the grant was recorded, before the withdrawal is
      await write(staff, 'DELETE', `/v1/subjects/${subjectId}/consents/${consentId}`);
      const marketing = { 'x-processing-purpose': 'marketing' };
      expect((await call('GET', `/v1/subjects/${subjectId}`, compliance, undefined, marketing)).body.code).toBe('no-legal-basis');
      const then = await call('GET', `/v1/subjects/${subjectId}?asOf=${consented}`, compliance, undefined, marketing);
      expect(then.status).toBe(200);
      expect(Object.keys(then.body.data)).toEqual(['contact']);
      expect(then.body.consents).toContainEqual(expect.objectContaining({ consentId, status: 'active' }));
      const beforeConsent = new Date(Date.parse(patchedAt)).toISOString();
      expect((await call('GET', `/v1/subjects/${subjectId}?asOf=${beforeConsent}`, compliance, undefined, marketing)).body.code).toBe('no-legal-basis');
    });
  });

  describe('evidence packages', () => {
    const verifyScript = (file: string, ...args: string[]) =>
      spawnSync(process.execPath, [join(__dirname, '../libs/audit/src/evidence/verify-evidence.mjs'), file, ...args], { encoding: 'utf8' });

    it('exports a package of the subject’s events that the standalone script verifies offline, and records the export', async () => {
      const events = await subjectEventsInTree(subjectId);
      const own = events.filter((event) => event.streamId === `subject-${subjectId}` || event.streamId === `access-${subjectId}`);
      const response = await call('GET', `/v1/audit/evidence?subjectId=${subjectId}`, auditor);
      expect(response.status).toBe(200);
      const evidence = response.body;
      expect(evidence).toMatchObject({
        format: 'pi-ledger-evidence/v1',
        subjectId,
        range: { from: null, to: null },
        pendingEvents: 0,
        publicKey: { algorithm: 'Ed25519', publicKeyPem },
      });
      expect(evidence.entries.map((entry: { eventId: string }) => entry.eventId).sort()).toEqual(own.map((event) => event.eventId).sort());
      expect(evidence.entries.map((entry: { type: string }) => entry.type)).toEqual(expect.arrayContaining(['SubjectRegistered', 'DataCorrected', 'PersonalDataAccessed']));
      expect(headIsSigned(evidence.treeHead, publicKeyPem)).toBe(true);
      const text = JSON.stringify(evidence);
      for (const value of [ZHANG.name, ZHANG.idNumber, '13812345678', ZHANG.condition, 'zhang.wei', NEW_EMAIL, '东华门']) expect(text).not.toContain(value);

      const file = join(dir, 'evidence.json');
      writeFileSync(file, text);
      const ok = verifyScript(file);
      expect({ status: ok.status, stderr: ok.stderr }).toEqual({ status: 0, stderr: '' });
      expect(ok.stdout).toContain(`evidence verified: pi-ledger-evidence/v1, subject ${subjectId}`);
      const pinned = join(dir, 'audit.pub');
      writeFileSync(pinned, publicKeyPem);
      expect(verifyScript(file, '--public-key', pinned).status).toBe(0);

      const exports = await audited(`/v1/audit/events?type=EvidenceExported&subjectId=${subjectId}`, compliance); // listed once the audit projection has it
      expect(exports.body.items).toEqual([expect.objectContaining({ eventId: evidence.exportId, actor: 'auditor-sun', streamId: 'audit-exports' })]);
    });

    it('fails the script on a tampered commitment, a forged head or another key', async () => {
      const evidence = (await call('GET', `/v1/audit/evidence?subjectId=${subjectId}`, compliance)).body;
      const check = (pkg: unknown, ...args: string[]) => {
        const file = join(dir, `tampered-${Math.random().toString(36).slice(2)}.json`);
        writeFileSync(file, JSON.stringify(pkg));
        return verifyScript(file, ...args);
      };
      const entries = evidence.entries.map((entry: object) => ({ ...entry }));
      entries[1].commitment = entries[1].commitment.replace('"actor":"staff-wang"', '"actor":"staff-li"');
      const tampered = check({ ...evidence, entries });
      expect(tampered.status).toBe(1);
      expect(tampered.stdout).toMatch(/^evidence NOT verified: 1 problem\n {2}- entries\[1\] .*not included/);

      const forgedHead = check({ ...evidence, treeHead: { ...evidence.treeHead, treeSize: evidence.treeHead.treeSize + 1 } });
      expect(forgedHead.status).toBe(1);
      expect(forgedHead.stdout).toContain('treeHead.signature is not a valid Ed25519 signature');

      const stranger = join(dir, 'stranger.pub');
      const { generateKeyPairSync } = await import('node:crypto');
      writeFileSync(stranger, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
      expect(check(evidence, '--public-key', stranger).status).toBe(1);
      expect(verifyScript(join(dir, 'missing.json')).status).toBe(2);
    });

    it('limits the package to a time range', async () => {
      const events = await subjectEventsInTree(subjectId);
      const correction = events.find((event) => event.type === 'DataCorrected')!;
      const from = correction.recordedAt;
      const ranged = await call('GET', `/v1/audit/evidence?subjectId=${subjectId}&from=${from}`, auditor);
      expect(ranged.body.range).toEqual({ from, to: null });
      expect(ranged.body.entries[0].eventId).toBe(correction.eventId);
      expect(ranged.body.entries.every((entry: { recordedAt: string }) => entry.recordedAt >= from)).toBe(true);
      const file = join(dir, 'ranged.json');
      writeFileSync(file, JSON.stringify(ranged.body));
      expect(verifyScript(file).status).toBe(0);
      const empty = await call('GET', `/v1/audit/evidence?subjectId=${subjectId}&to=2000-01-01T00:00:00Z`, auditor);
      expect(empty.body.entries).toEqual([]);
    });

    it('400 for a bad range or id, 404 for an unknown subject', async () => {
      expect((await call('GET', `/v1/audit/evidence?subjectId=${subjectId}&from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z`, auditor)).status).toBe(400);
      expect((await call('GET', `/v1/audit/evidence?subjectId=${subjectId}&from=soon`, auditor)).status).toBe(400);
      expect((await call('GET', '/v1/audit/evidence', auditor)).status).toBe(400);
      expect((await call('GET', '/v1/audit/evidence?subjectId=01900000-0000-7000-8000-000000000000', auditor)).status).toBe(404);
    });
  });
});
