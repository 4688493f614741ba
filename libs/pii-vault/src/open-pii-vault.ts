import { Pool } from 'pg';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { secretAad, unwrapKey, wrapKey } from './envelope';
import { generateKey, kekIdOf, loadMasterKey, MasterKey } from './master-key';
import { PiiVault, PiiVaultOptions } from './pii-vault';
import { MasterKeyMismatchError } from './pii-vault.errors';
import { VaultTables } from './vault-tables';

export const BLIND_INDEX_SECRET = 'blind-index-key';

export interface OpenPiiVaultOptions extends PiiVaultOptions {
  /** The master key, when the caller has loaded it already (the CLI needs to know its source). */
  masterKey?: MasterKey;
  /** Resuming a rotation: keys already wrapped by this new master key are expected, and usable. */
  rotatingTo?: Buffer;
  /** Drop keys shredded by other processes from the cache (LISTEN/NOTIFY). Default true. */
  listenForShreds?: boolean;
}

/**
 * The vault of this database under this process's master key. Refuses to open when the stored
 * keys were wrapped by another master key: carrying on would start a second set of keys that the
 * first set's data can never be read with.
 */
export async function openPiiVault(pool: Pool, config: LedgerConfig, logger: Logger, options: OpenPiiVaultOptions = {}): Promise<PiiVault> {
  const master = options.masterKey ?? (await loadMasterKey(config, logger));
  const keyring = new Map([[master.kekId, master.key]]);
  if (options.rotatingTo) keyring.set(kekIdOf(options.rotatingTo), options.rotatingTo);
  const tables = new VaultTables(pool);
  const log = logger.child({ component: 'pii-vault' });

  await checkKekIds(tables, master, keyring);
  const blindIndexKey = await loadBlindIndexKey(tables, master, keyring);
  const vault = new PiiVault(pool, tables, { kek: master.key, keyring, blindIndexKey }, options, log);
  if (options.listenForShreds ?? true) await vault.listenForShreds();
  log.info({ kekId: master.kekId, source: master.source }, 'pii vault open');
  return vault;
}

async function checkKekIds(tables: VaultTables, master: MasterKey, keyring: Map<string, Buffer>): Promise<void> {
  let inUse: string[];
  try {
    inUse = await tables.kekIdsInUse();
  } catch (error) {
    if ((error as { code?: string }).code === '42P01') {
      throw new Error('the vault tables do not exist: run `ledger db migrate` first', { cause: error });
    }
    throw error;
  }
  const unknown = inUse.filter((id) => !keyring.has(id));
  if (unknown.length === 0) return;
  const counts = await Promise.all(unknown.map(async (id) => `${await tables.countWrappedBy(id)} under kek id ${id}`));
  const ours = master.source === 'env' ? 'LEDGER_MASTER_KEY' : `the master key in ${master.path}`;
  if (!inUse.includes(master.kekId)) {
    throw new MasterKeyMismatchError(
      `${ours} does not match the key that wrapped the data keys (kek id ${unknown.join(', ')}); ` +
        `supply the master key with that id (this one has kek id ${master.kekId}). ` +
        `Stored keys: ${counts.join(', ')}. Nothing was written.`,
    );
  }
  throw new MasterKeyMismatchError(
    `a master-key rotation is unfinished: some keys are under ${ours} (kek id ${master.kekId}), others are not ` +
      `(${counts.join(', ')}); run \`ledger keys rotate-kek\` again with the same new key to finish it, ` +
      'keeping the old master key configured until it reports success.',
  );
}

/** The HMAC key of blind indexes: random, made on the first open, wrapped like a data key. */
async function loadBlindIndexKey(tables: VaultTables, master: MasterKey, keyring: Map<string, Buffer>): Promise<Buffer> {
  let row = await tables.findSecret(BLIND_INDEX_SECRET);
  if (!row) {
    const key = generateKey();
    const wrapped = wrapKey(master.key, key, secretAad(BLIND_INDEX_SECRET));
    if (await tables.insertSecret({ name: BLIND_INDEX_SECRET, wrapped, kek_id: master.kekId })) return key;
    row = await tables.findSecret(BLIND_INDEX_SECRET); // another process opened the vault first
    if (!row) throw new Error('the blind-index key vanished while the vault opened');
  }
  const kek = keyring.get(row.kek_id);
  if (!kek) await checkKekIds(tables, master, keyring); // a first opener with another master key won the race
  try {
    return unwrapKey(kek as Buffer, row.wrapped, secretAad(BLIND_INDEX_SECRET));
  } catch {
    throw new Error(`the blind-index key does not unwrap under kek id ${row.kek_id}: its row is corrupt or was altered`);
  }
}
