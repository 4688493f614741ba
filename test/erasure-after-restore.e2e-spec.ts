import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { TreeHeadSigner } from '../libs/audit/src/tree-head-signer';
import { createBackup } from '../apps/ledger-cli/src/backup/create-backup';
import { restoreBackup } from '../apps/ledger-cli/src/backup/restore-backup';
import type { ErasureCertificate } from '../apps/ledger-api/src/rights/erasure/erasure-certificate';
import { eraseOnRequest } from './support/erasure-request';
import { logHead } from './support/ledger-log';
import { registration } from './support/realistic-subject';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
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
  let certificate: ErasureCertificate;
  let erasedRequest: string;
  /** Of a subject registered, then erased, after the backup: nothing of it is in the restored ledger. */
  let newerCertificate: ErasureCertificate;
  let subjectId: string;
  let keptId: string;
  /** Erased after the backup with its health data kept under a legal hold placed after the backup too. */
  let heldId: string;
  let heldCertificate: ErasureCertificate;
  const hold = { categories: ['health'], basis: '医疗机构病历管理规定 (medical records, 15 years)', until: chinaDate(14 * 365) };

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
      const register = async (phone: string) =>
        (await call('POST', '/v1/subjects', staff, registration({ data: { ...registration().data, identity_document: undefined, contact: { phone } } }))).body.subjectId as string;
      subjectId = await register('+8613900000201');
      keptId = await register('+8613900000202');
      heldId = await register('+8613900000204');
      const db = await owner(source.database.url);
      try {
        // signed with the audit key as `ledger backup create` loads it, from the data dir
        await createBackup(db, join(dataDir, 'before-erasure.backup'), { signer: TreeHeadSigner.fromPem(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8')) });
      } finally {
        await db.end();
      }
      ({ requestId: erasedRequest, certificate } = await eraseOnRequest(source, subjectId));
      const compliance = await tokens(source).compliance();
      expect((await call('POST', '/v1/legal-holds', compliance, { subjectId: heldId, ...hold })).status).toBe(201);
      heldCertificate = (await eraseOnRequest(source, heldId)).certificate;
      expect(heldCertificate.retainedCategories).toEqual([{ category: 'health', basis: hold.basis, until: expect.stringMatching(`^${hold.until}`) }]);
      const newer = await register('+8613900000203');
      newerCertificate = (await eraseOnRequest(source, newer)).certificate;
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

  /** The subject as the restored service shows it once its read models include the whole restored log (and what was appended since). */
  const read = async (id: string) =>
    jsonRequest(restored)('GET', `/v1/subjects/${id}`, await tokens(restored).staff(), undefined, {
      'x-processing-purpose': 'health-management',
      'x-ledger-min-position': String(await logHead(target.pool)), // the restored API runs on target, not on restored.database
    });
  const reapply = async (body: unknown, role: 'compliance' | 'staff' = 'compliance') =>
    jsonRequest(restored)('POST', '/v1/erasure-certificates/reapply', await tokens(restored)[role](), body);

  it('brings the erased subject back, and the certificate erases it again, once', async () => {
    const back = await read(subjectId);
    expect([back.status, back.body.data.identity.name]).toEqual([200, '张伟']); // the hazard the runbook warns of

    const again = await reapply(certificate);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'erased', certificate: { requestId: erasedRequest, subjectPseudonym: certificate.subjectPseudonym } });
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
