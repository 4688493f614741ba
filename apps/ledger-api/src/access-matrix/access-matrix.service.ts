import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import type { Logger } from 'pino';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import type { Role } from '@pi-ledger/access-control/roles';
import {
  ACCESS_MATRIX_STREAM,
  AccessMatrixCommand,
  AccessMatrixState,
  decideAccessMatrix,
  DEFAULT_ACCESS_MATRIX,
  evolveAccessMatrix,
  initialAccessMatrix,
} from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { AccessMatrixEvent } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.events';
import { RequestContext, withMetadata } from '../application/request-context';

const MATRIX_FOLD: StreamFold<AccessMatrixState, AccessMatrixEvent> = { initialState: initialAccessMatrix, evolve: evolveAccessMatrix };

/** Every role but data_subject has a default row: a new role without one would read and write nothing unnoticed. */
export type MatrixRole = Exclude<Role, 'data_subject'>;
export const MATRIX_ROLES = Object.keys(DEFAULT_ACCESS_MATRIX satisfies Record<MatrixRole, unknown>) as MatrixRole[];

/** A matrix command as the HTTP edge makes it: without its time, which the clock gives. */
export type AccessMatrixChange = AccessMatrixCommand extends infer C ? (C extends { now: string } ? Omit<C, 'now'> : never) : never;

const SYSTEM: RequestContext = { actor: { id: 'system', roles: ['admin'] }, correlationId: 'access-matrix-seed', causationId: 'access-matrix-seed' };

/**
 * The `access-matrix` stream folded in memory, as the registry is: every read checks the stream's
 * version (one indexed query) and folds only what is new, so several API instances stay in step.
 */
@Injectable()
export class AccessMatrixService implements OnApplicationBootstrap {
  private readonly folded: CachedStreamFold<AccessMatrixState, AccessMatrixEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.folded = new CachedStreamFold(store, ACCESS_MATRIX_STREAM, MATRIX_FOLD);
  }

  /** Seeds the least-privilege defaults once, on the first start (another instance may seed them first). */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.store.streamVersion(ACCESS_MATRIX_STREAM)) > 0) return;
    const seeded = await this.execute({ type: 'SeedDefaults' }, SYSTEM);
    if (seeded.changed) this.logger.info('default category permission matrix seeded');
  }

  current(): Promise<AccessMatrixState> {
    return this.folded.current();
  }

  async execute(change: AccessMatrixChange, context: RequestContext): Promise<{ version: number; position: number; changed: boolean }> {
    const now = this.clock().toISOString();
    const result = await handleCommand(this.store, ACCESS_MATRIX_STREAM, MATRIX_FOLD, ({ state }) => decideAccessMatrix({ ...change, now }, state), {
      prepare: withMetadata(context),
    });
    return { version: result.version, position: result.position, changed: result.events.length > 0 };
  }
}
