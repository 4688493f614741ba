import { spawnSync } from 'node:child_process';
import { createPublicKey } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { verifyInclusion } from '../libs/audit/src/merkle';
import { TokenService } from '../libs/access-control/src/token.service';
import { verifyTreeHead } from '../libs/audit/src/tree-head-signer';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';
import { assessmentBody } from './support/assessment-body';
import { eraseOnRequest } from './support/erasure-request';
import { DAY_MS, testClock } from './support/test-clock';

/** The compliance-audit report over HTTP: its figures match what the test did, it holds no PI, and its events prove against its signed tree head. */
type Reply = Awaited<ReturnType<ReturnType<typeof jsonRequest>>>;

const HM = 'health-management';
/** Look-ups an account makes in an hour before a bulk look-up alert; one account of the test goes past it. */
const LOOKUP_ALERT = 20;

describe('the compliance-audit report over HTTP', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let officer: string;
  let auditor: string;
  let shift = 0;
  let from: string;
  const to = '2099-01-01T00:00:00.000Z';
  const did = { subjects: [] as string[], accessRequest: '', explanationRequest: '', erasureRequest: '', assessmentId: '', incidentId: '' };

  beforeAll(async () => {
    const base = testClock();
    api = await startTestApi({ lookupAlertPerHour: LOOKUP_ALERT }, { clock: () => new Date(base().getTime() + shift) });
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, officer, auditor] = await Promise.all([t.staff(), t.compliance(), t.auditor()]);
    from = api.clock().toISOString();
    const write = async (token: string, method: string, path: string, body?: unknown) => {
      const reply = await call(method, path, token, body);
      if (reply.status >= 300) throw new Error(`${method} ${path} → ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    };
    // two subjects, three consents (two for health management, one for marketing), one withdrawn
    const a = (await write(staff, 'POST', '/v1/subjects', registration())).subjectId;
    const b = await write(
      staff,
      'POST',
      '/v1/subjects',
      registration({
        data: { identity: { name: '李娜', birthDate: '1985-02-03' }, health: { conditions: ['高血压'] } },
        consents: [
          { purposeId: HM, categories: ['health'], separate: true },
          { purposeId: 'marketing', categories: ['contact'], separate: false },
        ],
      }),
    );
    did.subjects = [a, b.subjectId];
    const consents = await call('GET', `/v1/subjects/${b.subjectId}/consents`, staff, undefined, {
      'x-processing-purpose': HM,
      'x-ledger-min-position': String(await api.logHead()),
    });
    const marketingConsent = consents.body.items.find((c: { purposeId: string }) => c.purposeId === 'marketing').consentId;
    await write(staff, 'DELETE', `/v1/subjects/${b.subjectId}/consents/${marketingConsent}`);
    // one disclosure on the mainland
    await write(staff, 'POST', `/v1/subjects/${b.subjectId}/disclosures`, { recipient: { name: '某某检验所', contact: 'lab@example.cn' }, purposeId: HM, categories: ['health'] });
    // rights requests: an access request fulfilled, an explanation left open, an erasure fulfilled with its certificate
    await call('GET', '/v1/stats/subjects', officer, undefined, { 'x-ledger-min-position': String(await api.logHead()) });
    did.accessRequest = (
      await write(await t.subject(a), 'POST', '/v1/rights-requests', { subjectId: a, type: 'access', channel: 'app', requester: { kind: 'subject' } })
    ).requestId;
    await write(officer, 'POST', `/v1/rights-requests/${did.accessRequest}/fulfil`);
    did.explanationRequest = (
      await write(staff, 'POST', '/v1/rights-requests', { subjectId: b.subjectId, type: 'explanation', channel: 'front-desk', requester: { kind: 'staff_on_behalf' } })
    ).requestId;
    did.erasureRequest = (await eraseOnRequest(api, a)).requestId;
    // an assessment of health management, approved; an incident, reported to the regulator
    did.assessmentId = (await write(officer, 'POST', '/v1/compliance/assessments', assessmentBody())).assessmentId;
    await write(officer, 'POST', `/v1/compliance/assessments/${did.assessmentId}/approval`, { version: 1, expiresAt: '2098-01-01T00:00:00Z' });
    did.incidentId = (
      await write(officer, 'POST', '/v1/compliance/incidents', {
        kind: 'lost-device',
        detectedAt: api.clock().toISOString(),
        from,
        to: api.clock().toISOString(),
        actors: ['staff-wang'],
      })
    ).incidentId;
    // a health manager of another department reads b by break-glass
    const admin = await t.admin();
    const [home, other] = await Promise.all(
      ['cr-home', 'cr-other'].map(async (code) => (await write(admin, 'POST', '/v1/departments', { code, name: code })).departmentId as string),
    );
    await write(staff, 'PUT', `/v1/subjects/${b.subjectId}/assignment`, { departmentId: home });
    const outsider = await api.app.get(TokenService).sign({ sub: 'hm-cover', roles: ['health_manager'], departmentId: other });
    const glass = await call('GET', `/v1/subjects/${b.subjectId}`, outsider, undefined, { 'x-processing-purpose': HM, 'x-break-glass': 'covering-colleague' });
    expect(glass.status).toBe(200);
    // an account reading one file over and over: one bulk look-up alert
    const bulk = await api.app.get(TokenService).sign({ sub: 'bulk-reader', roles: ['staff'] });
    for (let i = 0; i <= LOOKUP_ALERT; i++) expect((await call('GET', `/v1/subjects/${b.subjectId}`, bulk, undefined, { 'x-processing-purpose': HM })).status).toBe(200);
    await write(officer, 'POST', `/v1/compliance/incidents/${did.incidentId}/notifications`, {
      audience: 'regulator',
      channel: 'cac-online-report',
      notifiedAt: api.clock().toISOString(),
    });
  });
  afterAll(async () => api.close());

  const report = (query = `from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, token = auditor) => call('GET', `/v1/compliance/audit-report?${query}`, token);
  const expectProblem = (reply: Reply, status: number, code: string, paths?: string[]) => {
    expect({ status: reply.status, code: reply.body?.code }).toEqual({ status, code });
    if (paths) expect(reply.body.errors.map((e: { path: string }) => e.path)).toEqual(paths);
  };

  it('refuses a missing or backwards period, and roles other than auditors and compliance officers', async () => {
    expectProblem(await report(`to=${to}`), 400, 'validation-failed', ['query.from']);
    expectProblem(await report(`from=2026-06-01&to=${to}`), 400, 'validation-failed', ['query.from']);
    expectProblem(await report(`from=${to}&to=${encodeURIComponent(from)}`), 400, 'validation-failed', ['query.to']);
    expectProblem(await report(undefined, staff), 403, 'forbidden');
  });

  it('has the figures of what was done, without personal data', async () => {
    const reply = await report();
    expect(reply.status).toBe(200);
    const body = reply.body;
    expect(body).toMatchObject({ format: 'pi-ledger-compliance-audit/v1', period: { from, to } });
    expect(body.consents.given).toMatchObject({ count: 3, byPurpose: { [HM]: { count: 2 }, marketing: { count: 1 } } });
    expect(body.consents.withdrawn).toMatchObject({ count: 1, byPurpose: { marketing: { count: 1 } } });
    expect(body.rightsRequests.received).toBe(3);
    expect(body.rightsRequests.byType).toMatchObject({
      access: { received: 1, fulfilled: 1, open: 0 },
      explanation: { received: 1, fulfilled: 0, open: 1, averageDaysToFulfil: null },
      erasure: { received: 1, fulfilled: 1 },
    });
    expect(body.rightsRequests.byType.access.averageDaysToFulfil).toBeGreaterThanOrEqual(0);
    expect(body.rightsRequests.overdue.count).toBe(0);
    expect(body.erasures).toMatchObject({ count: 1, items: [{ requestId: did.erasureRequest, certificate: `/v1/erasure-certificates/${did.erasureRequest}` }] });
    expect(body.disclosures).toMatchObject({ count: 1, byRecipient: { 某某检验所: { count: 1 } }, crossBorder: { count: 0, items: [] } });
    expect(body.incidents).toMatchObject({ count: 1, items: [{ incidentId: did.incidentId, kind: 'lost-device', notifications: [{ audience: 'regulator' }] }] });
    expect(body.lookupAlerts).toMatchObject({ count: 1, items: [{ account: 'bulk-reader', lookups: LOOKUP_ALERT + 1 }] });
    expect(body.breakGlass).toMatchObject({
      count: 1,
      byReason: { 'covering-colleague': { count: 1 } },
      byAccount: { 'hm-cover': { count: 1 } },
      items: [{ account: 'hm-cover', reason: 'covering-colleague', access: 'read', hasNote: false }],
    });
    const hm = body.purposes.find((p: { id: string }) => p.id === HM);
    expect(hm).toMatchObject({
      legalBasis: 'contract',
      // the seeded purpose handles sensitive categories: Art. 55 applies though its flag is off
      assessmentTriggers: ['sensitive-personal-information'],
      requiresAssessment: false,
      assessments: [{ assessmentId: did.assessmentId, status: 'approved', approvedVersion: 1 }],
    });
    expect(hm.positions).toHaveLength(1);
    expect(hm.assessments[0].positions).toHaveLength(2);
    const text = JSON.stringify(body);
    for (const pi of [...did.subjects, ZHANG.name, '李娜', ZHANG.phone, ZHANG.idNumber, 'lab@example.cn']) expect(text).not.toContain(pi);
  });

  it('prints the same figures as an HTML page, without personal data', async () => {
    const page = await api.request(`/v1/compliance/audit-report?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}&format=html`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await page.text();
    expect(html).toContain('<caption>删除 / Erasures</caption>');
    expect(html).toContain(did.erasureRequest);
    expect(html).toContain(`<td>${did.incidentId}</td><td>lost-device</td>`);
    // each figure with the events it rests on, and the signed head they are proven under
    const json = (await report()).body;
    expect(html).toContain(`<tr><td>marketing</td><td>1</td><td>${json.consents.withdrawn.positions[0]}</td></tr>`);
    expect(html).toContain(`<td>${json.auditTrail.treeHead.signature}</td>`);
    expect(html).not.toContain('<script');
    for (const pi of [...did.subjects, ZHANG.name, '李娜']) expect(html).not.toContain(pi);
    expectProblem(await report(`from=${encodeURIComponent(from)}&to=${to}&format=pdf`), 400, 'validation-failed', ['query.format']);
  });

  it('lists requests overdue at the end of the period', async () => {
    shift = 30 * DAY_MS;
    const body = (await report()).body;
    expect(body.rightsRequests.overdue).toMatchObject({ count: 1, items: [{ requestId: did.explanationRequest, requestType: 'explanation' }] });
    expect(body.rightsRequests.overdue.items[0].daysOverdue).toBeGreaterThan(0);
    // a period that ended before anything happened: nothing counted, nothing overdue
    const before = (await report(`from=2020-01-01T00:00:00Z&to=${encodeURIComponent(from)}`)).body;
    expect({ given: before.consents.given.count, received: before.rightsRequests.received, overdue: before.rightsRequests.overdue.count }).toEqual({
      given: 0,
      received: 0,
      overdue: 0,
    });
  });

  it('proves every cited event against the signed tree head, and reports the trail verified', async () => {
    const body = (await report()).body;
    const { treeHead, entries, verification, pending, publicKey } = body.auditTrail;
    expect(verification).toMatchObject({ ok: true });
    expect(pending).toEqual([]);
    const key = createPublicKey((await call('GET', '/v1/audit/public-key', auditor)).body.publicKeyPem);
    expect(publicKey.publicKeyPem).toBe(key.export({ type: 'spki', format: 'pem' }));
    expect(verifyTreeHead(treeHead, key)).toEqual({ ok: true });
    const byPosition = new Map(entries.map((entry: { position: number }) => [entry.position, entry]));
    const cited = {
      ConsentGranted: body.consents.given.positions,
      ConsentWithdrawn: body.consents.withdrawn.positions,
      SubjectErased: [body.erasures.items[0].position],
      IncidentRecorded: body.incidents.items[0].positions.slice(0, 1),
      IncidentNotificationRecorded: body.incidents.items[0].positions.slice(1),
      AssessmentRecorded: body.purposes.find((p: { id: string }) => p.id === HM).assessments[0].positions.slice(0, 1),
    };
    expect(Object.values(cited).flat()).toHaveLength(8);
    for (const [type, positions] of Object.entries(cited)) {
      for (const position of positions) {
        const entry = byPosition.get(position) as { type: string; eventId: string; leafIndex: number; inclusionProof: { leafHash: string; auditPath: string[] } };
        expect(entry.type).toBe(type);
        // the same proof the API gives
        const proof = (await call('GET', `/v1/audit/proofs/inclusion?eventId=${entry.eventId}&treeSize=${treeHead.treeSize}`, auditor)).body;
        expect(proof).toMatchObject({ leafHash: entry.inclusionProof.leafHash, auditPath: entry.inclusionProof.auditPath });
        const path = entry.inclusionProof.auditPath.map((hex) => Buffer.from(hex, 'hex'));
        expect(verifyInclusion(entry.leafIndex, treeHead.treeSize, Buffer.from(entry.inclusionProof.leafHash, 'hex'), path, Buffer.from(treeHead.rootHash, 'hex'))).toBe(true);
      }
    }
  });

  it('verifies offline with verify-evidence.mjs and the published key; a changed figure or a cited event of another type does not', async () => {
    const body = (await report()).body;
    const dir = mkdtempSync(join(tmpdir(), 'compliance-report-'));
    try {
      const keyFile = join(dir, 'key.pem');
      writeFileSync(keyFile, (await call('GET', '/v1/audit/public-key', auditor)).body.publicKeyPem);
      const verify = (document: unknown) => {
        const file = join(dir, 'report.json');
        writeFileSync(file, JSON.stringify(document));
        return spawnSync(process.execPath, [join(__dirname, '../libs/audit/src/evidence/verify-evidence.mjs'), file, '--public-key', keyFile], { encoding: 'utf8' });
      };
      const good = verify(body);
      expect({ status: good.status, stdout: good.stdout }).toMatchObject({ status: 0, stdout: expect.stringContaining('compliance-audit report verified') });

      const inflated = structuredClone(body);
      inflated.consents.given.count = 4;
      const more = verify(inflated);
      expect(more.status).toBe(1);
      expect(more.stdout).toContain('consents.given: count 4 but 3 events cited');

      const swapped = structuredClone(body);
      swapped.consents.given.positions[0] = body.consents.withdrawn.positions[0];
      expect(verify(swapped).stdout).toContain('is a ConsentWithdrawn, not an event this figure counts');

      const dropped = structuredClone(body);
      dropped.auditTrail.entries = dropped.auditTrail.entries.filter((e: { position: number }) => e.position !== body.erasures.items[0].position);
      expect(verify(dropped).stdout).toContain(`has no proof and is not listed as pending`);

      const moved = structuredClone(body);
      moved.auditTrail.entries[0].inclusionProof.leafHash = body.auditTrail.entries[1].inclusionProof.leafHash;
      expect(verify(moved).stdout).toContain('is not included at index');

      const forged = structuredClone(body);
      forged.auditTrail.treeHead.rootHash = '0'.repeat(64);
      expect(verify(forged).stdout).toContain('treeHead.signature is not a valid Ed25519 signature');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
