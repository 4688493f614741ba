import { createPublicKey, KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamicModule, Inject, Module } from '@nestjs/common';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { Presets, SingleBar } from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { Client, Pool } from 'pg';
import type { Logger } from 'pino';
import { auditPublicKeyFrom, keyIdOf, TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { AUDIT_SIGNING_KEY_FILE, loadAuditSigningKey } from '@pi-ledger/audit/audit-signing-key';
import { AuditVerifier } from '@pi-ledger/audit/audit-verifier';
import { LEDGER_CONFIG, LEDGER_DATABASE, LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { migrateLedgerDatabase, OpenDatabase } from '@pi-ledger/platform/database/ledger-database';
import { loadMasterKey, MASTER_KEY_FILE } from '@pi-ledger/pii-vault/master-key';
import { assertBackupSigned, BackupError, readBackup, TableSummary } from './backup-archive';
import { createBackup } from './create-backup';
import { CLI_APPLICATION_NAME } from '../cli-application-name';
import { ProgramName } from '../program-name';
import { checkCompatible, checkEmptyTarget, restoreBackup } from './restore-backup';
import { appliedMigrations, assertBackupShape } from './backup-tables';

/** Exit status of `backup verify` for a damaged file (1 stays "the command failed"). */
export const EXIT_DAMAGED = 3;

@SubCommand({
  name: 'create',
  arguments: '<file>',
  description:
    'write a backup of the ledger (the log, the vault’s wrapped keys and tombstones, the audit tree, certificates) from one snapshot, ' +
    'while the service runs; it holds no key: keep the master key apart, a restore needs it',
})
export class BackupCreateCommand extends CommandRunner {
  constructor(
    @Inject(LEDGER_DATABASE) private readonly database: OpenDatabase,
    @Inject(TreeHeadSigner) private readonly signer: TreeHeadSigner,
  ) {
    super();
  }

  async run([file]: string[]): Promise<void> {
    const summary = await withClient(this.database, (db) =>
      withProgress('backing up', (progress) => createBackup(db, resolve(file), { signer: this.signer, onProgress: progress })),
    );
    const { manifest } = summary;
    process.stdout.write(
      `backup written to ${summary.file}: ${count(manifest.events, 'event')} (last position ${manifest.lastPosition}), audit tree of ${manifest.treeSize} leaves\n` +
        describeTables(summary.tables) +
        `signed with audit key ${this.signer.keyId}; master key id ${manifest.kekIds.join(', ') || '(no keys yet)'}: a restore needs both keys\n`,
    );
  }
}

@SubCommand({
  name: 'verify',
  arguments: '<file>',
  description:
    'check that a backup file is whole (every digest, count and table), of this release and signed by the audit key ' +
    '(--public-key, else the one the file names); exit 0 when it is, 3 when not',
})
export class BackupVerifyCommand extends CommandRunner {
  @Option({ flags: '--public-key <file>', description: 'the ledger’s published audit public key (PEM): the signature must be its' })
  parsePublicKey(path: string): KeyObject {
    try {
      return auditPublicKeyFrom(createPublicKey(readFileSync(path, 'utf8')));
    } catch (error) {
      throw new InvalidArgumentError(`${path}: not an Ed25519 public key in PEM (${(error as Error).message})`);
    }
  }

  async run([file]: string[], options: { publicKey?: KeyObject } = {}): Promise<void> {
    try {
      const path = resolve(file);
      const { manifest, tables, end } = await readBackup(path, () => undefined);
      assertBackupShape(path, manifest, tables);
      const key = options.publicKey ?? auditPublicKeyFrom(manifest.auditPublicKey.publicKeyPem);
      assertBackupSigned(path, end, key, options.publicKey ? 'the given public key' : 'the audit key it names');
      const trust = options.publicKey
        ? `signed by the given audit key ${keyIdOf(key)}`
        : `signed by the audit key it names, ${keyIdOf(key)} (compare that id with the key you publish, or pass --public-key)`;
      process.stdout.write(
        `backup intact: made ${manifest.createdAt}, ${count(manifest.events, 'event')}, audit tree of ${count(manifest.treeSize, 'leaf')}, ` +
          `master key id ${manifest.kekIds.join(', ') || '(none)'}, last migration ${manifest.migrations.at(-1)}, PostgreSQL ${manifest.postgresVersion}; ${trust}\n` +
          describeTables(tables),
      );
    } catch (error) {
      if (!(error instanceof BackupError)) throw error;
      process.stdout.write(`backup NOT intact: ${error.message}\n`);
      process.exitCode = EXIT_DAMAGED;
    }
  }
}

@SubCommand({
  name: 'restore',
  arguments: '<file>',
  description:
    'restore a backup into an empty ledger (a new data directory, or an empty DATABASE_URL), with the service stopped; ' +
    'checks the file, the release and the master key first, and verifies the audit trail after',
})
export class BackupRestoreCommand extends CommandRunner {
  constructor(
    @Inject(LEDGER_DATABASE) private readonly database: OpenDatabase,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    /** null: no audit signing key in the data directory (RestoreBackupModule never makes one). */
    @Inject(AuditVerifier) private readonly verifier: AuditVerifier | null,
    @Inject(TreeHeadSigner) private readonly signer: TreeHeadSigner | null,
  ) {
    super();
  }

  async run([file]: string[]): Promise<void> {
    const path = resolve(file);
    process.stderr.write(`checking ${path}…\n`);
    const { manifest, tables, end } = await readBackup(path, () => undefined);
    assertBackupShape(path, manifest, tables);
    const [verifier, signer] = [this.verifier, this.signer];
    if (!verifier || !signer) {
      throw new BackupError(
        `no audit signing key: put the backup's audit-signing-key.pem (key id ${end.keyId}) at ` +
          `${join(this.config.dataDir, AUDIT_SIGNING_KEY_FILE)}: the restore checks the backup and its tree heads with it, and the ledger signs with it; nothing was written`,
      );
    }
    assertBackupSigned(path, end, signer.verificationKey, `this ledger's audit key ${signer.keyId} (install the backup's audit-signing-key.pem); nothing was written`);
    const keyFile = join(this.config.dataDir, MASTER_KEY_FILE);
    if (!this.config.masterKey && !existsSync(keyFile)) {
      throw new BackupError(
        `no master key: set LEDGER_MASTER_KEY, or put the master.key the backup was made under (kek id ${manifest.kekIds.join(', ') || 'any'}) at ${keyFile}; nothing was written`,
      );
    }
    const restored = await withClient(this.database, async (db) => {
      await checkEmptyTarget(db);
      await migrateLedgerDatabase(this.database.url, (line) => this.logger.info(line));
      const master = await loadMasterKey(this.config, this.logger); // present: read, never generated here
      checkCompatible(manifest, { migrations: await appliedMigrations(db), kekId: master.kekId, kekSource: master.source === 'env' ? 'LEDGER_MASTER_KEY' : master.path });
      try {
        return await withProgress('restoring', (progress) => restoreBackup(db, path, progress));
      } catch (error) {
        throw new Error(
          `${error instanceof Error ? error.message : String(error)}\nthe database is partly restored: empty it (a new data directory, or drop and recreate the database) and restore again`,
          { cause: error },
        );
      }
    });
    // the installed key only: the backup's own manifest names a key, but nothing vouches for it
    const verification = await verifier.verify({ allowPending: true });
    const lines = [
      `restored ${count(restored.events, 'event')} (in ${count(restored.eventTransactions, 'transaction')}, global order kept) and the vault, audit tree and certificates of a backup made ${manifest.createdAt}`,
      describeTables(restored.tables).trimEnd(),
      verification.ok
        ? `audit trail intact: ${verification.events} events, ${verification.leaves} leaves, ${verification.treeHeads} signed tree heads checked under the installed audit key ${signer.keyId}`
        : `audit trail NOT intact after the restore (checked under the installed audit key ${signer.keyId}): ${verification.failure?.message}`,
      'start the service: the projections rebuild the read models from the restored log (ledger projections status shows how far)',
    ];
    lines.push(
      `erasures after ${manifest.createdAt} are not in this backup: their subjects’ data is back; erase them again from their certificates ` +
        '(POST /v1/erasure-certificates/reapply, docs/operations.md "Backup and restore")',
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    if (!verification.ok) process.exitCode = EXIT_DAMAGED;
  }
}

@Command({ name: 'backup', description: 'back up and restore the ledger', subCommands: [BackupCreateCommand, BackupVerifyCommand, BackupRestoreCommand] })
export class BackupCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const BACKUP_COMMANDS = [BackupCommand, BackupCreateCommand, BackupVerifyCommand, BackupRestoreCommand];

/** `backup verify` alone, for a machine with no ledger: it reads a file, and opens no database and makes no key. */
@Command({ name: 'backup', description: 'check a backup file', subCommands: [BackupVerifyCommand] })
class OfflineBackupCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

@Module({ providers: [ProgramName, OfflineBackupCommand, BackupVerifyCommand] })
export class OfflineBackupModule {}

/** True for the command lines OfflineBackupModule serves. */
export const isOfflineBackupCommand = (argv: readonly string[]): boolean => argv[2] === 'backup' && argv[3] === 'verify';

/**
 * `backup restore` alone: the database and the audit key, but not the vault, whose opening would
 * generate a master key in a new data directory before the restore could ask for the backup's.
 */
@Command({ name: 'backup', description: 'restore a backup', subCommands: [BackupRestoreCommand] })
class RestoreBackupCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

@Module({})
export class RestoreBackupModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: RestoreBackupModule,
      imports: [PlatformModule.forRoot(config, logger, { migrateOnStart: false, applicationName: CLI_APPLICATION_NAME })],
      providers: [
        ProgramName,
        RestoreBackupCommand,
        BackupRestoreCommand,
        // the data directory's audit key when there is one, never a new one (BackupRestoreCommand refuses without it)
        {
          provide: TreeHeadSigner,
          useFactory: () => (existsSync(join(config.dataDir, AUDIT_SIGNING_KEY_FILE)) ? loadAuditSigningKey(config, logger) : null),
        },
        {
          provide: AuditVerifier,
          inject: [PG_POOL, TreeHeadSigner],
          useFactory: (pool: Pool, signer: TreeHeadSigner | null) => signer && new AuditVerifier(pool, signer.verificationKey),
        },
      ],
    };
  }
}

export const isRestoreCommand = (argv: readonly string[]): boolean => argv[2] === 'backup' && argv[3] === 'restore';

async function withClient<T>(database: OpenDatabase, work: (db: Client) => Promise<T>): Promise<T> {
  const db = new Client({ connectionString: database.url, application_name: CLI_APPLICATION_NAME });
  await db.connect();
  try {
    return await work(db);
  } finally {
    await db.end();
  }
}

/** One progress bar on stderr, started afresh for each table. */
async function withProgress<T>(verb: string, work: (progress: (table: string, done: number, total: number) => void) => Promise<T>): Promise<T> {
  const bar = new SingleBar({ stream: process.stderr, format: `${verb} {table} [{bar}] {percentage}% | {value}/{total} rows`, hideCursor: true }, Presets.shades_classic);
  let current: string | undefined;
  try {
    return await work((table, done, total) => {
      if (table !== current) {
        if (current !== undefined) bar.stop();
        bar.start(total, done, { table });
        current = table;
      }
      bar.setTotal(Math.max(total, done));
      bar.update(done, { table });
    });
  } finally {
    if (current !== undefined) bar.stop();
  }
}

function describeTables(tables: readonly TableSummary[]): string {
  return tables.map((table) => `  ${table.table}: ${count(table.rows, 'row')}\n`).join('');
}

const count = (n: number, one: string) => `${n} ${n === 1 ? one : one === 'leaf' ? 'leaves' : `${one}s`}`;
