import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { BeforeApplicationShutdown, Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import type { Role } from '@pi-ledger/access-control/roles';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { StaffAccounts, StaffChange } from '@pi-ledger/access-control/staff-accounts/staff-accounts';
import { endAccountSessions, StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';
import { POSTGRES_EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import type { EventMetadata } from '@pi-ledger/event-store/event-store.port';
import type { PostgresEventStorePort } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG, LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { openPiiVault } from '@pi-ledger/pii-vault/open-pii-vault';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';

/** StaffAccounts for the CLI: the vault opened on first use (only `staff` commands need it) and closed before the pool ends. */
@Injectable()
export class CliStaffAccounts implements BeforeApplicationShutdown {
  private vault?: Promise<PiiVault>;

  constructor(
    @Inject(POSTGRES_EVENT_STORE) private readonly store: PostgresEventStorePort,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly sessions: StaffSessions,
    private readonly revocations: RevocationService,
  ) {}

  async accounts(): Promise<StaffAccounts> {
    this.vault ??= openPiiVault(this.pool, this.config, this.logger, { listenForShreds: false });
    return new StaffAccounts(this.store, this.pool, await this.vault, this.clock);
  }

  /** Who acts: the operating-system user who ran the CLI (as `audit export` records it). */
  metadata(): EventMetadata {
    let user: string;
    try {
      user = userInfo().username;
    } catch {
      user = process.env.USER ?? 'unknown';
    }
    return { actor: `cli:${user}`, roles: ['admin'], correlationId: randomUUID() };
  }

  /** Runs an account change; one that makes its tokens untrue also ends its sessions and refuses its tokens, as the API does. */
  async change(staffId: string, change: StaffChange, revocationReason?: string): Promise<boolean> {
    const accounts = await this.accounts();
    const metadata = this.metadata();
    const handled = await accounts.execute(staffId, change, metadata);
    if (handled.events.length === 0 || revocationReason === undefined) return handled.events.length > 0;
    const by = { actor: { id: metadata.actor, roles: metadata.roles as Role[] }, correlationId: metadata.correlationId };
    await endAccountSessions({ accounts, sessions: this.sessions, revocations: this.revocations }, staffId, revocationReason, by, this.clock());
    return true;
  }

  /** An account named by its username or its id. */
  async resolve(nameOrId: string): Promise<string> {
    const staffId = (await (await this.accounts()).staffIdOf(nameOrId.trim().toLowerCase())) ?? nameOrId;
    await (await this.accounts()).load(staffId); // staff-not-found otherwise
    return staffId;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const vault = await this.vault?.catch(() => undefined);
    await vault?.close();
  }
}
