import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { decideSavedQuery, SAVED_QUERY_FOLD } from '@pi-ledger/ledger-domain/saved-queries/saved-query.decider';
import { savedQueryStream } from '@pi-ledger/ledger-domain/saved-queries/saved-query.events';
import { RequestContext, withMetadata } from '../application/request-context';
import { DepartmentsService } from '../departments/departments.service';
import { parseQuery } from '../subjects/query-subjects/query-parse';
import { columnsOf } from '../subjects/query-subjects/query-subjects.query';
import { SaveQueryDto } from './saved-queries.dto';

/** Saved combined queries, shared within a department: events on the one command path, so every save and deletion is in the audit log with its actor. */
@Injectable()
export class SavedQueriesService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly departments: DepartmentsService,
  ) {}

  async save(body: SaveQueryDto, context: RequestContext): Promise<{ queryId: string; version: number; position: number }> {
    // checked as the query endpoint checks it (400 naming `where…`, `sort…`, `columns…`), terms kept as typed: tokens belong to the running query
    const parsed = parseQuery(body.where, body.sort, () => 'checked');
    columnsOf(body.columns, parsed);
    const queryId = uuidv7();
    const definition = { ...(body.where ? { where: body.where } : {}), ...(body.sort ? { sort: body.sort } : {}), ...(body.columns ? { columns: body.columns } : {}) };
    const now = this.clock().toISOString();
    const command = { type: 'SaveQuery' as const, queryId, name: body.name, departmentId: context.actor.departmentId ?? null, definition, actor: context.actor.id, now };
    const result = await handleCommand(this.store, savedQueryStream(queryId), SAVED_QUERY_FOLD, ({ state }) => decideSavedQuery(command, state), {
      prepare: withMetadata(context),
    });
    return { queryId, version: result.version, position: result.position };
  }

  async delete(queryId: string, context: RequestContext): Promise<{ version: number; position: number }> {
    const departmentId = context.actor.departmentId ?? null;
    const department = departmentId ? await this.departments.find(departmentId) : undefined;
    const manages = department?.managerId === context.actor.id || context.actor.roles.includes('manager');
    const now = this.clock().toISOString();
    const result = await handleCommand(
      this.store,
      savedQueryStream(queryId),
      SAVED_QUERY_FOLD,
      ({ state }) => decideSavedQuery({ type: 'DeleteSavedQuery', queryId, actor: context.actor.id, departmentId, manages, now }, state),
      { prepare: withMetadata(context) },
    );
    return { version: result.version, position: result.position };
  }
}
