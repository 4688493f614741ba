import { createHash, randomUUID } from 'node:crypto';
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
import { checkCompatible, checkEmptyTarget, restoreBackup, segmentStarts } from '../apps/ledger-cli/src/backup/restore-backup';
import { logHead } from './support/ledger-log';
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
  /** A subject's data as `api` serves it once its read models include the whole log of `pool`, the database it runs on. */
  const readProfile = async (api: TestApi, id: string, pool = api.database.pool) => {
    const response = await jsonRequest(api)('GET', `/v1/subjects/${id}`, await tokens(api).staff(), undefined, {
      'x-processing-purpose': 'health-management',
      'x-ledger-min-position': String(await logHead(pool)),
    });
    const version = await streamVersion(pool, id);
    if (response.status !== 200 || response.body.version !== version)
      throw new Error(`subject ${id} (version ${version} in the log): ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.data;
  };
  /** The audit key as the CLI loads it, from the data dir the APIs share. */
  const auditKey = () => TreeHeadSigner.fromPem(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8'));
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
    for (const deadline = Date.now() + 20_000; Date.now() < deadline;) {
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
      const response = await call(
        'POST',
        '/v1/subjects',
        staff,
        registration({ data: { ...registration().data, identity_document: undefined, contact: { ...registration().data.contact, phone: `+86139000000${10 + i}` } } }),
      );
      expect(response.status).toBe(201);
      subjects.push(response.body.subjectId);
    }
    // a bare shred, which no route makes (an erasure appends events too): the API's own vault
    await source.app.get<PiiVault>(PII_VAULT).shred(subjects[2], ['health'], { reason: 'test: a shredded category', actor: 'co-zhao' });

    // A position that goes back in global order: the transaction holding it took its id first and
    // committed last (a slow writer), so (transaction_id, position) order is not position order.
    const slow = await owner(source.database.url);
    await slow.query('BEGIN');
    await slow.query('SELECT pg_current_xact_id()');
    expect((await call('PATCH', `/v1/subjects/${subjects[0]}/data/employment`, staff, { set: { title: '主任' }, reason: 'update', purposeId: 'health-management' })).status).toBe(
      200,
    );
    const data = { note: 'a slow writer' };
    await slow.query(
      `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
       VALUES ($1, 'backup-spec', 1, 'BackupSpecNoted', 1, $2, $3, $4)`,
      [randomUUID(), data, { actor: 'spec', roles: [] }, payloadDigest(data)],
    );
    await slow.query('COMMIT');
    await slow.end();
    await until(treeCaughtUp(source.database.url), 'the audit tree of the source');
    expect((await source.app.get(AuditVerifier).verify()).ok).toBe(true); // the source is intact to begin with (no route verifies: the CLI does)
    // not the shredded one: a bare shred appends nothing, so the source's read model may hold its values from before it
    for (const id of subjects.slice(0, 2)) profiles.set(id, await readProfile(source, id));
    await until(treeCaughtUp(source.database.url), 'the audit tree of the source, reads included');
    await source.app.close(); // the source holds still from here on, so the restored copy can be compared with it

    file = join(dataDir, 'ledger.backup');
    const db = await owner(source.database.url);
    try {
      await createBackup(db, file, { signer: auditKey() });
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
    for (const secret of ['张伟', '2型糖尿病', '青霉素', '+8613900000', 'Zhang.Wei@Example.cn', 'zhang.wei@example.cn', '北京某某科技有限公司', '东华门街道'])
      expect(text).not.toContain(secret);
    const { manifest, tables } = await readBackup(file, () => undefined);
    expect([...manifest.migrations].sort()).toEqual(LEDGER_MIGRATIONS.map((migration) => migration.name).sort());
    expect(manifest.kekIds).toEqual([source.app.get<PiiVault>(PII_VAULT).kekId]); // the master key's id has no route
    expect(tables.map((table) => table.table)).toEqual(BACKED_UP_TABLES.map((table) => table.name));
    expect(tables.find((table) => table.table === 'ledger_events')?.rows).toBe(manifest.events);
    expect(tables.find((table) => table.table === 'ledger_events')?.columns).not.toContain('transaction_id');
  });

  it('refuses a backup under another master key, and one of another release, naming both', async () => {
    const { manifest } = await readBackup(file, () => undefined);
    expect(() => checkCompatible(manifest, { migrations: manifest.migrations, kekId: 'ffffffffffffffff' })).toThrow(
      `wrapped by master key ${manifest.kekIds[0]}, and this process holds master key ffffffffffffffff`,
    );
    expect(() => checkCompatible(manifest, { migrations: manifest.migrations.slice(0, -1), kekId: manifest.kekIds[0] })).toThrow(
      `made by a later release (migrations this one does not have: ${manifest.migrations.at(-1)})`,
    );
    expect(() => checkCompatible({ ...manifest, migrations: manifest.migrations.slice(0, -1) }, { migrations: manifest.migrations, kekId: manifest.kekIds[0] })).toThrow(
      /made by an earlier release/,
    );
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
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: target.url, dataDir };
    const signer = TreeHeadSigner.fromPem(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8'));
    const restore = new BackupRestoreCommand({ url: target.url, stop: async () => undefined }, config, quietLogger, new AuditVerifier(target.pool, signer.verificationKey), signer);
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await expect(restore.run([altered])).rejects.toThrow(/rows of table ledger_events do not match their summary/);
      await expect(restore.run([join(dataDir, 'absent.backup')])).rejects.toThrow(/cannot read/);
      const keyless = new BackupRestoreCommand({ url: target.url, stop: async () => undefined }, config, quietLogger, null, null);
      await expect(keyless.run([file])).rejects.toThrow(/no audit signing key: put the backup's audit-signing-key.pem \(key id [0-9a-f]{16}\)/);
    } finally {
      jest.restoreAllMocks();
    }
    expect(await logInOrder(target.url)).toEqual([]);
  });

  it('refuses a file edited with every digest recomputed: the audit key’s signature no longer matches', async () => {
    // what someone who knows the format but not the audit private key can do
    const lines = gunzipSync(readFileSync(file)).toString('utf8').split('\n').slice(0, -1);
    const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
    const rowOf = lines.findIndex((line) => line.includes('BackupSpecNoted'));
    lines[rowOf] = lines[rowOf].replace('a slow writer', 'a fast writer');
    const tableStart = lines.findIndex((line) => line.startsWith('{"table":"ledger_events","columns"'));
    const rowsEnd = lines.indexOf('\\.', tableStart);
    const rows = lines.slice(tableStart + 1, rowsEnd);
    const summary = JSON.parse(lines[rowsEnd + 1]);
    lines[rowsEnd + 1] = JSON.stringify({ ...summary, sha256: sha(rows.map((row) => `${row}\n`).join('')) });
    const end = JSON.parse(lines[lines.length - 1]).end;
    lines[lines.length - 1] = JSON.stringify({
      end: {
        ...end,
        sha256: sha(
          lines
            .slice(0, -1)
            .map((line) => `${line}\n`)
            .join(''),
        ),
      },
    });
    const edited = join(dataDir, 'edited.backup');
    writeFileSync(edited, gzipSync(`${lines.join('\n')}\n`));
    const { end: read } = await readBackup(edited, () => undefined); // every digest agrees now
    expect(read.sha256).not.toBe(end.sha256);

    const out: string[] = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => (out.push(String(chunk)), true));
    jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      await new BackupVerifyCommand().run([edited]);
      expect(process.exitCode).toBe(EXIT_DAMAGED);
      expect(out.join('')).toMatch(/backup NOT intact: .* is not signed by the audit key it names/);
      process.exitCode = undefined;
      await new BackupVerifyCommand().run([file], { publicKey: auditKey().verificationKey });
      expect(process.exitCode).toBeUndefined();
      expect(out.join('')).toContain(`backup intact: made `);
      await new BackupVerifyCommand().run([file], { publicKey: TreeHeadSigner.generate().verificationKey });
      expect(process.exitCode).toBe(EXIT_DAMAGED); // a key that is not the ledger's
      process.exitCode = undefined;

      const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: target.url, dataDir };
      const signer = TreeHeadSigner.fromPem(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8'));
      const restore = new BackupRestoreCommand(
        { url: target.url, stop: async () => undefined },
        config,
        quietLogger,
        new AuditVerifier(target.pool, signer.verificationKey),
        signer,
      );
      await expect(restore.run([edited])).rejects.toThrow(/is not signed by this ledger's audit key/);
    } finally {
      jest.restoreAllMocks();
      process.exitCode = undefined;
    }
    expect(await logInOrder(target.url)).toEqual([]);
  });

  it('restores the same log in the same global order, the vault and the audit tree, into transactions of this server', async () => {
    const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: target.url, dataDir };
    const restoredKey = TreeHeadSigner.fromPem(readFileSync(join(dataDir, 'audit-signing-key.pem'), 'utf8'));
    const command = new BackupRestoreCommand(
      { url: target.url, stop: async () => undefined },
      config,
      quietLogger,
      new AuditVerifier(target.pool, restoredKey.verificationKey),
      restoredKey,
    );
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
      for (const id of subjects.slice(0, 2)) expect({ id, data: await readProfile(restored, id, target.pool) }).toEqual({ id, data: profiles.get(id) });
      // rebuilt from the restored log: the shredded category reads as erased, the rest as it was
      const shredded = (await readProfile(restored, subjects[2], target.pool)) as { identity: { name: string }; health: Record<string, unknown> };
      expect([shredded.identity.name, shredded.health.conditions, shredded.health.allergies]).toEqual(['张伟', '[erased]', '[erased]']);

      const last = Math.max(...(await logInOrder(target.url)).map((row) => Number(row.position)));
      const again = await call(
        'POST',
        '/v1/subjects',
        staff,
        registration({ data: { identity: { name: '李娜', birthDate: '1990-02-03' }, contact: { phone: '+8613900000099' } } }),
      );
      expect(again.status).toBe(201);
      expect(again.body.position).toBeGreaterThan(last);
      await until(treeCaughtUp(target.url), 'the audit tree of the restored ledger');
      const verification = await restored.app.get(AuditVerifier).verify(); // no route verifies the whole trail: `ledger audit verify` does
      expect({ ok: verification.ok, failure: verification.failure }).toEqual({ ok: true, failure: undefined });
      expect(verification.events).toBeGreaterThan(last - 1);

      // the service is connected now: a restore is refused, and so is a non-empty target anyway
      const db = await owner(target.url);
      try {
        await expect(checkEmptyTarget(db)).rejects.toThrow(/other sessions are connected to this database \(.*pi-ledger.*\): stop the service/);
      } finally {
        await db.end();
      }
    } finally {
      await restored.close();
    }
    const db = await owner(target.url);
    try {
      // the service's backends end a moment after its pool closes
      await until(
        async () => (await db.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'pi-ledger'`)).rows[0].n === 0,
        'the service to disconnect',
      );
      await expect(checkEmptyTarget(db)).rejects.toThrow(/holds a ledger already \(\d+ rows in ledger_events/);
      await expect(restoreBackup(db, file)).rejects.toThrow(/duplicate key value violates unique constraint/); // the log's unique positions would refuse it all the same
    } finally {
      await db.end();
    }
  }, 60_000);

  describe('a log of several transactions of the restore', () => {
    let big: TestDatabase;
    let bigFile: string;
    /** Events generated in SQL (no audit tree: restoreBackup alone is under test), by a writer that took its transaction id first and committed last. */
    beforeAll(async () => {
      big = await createTestDatabase();
      const [slow, fast] = [await owner(big.url), await owner(big.url)];
      const insert = (client: Client, from: number, to: number) =>
        client.query(
          `INSERT INTO ledger_events (event_id, stream_id, stream_version, type, schema_version, data, metadata, payload_digest)
           SELECT gen_random_uuid(), 'bulk-' || $1::int, i - $1 + 1, 'BulkNoted', 1, jsonb_build_object('i', i, 'text', E'tab\\there, 换行\\n'), '{"actor":"spec","roles":[]}', sha256(i::text::bytea)
             FROM generate_series($1::int, $2::int) i ORDER BY i`,
          [from, to],
        );
      await slow.query('BEGIN');
      await slow.query('SELECT pg_current_xact_id()');
      await insert(fast, 1, 12_000); // positions 1..12,000, committed first under a later transaction id
      await insert(slow, 12_001, 25_000); // positions after them, under the earlier id: first in global order
      await slow.query('COMMIT');
      // enough key rows (about 1 MB) that a COPY the server refuses at its first row is refused while rows still stream
      await fast.query(
        `INSERT INTO vault_subject_keys (subject_id, kek_id, categories, key_ids, wrapped)
         SELECT 's-' || i, 'k', '{contact,health}', ARRAY[gen_random_uuid(), gen_random_uuid()], ARRAY[sha256(i::text::bytea) || sha256(i::text::bytea), sha256(i::text::bytea)]
           FROM generate_series(1, 4000) i`,
      );
      // restored in the same last transaction as the key rows, before them: it shows whether that transaction rolled back
      await fast.query(`INSERT INTO vault_secrets (name, wrapped, kek_id) VALUES ('spec-secret', '\\x00'::bytea, 'k')`);
      await Promise.all([slow.end(), fast.end()]);
      bigFile = join(dataDir, 'big.backup');
      const db = await owner(big.url);
      try {
        await createBackup(db, bigFile, { signer: auditKey() });
      } finally {
        await db.end();
      }
    }, 60_000);
    afterAll(async () => big?.close());

    it('keeps the global order across the restore’s transactions, each of at most 10,000 events', async () => {
      const into = await createTestDatabase();
      try {
        const db = await owner(into.url);
        try {
          const summary = await restoreBackup(db, bigFile);
          expect({ events: summary.events, transactions: summary.eventTransactions }).toEqual({ events: 25_000, transactions: 4 }); // 10,000 + 3,000, then 10,000 + 2,000
        } finally {
          await db.end();
        }
        const order = `SELECT string_agg(position::text || ':' || event_id || ':' || data::text, ',' ORDER BY transaction_id, position) AS o FROM ledger_events`;
        const [theirs, ours] = [await big.pool.query(order), await into.pool.query(order)];
        expect(ours.rows[0].o).toBe(theirs.rows[0].o);
        expect(ours.rows[0].o.startsWith('12001:')).toBe(true);
        const { rows } = await into.pool.query(`SELECT count(DISTINCT transaction_id)::int AS n FROM ledger_events`);
        expect(rows[0].n).toBe(4);
      } finally {
        await into.close();
      }
    });

    it('reports a COPY the server refuses half-way, rolls back the rest, and crashes nothing', async () => {
      const into = await createTestDatabase();
      try {
        const db = await owner(into.url);
        try {
          await db.query(`CREATE FUNCTION spec_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'spec: the disk is full'; END $$`);
          await db.query(`CREATE TRIGGER spec_refuse BEFORE INSERT ON vault_subject_keys FOR EACH ROW EXECUTE FUNCTION spec_refuse()`);
          expect((await readBackup(bigFile, () => undefined)).tables.find((table) => table.table === 'vault_secrets')?.rows).toBe(1);
          await expect(restoreBackup(db, bigFile)).rejects.toThrow(/spec: the disk is full/);
          const { rows } = await db.query(`SELECT (SELECT count(*) FROM ledger_events)::int AS events, (SELECT count(*) FROM vault_secrets)::int AS secrets`);
          expect(rows[0]).toEqual({ events: 25_000, secrets: 0 }); // the log was in; the secret, copied before the refused table, rolled back with it
          await expect(checkEmptyTarget(db)).rejects.toThrow(/holds a ledger already/); // a second try is refused until it is emptied
        } finally {
          await db.end();
        }
      } finally {
        await into.close();
      }
    });
  });

  it('cuts the restored log into transactions wherever a position goes back, and every so many rows', () => {
    expect(segmentStarts([], 5, 10)).toEqual([1]);
    expect(segmentStarts([3], 5, 10)).toEqual([1, 3]);
    expect(segmentStarts([3, 4], 25, 10)).toEqual([1, 3, 4, 14, 24]);
    expect(segmentStarts([], 0, 10)).toEqual([]);
  });
});
