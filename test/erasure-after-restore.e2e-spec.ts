import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TreeHeadSigner } from '../libs/audit/src/tree-head-signer';
import { createBackup } from '../apps/ledger-cli/src/backup/create-backup';
import { restoreBackup } from '../apps/ledger-cli/src/backup/restore-backup';
import { ErasureService } from '../apps/ledger-api/src/rights/erasure/erasure.service';
import { registration } from './support/realistic-subject';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { jsonRequest, tokens } from './support/test-tokens';

/**
 * A backup taken before an erasure brings the erased subject back when restored (its keys are in
 * it). POST /v1/erasure-certificates/reapply erases it again from the certificate the ledger had
 * issued, and refuses what is not such a certificate.
 */
describe('erasure after a restore from an older backup', () => {
  let dataDir: string;
  let target: TestDatabase;
  let restored: TestApi;
  let certificate: Record<string, unknown>;
  /** Of a subject registered, then erased, after the backup: nothing of it is in the restored ledger. */
  let newerCertificate: Record<string, unknown>;
  let subjectId: string;
  let keptId: string;
  /** Erased after the backup with its health data kept under a legal hold placed after the backup too. */
  let heldId: string;
  let heldCertificate: Record<string, unknown>;
  const hold = { categories: ['health'], basis: '医疗机构病历管理规定 (medical records, 15 years)', until: '2040-01-01' };

  const owner = async (url: string) => {
    const client = new Client({ connectionString: url, application_name: 'pi-ledger-cli' });
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pi-ledger-reapply-')); // the keys, shared by both APIs
    const source = await startTestApi({ dataDir });
    try {
      const call = jsonRequest(source);
      const staff = await tokens(source).staff();
      const register = async (phone: string) => (await call('POST', '/v1/subjects', staff, registration({ data: { ...registration().data, identity_document: undefined, contact: { phone } } }))).body.subjectId as string;
      subjectId = await register('+8613900000201');
      keptId = await register('+8613900000202');
      heldId = await register('+8613900000204');
      const db = await owner(source.database.url);
      try {
        await createBackup(db, join(dataDir, 'before-erasure.backup'), { signer: source.app.get(TreeHeadSigner) });
      } finally {
        await db.end();
      }
      const officer = { actor: { id: 'co-zhao', roles: ['compliance_officer'] }, correlationId: 'c', causationId: 'c' } as Parameters<ErasureService['erase']>[3];
      await source.app.get(ErasureService).erase(subjectId, 'rr-after-backup', undefined, officer);
      const issued = await call('GET', '/v1/erasure-certificates/rr-after-backup', await tokens(source).compliance());
      expect(issued.status).toBe(200);
      certificate = issued.body;
      const compliance = await tokens(source).compliance();
      expect((await call('POST', '/v1/legal-holds', compliance, { subjectId: heldId, ...hold })).status).toBe(201);
      await source.app.get(ErasureService).erase(heldId, 'rr-held', undefined, officer);
      heldCertificate = (await call('GET', '/v1/erasure-certificates/rr-held', compliance)).body;
      expect(heldCertificate.retainedCategories).toEqual([{ category: 'health', basis: hold.basis, until: expect.stringMatching(/^2040-01-01/) }]);
      const newer = await register('+8613900000203');
      await source.app.get(ErasureService).erase(newer, 'rr-newer', undefined, officer);
      newerCertificate = (await call('GET', '/v1/erasure-certificates/rr-newer', await tokens(source).compliance())).body;
    } finally {
      await source.close();
    }
    target = await createTestDatabase();
    const db = await owner(target.url);
    try {
      await restoreBackup(db, join(dataDir, 'before-erasure.backup'));
    } finally {
      await db.end();
    }
    restored = await startTestApi({ dataDir, databaseUrl: target.url });
  }, 60_000);

  afterAll(async () => {
    await restored?.close();
    await target?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const read = async (id: string) => {
    const call = jsonRequest(restored);
    const staff = await tokens(restored).staff();
    for (const deadline = Date.now() + 20_000; ; ) {
      const response = await call('GET', `/v1/subjects/${id}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
      if (response.status !== 404 && response.status !== 503) return response;
      if (Date.now() > deadline) return response;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const reapply = async (body: unknown, role: 'compliance' | 'staff' = 'compliance') =>
    jsonRequest(restored)('POST', '/v1/erasure-certificates/reapply', await tokens(restored)[role](), body);

  it('brings the erased subject back, and the certificate erases it again, once', async () => {
    const back = await read(subjectId);
    expect([back.status, back.body.data.identity.name]).toEqual([200, '张伟']); // the hazard the runbook warns of

    const again = await reapply(certificate);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'erased', certificate: { requestId: 'rr-after-backup', subjectPseudonym: certificate.subjectPseudonym } });
    expect([...again.body.certificate.erasedCategories].sort()).toEqual([...(certificate.erasedCategories as string[])].sort());
    expect((await read(subjectId)).status).toBe(410);
    const { rows } = await target.pool.query(`SELECT count(*)::int AS live FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NOT NULL`, [subjectId]);
    expect(rows[0].live).toBe(0);

    const twice = await reapply(certificate);
    expect(twice.body).toEqual({ status: 'already-erased', certificate: again.body.certificate });
    expect((await read(keptId)).status).toBe(200); // the other subject is untouched
  });

  it('refuses to re-apply an erasure whose legal hold the restore lost, until the hold is placed again', async () => {
    const refused = await reapply(heldCertificate);
    expect([refused.status, refused.body.code]).toEqual([409, 'legal-hold-missing']);
    expect((await read(heldId)).status).toBe(200); // nothing erased: the health data would have been lost for good
    const placed = await jsonRequest(restored)('POST', '/v1/legal-holds', await tokens(restored).compliance(), { subjectId: heldId, ...hold });
    expect(placed.status).toBe(201);
    const again = await reapply(heldCertificate);
    expect(again.body.status).toBe('erased');
    expect(again.body.certificate.retainedCategories.map((kept: { category: string }) => kept.category)).toEqual(['health']);
    expect([...again.body.certificate.erasedCategories].sort()).toEqual([...(heldCertificate.erasedCategories as string[])].sort());
    const { rows } = await target.pool.query(`SELECT category FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NOT NULL`, [heldId]);
    expect(rows.map((row) => row.category)).toEqual(['health']);
  });

  it('refuses a changed certificate, one of another audit key, staff, and a malformed body; changes nothing for a subject it does not hold', async () => {
    const changed = await reapply({ ...certificate, requestId: 'rr-forged' });
    expect([changed.status, changed.body.code]).toEqual([422, 'certificate-signature-invalid']);
    const foreignKey = await reapply({ ...certificate, keyId: 'ffffffffffffffff' });
    expect([foreignKey.status, foreignKey.body.code]).toEqual([422, 'certificate-signature-invalid']);
    expect((await reapply(certificate, 'staff')).status).toBe(403);
    const malformed = await reapply({ ...certificate, keysDestroyed: ['not-a-key'], extra: 1 });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['extra', 'keysDestroyed']);
    const absent = await reapply(newerCertificate);
    expect([absent.status, absent.body.status]).toEqual([200, 'absent']);
    expect(absent.body.detail).toMatch(/registered after the backup/);
    expect((await read(keptId)).status).toBe(200);
  });
});
