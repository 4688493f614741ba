import { createHmac, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import type { AlongsideInsert } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { aad, dataKeyAad, FIELD_AAD_LABEL, open, seal, unwrapKey, wrapKey } from './envelope';
import { BoundedLru } from './key-cache';
import { rotateKek } from './kek-rotation';
import { generateKeys, kekIdOf } from './master-key';
import { normaliseEmail, normaliseIdNumber, normalisePhone, normaliseTag } from './normalise';
import { DataErasedError, DecryptionFailedError, MasterKeyMismatchError } from './pii-vault.errors';
import { ShredListener } from './shred-listener';
import { ShredVacuum, ShredVacuumMode } from './shred-vacuum';
import { KeyRef, KeyRow, newSubjectKeysRow, VaultTables } from './vault-tables';

export { DataErasedError } from './pii-vault.errors';
export type { KeyRef } from './vault-tables';
export type { JsonValue } from '@pi-ledger/event-store/event-store.port';

/** A field value as stored in an event: AES-256-GCM under the (subject, category) data key. */
export interface EncryptedValue {
  v: 1;
  /** The data key's id (uuid). */
  kid: string;
  iv: string;
  ct: string;
  tag: string;
}
export interface FieldContext {
  eventId: string;
  subjectId: string;
  category: string;
  field: string;
}
export interface ShredReason {
  reason: string;
  requestId?: string;
  actor: string;
}
export interface ShredTombstone {
  keyId: string;
  subjectId: string;
  category: string;
  destroyedAt: Date;
  reason: string;
  requestId?: string;
  actor: string;
}
/** `name_prefix`: a prefix of a name's search key (see nameSearchKey in the profile read model), for prefix search without the name in clear. */
export type BlindIndexKind = 'phone' | 'email' | 'id_number' | 'name_prefix' | 'tag' | 'health_term';

export interface PiiVaultOptions {
  /** Unwrapped data keys held in memory (LRU). Default 100,000 (a few hundred bytes each: tens of MiB), enough for a centre's active customers × categories. */
  cacheSize?: number;
  /** What runs after a shred to remove the row versions that still hold the keys. Default `vacuum`. */
  shredVacuum?: ShredVacuumMode;
  /** Subjects whose data keys rotateKek re-wraps per transaction. Default 500. */
  rotationBatchSize?: number;
}

/** What the vault runs on; `openPiiVault` assembles it. */
export interface VaultKeys {
  kek: Buffer;
  /** Every KEK this vault may unwrap with (the current one, and the target of a rotation being resumed). */
  keyring: Map<string, Buffer>;
  blindIndexKey: Buffer;
}

/**
 * The data keys of a subject that has none stored yet, made but not stored: `row` is inserted by
 * the append of the subject's first events, in the same statement (AppendOptions.alongside), so
 * keys and events commit together or not at all. Made by `PiiVault.draftKeys`.
 */
export class KeyDraft {
  /** @internal */
  constructor(
    readonly subjectId: string,
    /** @internal by category */
    readonly keys: ReadonlyMap<string, { keyId: string; key: Buffer }>,
    readonly row: AlongsideInsert,
    /** @internal the vault's eviction generation when the keys were made */
    readonly evictions: number,
  ) {}
}

interface CachedKey {
  keyId: string;
  /** null: shredded (erasure is final, so that much can be cached). */
  key: Buffer | null;
}

const NORMALISERS: Record<BlindIndexKind, (value: string) => string> = {
  phone: normalisePhone,
  email: normaliseEmail,
  id_number: normaliseIdNumber,
  // the caller passes the normalised search key's prefix: NFKC, lower case, no spaces
  name_prefix: (value) => value,
  tag: normaliseTag,
  // conditions, allergies and check-up indicators for the combined query, compared like tags
  health_term: normaliseTag,
};

export function isEncryptedValue(x: unknown): x is EncryptedValue {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const value = x as Record<string, unknown>;
  return value.v === 1 && Object.keys(value).length === 5 && ['kid', 'iv', 'ct', 'tag'].every((name) => typeof value[name] === 'string');
}

/**
 * Envelope encryption with crypto-shredding (architecture.md, decision 3): one data key per
 * subject × category, wrapped by the master key; shredding destroys the key and leaves a tombstone.
 */
export class PiiVault {
  private readonly cache: BoundedLru<string, CachedKey>;
  private readonly loading = new Map<string, Promise<CachedKey | undefined>>();
  /** Bumped whenever keys leave the cache, so a load that raced a shred does not put one back. */
  private evictions = 0;
  private readonly vacuum: ShredVacuum;
  private listener?: ShredListener;

  constructor(
    private readonly pool: Pool,
    private readonly tables: VaultTables,
    private keys: VaultKeys,
    private readonly options: PiiVaultOptions,
    private readonly logger: Logger,
  ) {
    this.cache = new BoundedLru(options.cacheSize ?? 100_000);
    this.vacuum = new ShredVacuum(tables, options.shredVacuum ?? 'vacuum', logger);
  }

  /** Evicts keys that other processes shred, from now on (LISTEN); `close()` stops it. */
  async listenForShreds(): Promise<void> {
    const listener = new ShredListener(
      this.pool,
      (subjectId) => this.evictSubject(subjectId),
      () => this.evictAll(),
    );
    await listener.start();
    this.listener = listener;
  }

  async close(): Promise<void> {
    await this.listener?.close();
    this.listener = undefined;
  }

  /** Hex id of the master key in use (see `kekIdOf`). */
  get kekId(): string {
    return kekIdOf(this.keys.kek);
  }

  /** Data keys held in memory now; never more than `cacheSize`. */
  get cachedKeys(): number {
    return this.cache.size;
  }

  /** Under the subject's key for the category: the draft's when one is given, else stored (and created when missing). */
  async encrypt(context: FieldContext, value: JsonValue, draft?: KeyDraft): Promise<EncryptedValue> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new TypeError(`field ${context.field} of event ${context.eventId} is not a JSON value`);
    const additional = fieldAad(context);
    const dataKey = draft ? draftKey(draft, context) : await this.usableKey(context, true);
    const { iv, ct, tag } = seal(dataKey.key, Buffer.from(text, 'utf8'), additional);
    return { v: 1, kid: dataKey.keyId, iv: iv.toString('base64'), ct: ct.toString('base64'), tag: tag.toString('base64') };
  }

  async decrypt(context: FieldContext, value: EncryptedValue): Promise<JsonValue> {
    if (!isEncryptedValue(value)) throw new DecryptionFailedError(context.eventId, context.field);
    const additional = fieldAad(context);
    const dataKey = await this.usableKey(context, false);
    if (dataKey.keyId !== value.kid) throw new DecryptionFailedError(context.eventId, context.field);
    const sealed = { iv: Buffer.from(value.iv, 'base64'), ct: Buffer.from(value.ct, 'base64'), tag: Buffer.from(value.tag, 'base64') };
    let plaintext: Buffer;
    try {
      plaintext = open(dataKey.key, sealed, additional);
    } catch {
      throw new DecryptionFailedError(context.eventId, context.field);
    }
    return JSON.parse(plaintext.toString('utf8')) as JsonValue;
  }

  async encryptFields(context: Omit<FieldContext, 'field'>, fields: Record<string, JsonValue>): Promise<Record<string, EncryptedValue>> {
    const entries = await Promise.all(Object.entries(fields).map(async ([field, value]) => [field, await this.encrypt({ ...context, field }, value)] as const));
    return Object.fromEntries(entries);
  }

  async decryptFields(context: Omit<FieldContext, 'field'>, fields: Record<string, EncryptedValue>): Promise<Record<string, JsonValue>> {
    const entries = await Promise.all(Object.entries(fields).map(async ([field, value]) => [field, await this.decrypt({ ...context, field }, value)] as const));
    return Object.fromEntries(entries);
  }

  /**
   * Destroys the subject's data keys (all categories when `categories` is undefined) and keeps a
   * tombstone for each. Idempotent: returns the tombstones of the keys destroyed by this call.
   */
  async shred(subjectId: string, categories: string[] | undefined, why: ShredReason): Promise<ShredTombstone[]> {
    if (!subjectId) throw new TypeError('shred needs a subject id');
    if (!why.reason?.trim() || !why.actor?.trim()) throw new TypeError('shred needs a reason and an actor');
    const rows = await this.tables.shred(subjectId, categories, why);
    this.evictSubject(subjectId);
    if (rows.length > 0) {
      this.logger.info({ subjectId, categories: rows.map((row) => row.category), requestId: why.requestId }, 'data keys shredded');
      await this.vacuum.request();
    }
    return rows.map(toTombstone);
  }

  async tombstones(subjectId: string): Promise<ShredTombstone[]> {
    return (await this.tables.tombstones(subjectId)).map(toTombstone);
  }

  hasLiveKey(subjectId: string, category: string): Promise<boolean> {
    return this.tables.hasLiveKey(subjectId, category);
  }

  /**
   * Loads the data keys of these (subject, category) pairs that are not cached, so that the values
   * of a command's events (or a projection's batch) cost one statement instead of one per key:
   * one SELECT for all of them, or with `create` one statement per subject, which also creates the
   * keys that do not exist yet. Shredded keys come back as tombstones: encrypt and decrypt then
   * throw DataErasedError as they would have.
   */
  async prepareKeys(refs: readonly KeyRef[], create: boolean): Promise<void> {
    const cold = refs.filter((ref) => !this.cache.get(cacheId(ref)));
    if (!create) {
      if (cold.length > 0) await this.loadKeys(cold, false);
      return;
    }
    const bySubject = new Map<string, KeyRef[]>();
    for (const ref of cold) bySubject.set(ref.subjectId, [...(bySubject.get(ref.subjectId) ?? []), ref]);
    await Promise.all([...bySubject.values()].map((subjectRefs) => this.loadKeys(subjectRefs, true)));
  }

  /**
   * New data keys for these categories of a subject that has none stored (its first events are
   * being appended), wrapped, not stored: the append stores `draft.row` with the events, and
   * `adopt(draft)` caches them once it has committed. Should the subject have keys after all (the
   * append then fails with AlongsideConflict, writing nothing), seal again without a draft.
   */
  draftKeys(subjectId: string, categories: readonly string[]): KeyDraft {
    if (!subjectId) throw new TypeError('data keys need a subject id');
    if (categories.length === 0 || new Set(categories).size !== categories.length) throw new TypeError('a key draft needs distinct categories');
    const keys = generateKeys(categories.length);
    const made = categories.map((category, i) => {
      const keyId = randomUUID();
      return { keyId, category, key: keys[i], wrapped: wrapKey(this.keys.kek, keys[i], dataKeyAad(keyId, subjectId, category)) };
    });
    return new KeyDraft(subjectId, new Map(made.map((key) => [key.category, { keyId: key.keyId, key: key.key }])), newSubjectKeysRow(subjectId, made, this.kekId), this.evictions);
  }

  /** False when one of these keys is cached, so stored: the subject's keys are not for a draft. */
  canDraftKeys(refs: readonly KeyRef[]): boolean {
    return !refs.some((ref) => this.cache.get(cacheId(ref)));
  }

  /** Caches a draft's keys once the append that stored them has committed (unless a shred came since). */
  adopt(draft: KeyDraft): void {
    if (draft.evictions !== this.evictions) return;
    for (const [category, key] of draft.keys) this.cache.set(cacheId({ subjectId: draft.subjectId, category }), key);
  }

  /** Hex HMAC-SHA256 of `kind` and the normalised value, under the blind-index key. */
  blindIndex(kind: BlindIndexKind, value: string): string {
    const normalise = NORMALISERS[kind];
    if (!normalise) throw new TypeError(`no blind index of kind ${String(kind)}`);
    const normalised = normalise(value);
    if (!normalised) throw new TypeError(`cannot index an empty ${kind}`);
    return createHmac('sha256', this.keys.blindIndexKey).update(`${kind}\n${normalised}`, 'utf8').digest('hex');
  }

  /**
   * A keyed digest for values that must be matched later but never read back (idempotency request
   * hashes, client-chosen keys). Domain-separated from the blind indexes; useless without the
   * master key, so a database dump cannot brute-force the personal data inside the input.
   */
  keyedDigest(domain: string, value: string): string {
    return createHmac('sha256', this.keys.blindIndexKey).update(`digest:${domain}\n${value}`, 'utf8').digest('hex');
  }

  /** Re-wraps every data key and the blind-index key under `newKek`; this vault then uses it. */
  async rotateKek(newKek: Buffer, onProgress?: (done: number, total: number) => void): Promise<{ rewrapped: number }> {
    if (newKek.length !== 32) throw new TypeError('a master key is 32 bytes');
    const result = await rotateKek(this.pool, this.keys.keyring, newKek, {
      batchSize: this.options.rotationBatchSize ?? 500,
      onProgress,
    });
    this.keys = { ...this.keys, kek: newKek, keyring: new Map([[kekIdOf(newKek), newKek]]) };
    this.logger.info({ kekId: kekIdOf(newKek), rewrapped: result.rewrapped }, 'master key rotated');
    return result;
  }

  /** Drops every cached key of a subject (on shred, here or in another process). */
  evictSubject(subjectId: string): void {
    this.evictions++;
    this.cache.deleteWhere((id) => id.startsWith(`${subjectId}\n`));
  }

  evictAll(): void {
    this.evictions++;
    this.cache.clear();
  }

  private async usableKey(context: FieldContext, create: boolean): Promise<{ keyId: string; key: Buffer }> {
    const dataKey = await this.dataKey(context.subjectId, context.category, create);
    if (!dataKey) throw new DecryptionFailedError(context.eventId, context.field);
    if (!dataKey.key) throw new DataErasedError(context.subjectId, context.category);
    return { keyId: dataKey.keyId, key: dataKey.key };
  }

  /** From the cache, or loaded (and created when `create`) once however many callers ask at once. */
  private async dataKey(subjectId: string, category: string, create: boolean): Promise<CachedKey | undefined> {
    const ref = { subjectId, category };
    const cached = this.cache.get(cacheId(ref));
    if (cached) return cached;
    return (await this.loadKeys([ref], create))[0];
  }

  /**
   * Loads the keys of `refs` in one statement (creating the missing ones when `create`), except
   * those another call is loading already, which it waits for. A key is cached once its statement
   * has returned, unless a shred or a lost LISTEN emptied the cache meanwhile: the key may be one
   * destroyed since.
   */
  private async loadKeys(refs: readonly KeyRef[], create: boolean): Promise<Array<CachedKey | undefined>> {
    const evictions = this.evictions;
    const missing = new Map<string, KeyRef>();
    for (const ref of refs) if (!this.loading.has(flightId(ref, create, evictions))) missing.set(flightId(ref, create, evictions), ref);
    if (missing.size > 0) {
      const batch = this.fetch([...missing.values()], create).then((loaded) => {
        if (evictions === this.evictions) for (const [id, key] of loaded) this.cache.set(id, key);
        return loaded;
      });
      for (const [flight, ref] of missing) {
        this.loading.set(
          flight,
          batch.then((loaded) => loaded.get(cacheId(ref))).finally(() => this.loading.delete(flight)),
        );
      }
    }
    // eslint-disable-next-line @typescript-eslint/await-thenable -- the map holds the in-flight loads' promises
    return Promise.all(refs.map((ref) => this.loading.get(flightId(ref, create, evictions))));
  }

  /** Reads the keys of `refs`; with `create`, makes one for each (all of one subject) and keeps those that exist. */
  private async fetch(refs: readonly KeyRef[], create: boolean): Promise<Map<string, CachedKey>> {
    if (!create) return this.cachedKeysOf(await this.tables.findKeys(refs), new Map());
    const subjectId = refs[0].subjectId;
    if (refs.some((ref) => ref.subjectId !== subjectId)) throw new Error('data keys are created for one subject at a time');
    const keys = generateKeys(refs.length);
    const made = refs.map((ref, i) => {
      const keyId = randomUUID();
      const key = keys[i];
      return { keyId, category: ref.category, key, wrapped: wrapKey(this.keys.kek, key, dataKeyAad(keyId, subjectId, ref.category)) };
    });
    const rows = await this.tables.createKeys(subjectId, made, this.kekId);
    return this.cachedKeysOf(rows, new Map(made.map((key) => [key.keyId, key.key])));
  }

  /** By cache id; `plain` holds the keys made here, which need no unwrapping. */
  private cachedKeysOf(rows: readonly KeyRow[], plain: ReadonlyMap<string, Buffer>): Map<string, CachedKey> {
    return new Map(
      rows.map((row) => [
        cacheId({ subjectId: row.subject_id, category: row.category }),
        { keyId: row.key_id, key: row.wrapped_key ? (plain.get(row.key_id) ?? this.unwrap(row)) : null },
      ]),
    );
  }

  private unwrap(row: KeyRow): Buffer {
    const kek = this.keys.keyring.get(row.kek_id);
    if (!kek) {
      throw new MasterKeyMismatchError(
        `data key ${row.key_id} is wrapped by kek id ${row.kek_id}, but this process holds kek id ${this.kekId}: ` +
          'the master key was rotated; restart with the new LEDGER_MASTER_KEY (or master.key)',
      );
    }
    try {
      return unwrapKey(kek, row.wrapped_key as Buffer, dataKeyAad(row.key_id, row.subject_id, row.category));
    } catch {
      throw new Error(`data key ${row.key_id} does not unwrap under kek id ${row.kek_id}: its row is corrupt or was altered`);
    }
  }
}

function draftKey(draft: KeyDraft, context: FieldContext): { keyId: string; key: Buffer } {
  const key = draft.subjectId === context.subjectId ? draft.keys.get(context.category) : undefined;
  if (!key) throw new TypeError(`the key draft of subject ${draft.subjectId} has no key for ${context.category} of subject ${context.subjectId}`);
  return key;
}

function cacheId(ref: KeyRef): string {
  return `${ref.subjectId}\n${ref.category}`;
}

/** Per eviction generation: a call made after a shred never joins a load that began before it. */
function flightId(ref: KeyRef, create: boolean, evictions: number): string {
  return `${cacheId(ref)}\n${create}\n${evictions}`;
}

function fieldAad(context: FieldContext): Buffer {
  return aad(FIELD_AAD_LABEL, [context.eventId, context.subjectId, context.category, context.field]);
}

function toTombstone(row: {
  key_id: string;
  subject_id: string;
  category: string;
  destroyed_at: Date;
  destroy_reason: string;
  request_id: string | null;
  destroyed_by: string;
}): ShredTombstone {
  return {
    keyId: row.key_id,
    subjectId: row.subject_id,
    category: row.category,
    destroyedAt: row.destroyed_at,
    reason: row.destroy_reason,
    ...(row.request_id === null ? {} : { requestId: row.request_id }),
    actor: row.destroyed_by,
  };
}
