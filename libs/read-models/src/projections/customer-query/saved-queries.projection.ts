import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { SavedQueryDefinition, SavedQueryEvent } from '@pi-ledger/ledger-domain/saved-queries/saved-query.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';

/** `saved_queries`: the queries saved for each department, as their events left them (deleted ones gone). */
export class SavedQueriesProjection implements Projection {
  readonly name = 'saved_queries';
  readonly version = 1;
  readonly tables = ['saved_queries'];
  readonly eventTypes: ReadonlySet<string> = new Set<SavedQueryEvent['type']>(['SavedQueryCreated', 'SavedQueryDeleted']);

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const table = batch.table('saved_queries');
    for (const recorded of events) {
      const event = recorded as unknown as SavedQueryEvent;
      if (event.type === 'SavedQueryCreated') {
        const { queryId, departmentId, name, definition, createdBy, createdAt } = event.data;
        await batch.client.query(
          `INSERT INTO ${table} (query_id, department_id, name, definition, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (query_id) DO NOTHING`,
          [queryId, departmentId, name, JSON.stringify(definition), createdBy, createdAt],
        );
      } else {
        await batch.client.query(`DELETE FROM ${table} WHERE query_id = $1`, [event.data.queryId]);
      }
    }
  }
}

export interface SavedQueryView {
  queryId: string;
  name: string;
  departmentId: string;
  definition: SavedQueryDefinition;
  createdBy: string;
  createdAt: string;
}

@Injectable()
export class SavedQueryQueries {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** A department's saved queries, newest first. */
  async ofDepartment(departmentId: string): Promise<SavedQueryView[]> {
    const { rows } = await this.pool.query(`SELECT * FROM saved_queries WHERE department_id = $1 ORDER BY created_at DESC, query_id`, [departmentId]);
    return rows.map(toView);
  }

  async find(queryId: string, departmentId: string): Promise<SavedQueryView | undefined> {
    const { rows } = await this.pool.query(`SELECT * FROM saved_queries WHERE query_id = $1 AND department_id = $2`, [queryId, departmentId]);
    return rows[0] ? toView(rows[0]) : undefined;
  }
}

function toView(row: Record<string, unknown>): SavedQueryView {
  return {
    queryId: row.query_id as string,
    name: row.name as string,
    departmentId: row.department_id as string,
    definition: row.definition as SavedQueryDefinition,
    createdBy: row.created_by as string,
    createdAt: (row.created_at as Date).toISOString(),
  };
}
