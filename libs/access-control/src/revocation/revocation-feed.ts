import { Inject, Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import type { Logger } from 'pino';
import { LEDGER_CONFIG, LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { MAX_TTL_SECONDS } from '../token-claims';
import { RevocationCache, RevocationEntry } from './revocation-cache';
import type { RevocationKind } from './revocation.events';
import { REVOCATION_CHANNEL } from './revocation.service';

/** A row is kept until no token it refuses can still be valid: the longest lifetime the CLI issues, plus a day of clock skew. */
export const REVOCATION_RETENTION_SECONDS = MAX_TTL_SECONDS + 86_400;
const PRUNE_EVERY_MS = 3_600_000;

export type RevocationFeedConfig = Pick<LedgerConfig, 'revocationRefreshMs'>;

/**
 * Keeps this process's RevocationCache in step with `auth_revocations`: a NOTIFY applies a
 * revocation at once; every `revocationRefreshMs` the rows of transactions that were still running
 * (or not begun) at the last read's snapshot are read again, so a notification lost with its
 * connection (or never sent: the revoking process died after its commit) is applied within that
 * bound, and a lost LISTEN connection is opened again. Hourly, rows past retention are deleted and
 * the cache reloaded whole.
 */
@Injectable()
export class RevocationFeed implements OnModuleInit, OnModuleDestroy {
  /** Rows of transactions at or above this xid may not have been visible to the last read. */
  private horizon = '0';
  private listener?: PoolClient;
  private connecting = false;
  private timer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  /** A notification came while a re-read was running, which may have begun before that commit: read once more. */
  private again = false;
  private nextPruneAt = 0;
  private closed = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CONFIG) private readonly config: RevocationFeedConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    private readonly cache: RevocationCache,
  ) {}

  /** The whole table first: no request is authenticated before the revocations in force are known. */
  async onModuleInit(): Promise<void> {
    await this.listen().catch((error: unknown) => this.logger.warn({ err: error }, 'revocations: LISTEN failed; re-reading only until it is back'));
    await this.reload();
    this.schedule();
  }

  async onModuleDestroy(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.refreshing;
    this.dropListener();
  }

  /** One refresh now (tests, and the timer). */
  refresh(): Promise<void> {
    this.refreshing ??= this.tick().finally(() => {
      this.refreshing = undefined;
      if (this.again && !this.closed) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.refreshing;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(() => void this.refresh().finally(() => this.schedule()), this.config.revocationRefreshMs ?? 1000);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    try {
      if (!this.listener && !this.connecting) await this.listen().catch((error: unknown) => this.logger.debug({ err: error }, 'revocations: LISTEN still down'));
      const now = performance.now();
      if (now >= this.nextPruneAt) {
        this.nextPruneAt = now + PRUNE_EVERY_MS;
        await this.pool.query(`DELETE FROM auth_revocations WHERE recorded_at < now() - make_interval(secs => $1)`, [REVOCATION_RETENTION_SECONDS]);
        await this.reload();
        // what committed between that read and the swap of the cache
        await this.readSince(this.horizon, (entry) => this.cache.add(entry));
      } else {
        await this.readSince(this.horizon, (entry) => this.cache.add(entry));
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'revocations: re-read failed; retrying');
    }
  }

  private async reload(): Promise<void> {
    const entries: RevocationEntry[] = [];
    await this.readSince('0', (entry) => entries.push(entry));
    this.cache.replace(entries);
  }

  private async readSince(horizon: string, take: (entry: RevocationEntry) => void): Promise<void> {
    // one statement, one snapshot: its xmin bounds what it may have missed
    const { rows } = await this.pool.query<{ horizon: string; kind: RevocationKind | null; target: string | null; issued_before: number | null }>(
      `SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS horizon, r.kind, r.target, r.issued_before
         FROM (SELECT 1) AS one LEFT JOIN auth_revocations r ON r.txid >= $1::xid8`,
      [horizon],
    );
    for (const row of rows) {
      if (row.kind && row.target) take({ kind: row.kind, target: row.target, ...(row.issued_before === null ? {} : { issuedBefore: row.issued_before }) });
    }
    this.horizon = rows[0].horizon;
  }

  private async listen(): Promise<void> {
    this.connecting = true;
    try {
      const client = await this.pool.connect();
      const lost = () => {
        if (this.listener !== client) return;
        this.logger.warn('revocations: the LISTEN connection was lost; re-reading until it is back');
        this.dropListener();
      };
      client.on('error', lost);
      client.on('end', lost);
      client.on('notification', (message) => {
        if (message.channel === REVOCATION_CHANNEL) this.notified();
      });
      try {
        await client.query(`LISTEN ${REVOCATION_CHANNEL}`);
      } catch (error) {
        client.release(true);
        throw error;
      }
      if (this.closed) return client.release(true);
      this.listener = client;
    } finally {
      this.connecting = false;
    }
  }

  private dropListener(): void {
    const client = this.listener;
    this.listener = undefined;
    if (!client) return;
    client.removeAllListeners('notification');
    client.release(true);
  }

  /**
   * A notification only wakes the re-read: anyone who can connect may NOTIFY, so what is applied is
   * what the table holds, never the payload.
   */
  private notified(): void {
    if (this.refreshing) this.again = true;
    else void this.refresh();
  }
}
