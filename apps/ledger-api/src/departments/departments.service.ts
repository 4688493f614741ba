import { Inject, Injectable } from '@nestjs/common';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { Department, DepartmentCommand, DepartmentsState, decideDepartments, DEPARTMENTS_FOLD } from '@pi-ledger/ledger-domain/departments/department.decider';
import { DEPARTMENTS_STREAM, DepartmentEvent } from '@pi-ledger/ledger-domain/departments/department.events';
import { RequestContext, withMetadata } from '../application/request-context';

/** A department command as the HTTP edge makes it: without its time, which the clock gives. */
export type DepartmentChange = DepartmentCommand extends infer C ? (C extends { now: string } ? Omit<C, 'now'> : never) : never;

/** The `departments` stream folded in memory, as the registry and the access matrix are; commands on the one command path. */
@Injectable()
export class DepartmentsService {
  private readonly folded: CachedStreamFold<DepartmentsState, DepartmentEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    this.folded = new CachedStreamFold(store, DEPARTMENTS_STREAM, DEPARTMENTS_FOLD);
  }

  current(): Promise<DepartmentsState> {
    return this.folded.current();
  }

  async find(departmentId: string): Promise<Department | undefined> {
    const { departments } = await this.current();
    return Object.hasOwn(departments, departmentId) ? departments[departmentId] : undefined;
  }

  async execute(change: DepartmentChange, context: RequestContext): Promise<{ version: number; position: number }> {
    const now = this.clock().toISOString();
    const result = await handleCommand(this.store, DEPARTMENTS_STREAM, DEPARTMENTS_FOLD, ({ state }) => decideDepartments({ ...change, now }, state), {
      prepare: withMetadata(context),
    });
    return { version: result.version, position: result.position };
  }
}
