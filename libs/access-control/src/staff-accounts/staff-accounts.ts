import { Pool } from 'pg';
import { v7 as uuidv7, validate as isUuid } from 'uuid';
import { DEFAULT_RETRY, handleCommand, HandledCommand, readWholeStream, RetryPolicy, StreamFold } from '@pi-ledger/event-store/command-handler';
import { AlongsideConflict } from '@pi-ledger/event-store/event-store.errors';
import type { AnyDomainEvent, EventMetadata, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { PostgresEventStorePort } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import type { LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import {
  decideStaffAccount,
  evolveStaffAccount,
  initialStaffAccount,
  StaffAccount,
  StaffAccountCommand,
  StaffAccountState,
  staffAccountStream,
} from '@pi-ledger/ledger-domain/staff/staff-account.decider';
import type { Sealable, StaffAccountEvent } from '@pi-ledger/ledger-domain/staff/staff-account.events';
import { decideSignin, evolveSignin, initialSignin, StaffSigninCommand, StaffSigninState, staffSigninStream } from '@pi-ledger/ledger-domain/staff/staff-signin.decider';
import type { StaffSigninEvent } from '@pi-ledger/ledger-domain/staff/staff-signin.events';
import type { StaffErrorCode } from '@pi-ledger/ledger-domain/staff/staff.errors';
import { generateOneTimePassword, hashPassword } from './passwords';
import { StaffEvent, StaffEventCodec } from './staff-event-codec';

const ACCOUNT_FOLD: StreamFold<StaffAccountState, StaffAccountEvent> = { initialState: initialStaffAccount, evolve: evolveStaffAccount };
const SIGNIN_FOLD: StreamFold<StaffSigninState, StaffSigninEvent> = { initialState: initialSignin, evolve: evolveSignin };
/** Sign-ins of one account may come at once (a shared front-desk terminal, a script retrying): more attempts than an admin's edit gets before 409. */
const SIGNIN_RETRY: RetryPolicy = { ...DEFAULT_RETRY, maxAttempts: 10 };

/** A staff account command as callers make it: the clock gives its time. */
export type StaffChange = StaffAccountCommand extends infer C ? (C extends { now: string } ? Omit<C, 'now'> : never) : never;
export type SigninChange = StaffSigninCommand extends infer C ? (C extends { now: string } ? Omit<C, 'now' | 'staffId'> : never) : never;

export interface NewStaffAccount {
  username: string;
  displayName: string;
  roles: string[];
  departmentId: string | null;
}

export interface LoadedAccount {
  /** With its sealed values opened: the display name, the current password hash and TOTP secret. */
  account: StaffAccount;
  version: number;
}

/**
 * Staff accounts over the event store, for the API and the CLI alike: every change through
 * handleCommand, sealed by StaffEventCodec, the actor in each event's metadata. A username is claimed
 * by a row of `staff_usernames` that the creating append inserts itself, so two accounts can never
 * share one (409 username-taken).
 */
export class StaffAccounts {
  private readonly codec: StaffEventCodec;

  constructor(
    private readonly store: PostgresEventStorePort,
    private readonly pool: Pool,
    vault: PiiVault,
    private readonly clock: LedgerClock,
  ) {
    this.codec = new StaffEventCodec(vault);
  }

  async create(input: NewStaffAccount, metadata: EventMetadata): Promise<{ staffId: string; oneTimePassword: string; version: number; position: number }> {
    const staffId = uuidv7();
    const oneTimePassword = generateOneTimePassword();
    const oneTimePasswordHash = await hashPassword(oneTimePassword);
    const username = input.username;
    try {
      const result = await this.run(
        staffAccountStream(staffId),
        ACCOUNT_FOLD,
        (now, state) => decideStaffAccount({ type: 'CreateStaffAccount', staffId, ...input, username, oneTimePasswordHash, now }, state),
        metadata,
        { alongside: { name: 'staff-username', into: 'staff_usernames (username, staff_id)', types: ['text', 'uuid'], values: [username, staffId] } },
      );
      return { staffId, oneTimePassword, version: result.version, position: result.position };
    } catch (error) {
      if (error instanceof AlongsideConflict) throw new DomainError<'username-taken'>('username-taken', 'another account has this username', { username });
      throw error;
    }
  }

  async execute(staffId: string, change: StaffChange, metadata: EventMetadata, expectedVersion?: number): Promise<HandledCommand<StaffAccountState, StaffAccountEvent>> {
    this.assertId(staffId);
    return this.run(staffAccountStream(staffId), ACCOUNT_FOLD, (now, state) => decideStaffAccount({ ...change, now }, state), metadata, {}, expectedVersion);
  }

  async recordSignin(staffId: string, change: SigninChange, metadata: EventMetadata): Promise<HandledCommand<StaffSigninState, StaffSigninEvent>> {
    return this.run(staffSigninStream(staffId), SIGNIN_FOLD, (now, state) => decideSignin({ ...change, staffId, now }, state), metadata, {}, undefined, SIGNIN_RETRY);
  }

  /** The account with its secrets opened, or staff-not-found. */
  async load(staffId: string): Promise<LoadedAccount> {
    this.assertId(staffId);
    const events = await this.openStream<StaffAccountEvent>(staffAccountStream(staffId));
    const state = events.reduce<StaffAccountState>((current, { event }) => evolveStaffAccount(current, event), initialStaffAccount());
    if (state.status === 'absent') throw notFound();
    return { account: state, version: events.at(-1)?.recorded.streamVersion ?? 0 };
  }

  async signinState(staffId: string): Promise<StaffSigninState> {
    const events = await readWholeStream<StaffSigninEvent>(this.store, staffSigninStream(staffId));
    return events.reduce(evolveSignin, initialSignin());
  }

  /** The sign-in history, opened (IP addresses), oldest first. */
  async signinHistory(staffId: string): Promise<Array<{ event: StaffSigninEvent; recorded: RecordedEvent<StaffSigninEvent> }>> {
    return this.openStream<StaffSigninEvent>(staffSigninStream(staffId));
  }

  async staffIdOf(username: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ staff_id: string }>('SELECT staff_id FROM staff_usernames WHERE username = $1', [username]);
    return rows[0]?.staff_id;
  }

  /** Every account, by username (a centre has hundreds, not millions: each stream is read whole). */
  async list(): Promise<LoadedAccount[]> {
    const { rows } = await this.pool.query<{ staff_id: string }>('SELECT staff_id FROM staff_usernames ORDER BY username');
    const loaded = await Promise.all(rows.map((row) => this.load(row.staff_id).catch(() => undefined)));
    return loaded.filter((entry): entry is LoadedAccount => entry !== undefined);
  }

  private async openStream<E extends StaffEvent>(streamId: string): Promise<Array<{ event: E; recorded: RecordedEvent<E> }>> {
    const recorded = await readWholeStream<E>(this.store, streamId);
    return Promise.all(recorded.map(async (entry) => ({ event: await this.codec.open(entry), recorded: entry })));
  }

  private async run<State, E extends StaffEvent & AnyDomainEvent>(
    streamId: string,
    fold: StreamFold<State, E>,
    decide: (now: string, state: State) => E[],
    metadata: EventMetadata,
    options: { alongside?: { name: string; into: string; types: string[]; values: unknown[] } } = {},
    expectedVersion?: number,
    retry?: RetryPolicy,
  ): Promise<HandledCommand<State, E>> {
    return handleCommand(this.store, streamId, fold, ({ state }) => decide(this.clock().toISOString(), state), {
      expectedVersion,
      retry,
      prepare: async (events) => ({
        events: await Promise.all(
          events.map(async (event) => {
            const eventId = uuidv7();
            const sealed = await this.codec.seal(event, eventId);
            return { eventId, type: sealed.type, data: sealed.data, metadata };
          }),
        ),
        options,
      }),
    });
  }

  private assertId(staffId: string): void {
    if (!isUuid(staffId)) throw notFound();
  }
}

const notFound = () => new DomainError<StaffErrorCode>('staff-not-found', 'no staff account with this id');

/** A secret of a loaded account (opened by `load`): a string, or a fault here. */
export function openedSecret(value: Sealable): string {
  if (typeof value !== 'string') throw new TypeError('a sealed value of the account was not opened');
  return value;
}
