import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Client, Pool } from 'pg';
import pino from 'pino';
import { payloadDigest } from '../libs/event-store/src/payload-digest';
import { AuditVerifier } from '../libs/audit/src/audit-verifier';
import { TreeHeadSigner } from '../libs/audit/src/tree-head-signer';
import { LEDGER_MIGRATIONS } from '../libs/platform/src/database/ledger-migrations';
import { loadConfig } from '../libs/platform/src/config/ledger-config';
import { PII_VAULT } from '../libs/pii-vault/src/pii-vault.module';
import { PiiVault } from '../libs/pii-vault/src/pii-vault';
import { BackupError, readBackup } from '../apps/ledger-cli/src/backup/backup-archive';
import { BackupRestoreCommand, BackupVerifyCommand, EXIT_DAMAGED } from '../apps/ledger-cli/src/backup/backup.commands';
import { BACKED_UP_TABLES, DERIVED_TABLES } from '../apps/ledger-cli/src/backup/backup-tables';
import { createBackup } from '../apps/ledger-cli/src/backup/create-backup';
import { checkRestorable, restoreBackup, segmentStarts } from '../apps/ledger-cli/src/backup/restore-backup';
import { registration } from './support/realistic-subject';
import { startTestApi, TestApi } from './support/test-api';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { jsonRequest, tokens } from './support/test-tokens';

/**
 * `ledger backup create|verify|restore` (api-contract.md, Ops): a backup of a live ledger restored
 * into an empty one gives back the same log in the same global order, the same vault and audit
 * tree, and a service that reads the same data; every target and file it must not restore is refused.
 */
describe('backup and restore', () => {
  let dataDir: string;
  let source: TestApi;
  let target: TestDatabase;
  let file: string;
  const subjects: string[] = [];
  /** Each subject as the source API serves it, once its projections have caught up. */
  const profiles = new Map<string, unknown>();
  const readProfile = async (api: TestApi, id: string, pool = api.database.pool) => {
    const call = jsonRequest(api);
    for (const deadline = Date.now() + 20_000; ; ) {
      const response = await call('GET', `/v1/subjects/${id}`, await tokens(api).staff(), undefined, { 'x-processing-purpose': 'health-management' });
      if (response.status === 200 && response.body.version === (await streamVersion(pool, id))) return response.body.data;
      if (Date.now() > deadline) throw new Error(`subject ${id}: ${response.status} ${JSON.stringify(response.body)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  const streamVersion = async (pool: Pool, id: string) => {
    const { rows } = await pool.query(`SELECT max(stream_version)::int AS v FROM ledger_events WHERE stream_id = $1`, [`subject-${id}`]);
    return rows[0].v as number;
  };

  const quietLogger = pino({ level: 'silent' });
  const owner = async (url: string) => {
    const client = new Client({ connectionString: url, application_name: 'pi-ledger-cli' });
    await client.connect();
    return client;
  };
  const auditKeyOf = (api: TestApi) => {
    const { keyId, publicKeyPem } = api.app.get(TreeHeadSigner).publicKey();
    return { keyId, publicKeyPem };
  };
  const logInOrder = async (url: string) => {
    const db = await owner(url);
    try {
      const { rows } = await db.query(
        `SELECT position, event_id, stream_id, stream_version, type, data, metadata, encode(payload_digest, 'hex') AS digest, recorded_at
           FROM ledger_events ORDER BY transaction_id, position`,
      );
      return rows;
    } finally {
      await db.end();
    }
  };
  const tableRows = async (url: string, table: string, orderBy: string) => {
    const db = await owner(url);
    try {
      return (await db.query(`SELECT * FROM ${table} ORDER BY ${orderBy}`)).rows;
    } finally {
      await db.end();
    }
  };
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (const deadline = Date.now() + 20_000; Date.now() < deadline; ) {
      if (await check()) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  const treeCaughtUp = (url: string) => async () => {
    const db = await owner(url);
    try {
      const { rows } = await db.query(`SELECT (SELECT count(*) FROM ledger_events) = (SELECT count(*) FROM audit_leaves) AS done`);
      return rows[0].done as boolean;
    } finally {
      await db.end();
    }
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'pi-ledger-backup-'));
    // a master key and an audit key in dataDir, shared by the source API and the restored one
    source = await startTestApi({ dataDir });
    const call = jsonRequest(source);
    const staff = await tokens(source).staff();
    for (let i = 0; i < 3; i++) {
      const response = await call('POST', '/v1/subjects', staff, registration({ data: { ...registration().data, identity_document: undefined, contact: { phone: `+86139000000${10 + i}` } } }));
      expect(response.status).toBe(201);
      subjects.push(response.body.subjectId);
    }
    await source.app.get<PiiVault>(PII_VAULT).shred(subjects[2], ['health'], { reason: 'test: a shredded category', actor: 'co-zhao' });

    // A position that goes back in global order: the transaction holding it took its id first and
    // committed last (a slow writer), so (transaction_id, position) order is not position order.
    const slow = await owner(source.database.url);
    await slow.query('BEGIN');
    await slow.query('SELECT pg_current_xact_id()');
    expect((await call('PATCH', `/v1/subjects/${subjects[0]}/data/employment`, staff, { set: { title: '主任' }, reason: 'update', purposeId: 'health-management' })).status).toBe(200);
    const data = { note: 'a slow writer' };
    await slow.query(
      `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
       VALUES ($1, 'backup-spec', 1, 'BackupSpecNoted', 1, $2, $3, $4)`,
      [randomUUID(), data, { actor: 'spec', roles: [] }, payloadDigest(data)],
    );
    await slow.query('COMMIT');
    await slow.end();
    await until(treeCaughtUp(source.database.url), 'the audit tree of the source');
    expect((await source.app.get(AuditVerifier).verify()).ok).toBe(true); // the source is intact to begin with
    for (const id of subjects) profiles.set(id, await readProfile(source, id));
    await until(treeCaughtUp(source.database.url), 'the audit tree of the source, reads included');
    await source.app.close(); // the source holds still from here on, so the restored copy can be compared with it

    file = join(dataDir, 'ledger.backup');
    const db = await owner(source.database.url);
    try {
      await createBackup(db, file, { auditPublicKey: auditKeyOf(source) });
    } finally {
      await db.end();
    }
    target = await createTestDatabase();
  }, 60_000);

  afterAll(async () => {
    await source?.database.close();
    await target?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('backs up every table of the schema or names it as derived, so a new table must be placed', async () => {
    const db = await owner(source.database.url);
    try {
      const { rows } = await db.query<{ name: string }>(
        `SELECT regexp_replace(table_name, '__g[0-9]+$', '') AS name FROM information_schema.tables
          WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      const placed = new Set([...BACKED_UP_TABLES.map((table) => table.name), ...DERIVED_TABLES]);
      expect(rows.map((row) => row.name).filter((name) => !placed.has(name))).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('writes a file holding no PI in clear, which verifies, and names its master key', async () => {
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    for (const secret of ['张伟', '2型糖尿病', '青霉素', '+8613900000', 'Zhang.Wei@Example.cn', '北京某某科技有限公司']) expect(text).not.toContain(secret);
    const { manifest, tables } = await readBackup(file, () => undefined);
    expect([...manifest.migrations].sort()).toEqual(LEDGER_MIGRATIONS.map((migration) => migration.name).sort());
    expect(manifest.kekIds).toEqual([source.app.get<PiiVault>(PII_VAULT).kekId]);
    expect(tables.map((table) => table.table)).toEqual(BACKED_UP_TABLES.map((table) => table.name));
    expect(tables.find((table) => table.table === 'ledger_events')?.rows).toBe(manifest.events);
    expect(tables.find((table) => table.table === 'ledger_events')?.columns).not.toContain('transaction_id');
  });

  it('refuses a target under another master key, and names both keys', async () => {
    const { manifest } = await readBackup(file, () => undefined);
    const db = await owner(target.url);
    try {
      const error = await checkRestorable(db, manifest, { migrations: manifest.migrations, kekId: 'ffffffffffffffff' }).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(BackupError);
      expect((error as Error).message).toContain(`wrapped by master key ${manifest.kekIds[0]}, and this process holds master key ffffffffffffffff`);
      const older = await checkRestorable(db, manifest, { migrations: manifest.migrations.slice(0, -1), kekId: manifest.kekIds[0] }).catch((caught: unknown) => caught);
      expect((older as Error).message).toMatch(/made by a later release \(migrations this one does not have: VaultSubjectKeys/);
    } finally {
      await db.end();
    }
  });

  it('refuses a file altered in one row, and one cut short, before writing anything', async () => {
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n');
    const row = lines.findIndex((line, i) => i > 2 && line.includes('BackupSpecNoted'));
    const altered = join(dataDir, 'altered.backup');
    writeFileSync(altered, gzipSync(lines.map((line, i) => (i === row ? line.replace('a slow writer', 'a fast writer') : line)).join('\n')));
    await expect(readBackup(altered, () => undefined)).rejects.toThrow(/rows of table ledger_events do not match their summary/);
    const cut = join(dataDir, 'cut.backup');
    writeFileSync(cut, gzipSync(lines.slice(0, Math.floor(lines.length / 2)).join('\n')));
    await expect(readBackup(cut, () => undefined)).rejects.toThrow(/incomplete/);
    const truncatedGzip = join(dataDir, 'truncated.backup');
    writeFileSync(truncatedGzip, readFileSync(file).subarray(0, 200));
    await expect(readBackup(truncatedGzip, () => undefined)).rejects.toThrow(BackupError);

    const verify = new BackupVerifyCommand();
    const out: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    try {
      await verify.run([altered]);
      expect(process.exitCode).toBe(EXIT_DAMAGED);
      expect(out.join('')).toContain('backup NOT intact');
    } finally {
      jest.restoreAllMocks();
      process.exitCode = undefined;
    }
    expect(await logInOrder(target.url)).toEqual([]);
  });

  it('restores the same log in the same global order, the vault and the audit tree, into transactions of this server', async () => {
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: target.url, dataDir };
    const restoredKey = TreeHeadSigner.fromPem(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8'));
    const command = new BackupRestoreCommand({ url: target.url, stop: async () => undefined }, config, quietLogger, new AuditVerifier(target.pool, restoredKey.verificationKey), restoredKey);
    const out: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await command.run([file]);
    } finally {
      jest.restoreAllMocks();
    }
    expect(process.exitCode).toBeUndefined();
    const before = await logInOrder(source.database.url);
    expect(out.join('')).toContain(`restored ${before.length} events`);
    expect(out.join('')).toContain('audit trail intact');

    const after = await logInOrder(target.url);
    expect(after).toEqual(before);
    const positions = after.map((row) => Number(row.position));
    expect(positions).not.toEqual([...positions].sort((a, b) => a - b)); // the slow writer's position went back, and still does
    for (const table of BACKED_UP_TABLES.filter((t) => t.name !== 'ledger_events')) {
      expect({ table: table.name, rows: await tableRows(target.url, table.name, table.orderBy) }).toEqual({
        table: table.name,
        rows: await tableRows(source.database.url, table.name, table.orderBy),
      });
    }
  });

  it('gives a service on the restored ledger the same data, keeps the shred, and continues the log after it', async () => {
    const restored = await startTestApi({ dataDir, databaseUrl: target.url });
    try {
      const call = jsonRequest(restored);
      const staff = await tokens(restored).staff();
      const zhang = (await readProfile(restored, subjects[0], target.pool)) as { identity: { name: string }; employment: { title: string } };
      expect([zhang.identity.name, zhang.employment.title]).toEqual(['张伟', '主任']);
      expect((profiles.get(subjects[2]) as { health: Record<string, unknown> }).health.conditions).toBe('[erased]');
      for (const id of subjects) expect({ id, data: await readProfile(restored, id, target.pool) }).toEqual({ id, data: profiles.get(id) });

      const last = Math.max(...(await logInOrder(target.url)).map((row) => Number(row.position)));
      const again = await call('POST', '/v1/subjects', staff, registration({ data: { identity: { name: '李娜', birthDate: '1990-02-03' }, contact: { phone: '+8613900000099' } } }));
      expect(again.status).toBe(201);
      expect(again.body.position).toBeGreaterThan(last);
      await until(treeCaughtUp(target.url), 'the audit tree of the restored ledger');
      const verification = await restored.app.get(AuditVerifier).verify();
      expect({ ok: verification.ok, failure: verification.failure }).toEqual({ ok: true, failure: undefined });
      expect(verification.events).toBeGreaterThan(last - 1);

      // the service is connected now: a restore is refused, and so is a non-empty target anyway
      const { manifest } = await readBackup(file, () => undefined);
      const db = await owner(target.url);
      try {
        await expect(checkRestorable(db, manifest, { migrations: manifest.migrations, kekId: manifest.kekIds[0] })).rejects.toThrow(/the service or a projector is connected/);
      } finally {
        await db.end();
      }
    } finally {
      await restored.close();
    }
    const db = await owner(target.url);
    try {
      const { manifest } = await readBackup(file, () => undefined);
      // the service's backends end a moment after its pool closes
      await until(async () => (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pi-ledger'`)).rows[0].n === 0, 'the service to disconnect');
      await expect(checkRestorable(db, manifest, { migrations: manifest.migrations, kekId: manifest.kekIds[0] })).rejects.toThrow(/holds a ledger already \(\d+ rows in ledger_events/);
      await expect(restoreBackup(db, file)).rejects.toThrow(); // and the log's unique positions would refuse it all the same
    } finally {
      await db.end();
    }
  }, 60_000);

  it('cuts the restored log into transactions wherever a position goes back, and every so many rows', () => {
    expect(segmentStarts([], 5, 10)).toEqual([1]);
    expect(segmentStarts([3], 5, 10)).toEqual([1, 3]);
    expect(segmentStarts([3, 4], 25, 10)).toEqual([1, 3, 4, 14, 24]);
    expect(segmentStarts([], 0, 10)).toEqual([]);
  });
});
