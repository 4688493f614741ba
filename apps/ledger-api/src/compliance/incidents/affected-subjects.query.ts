import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { Incident } from '@pi-ledger/ledger-domain/incidents/incident.events';

/** One affected subject: which categories, how (read by, or written by, a compromised account; held by an exposed system), and the events that show it. */
export interface AffectedSubject {
  subjectId: string;
  categories: string[];
  how: Array<'read' | 'written' | 'held'>;
  positions: number[];
}

/** When an event of a subject's stream happened, by the ledger's clock (its own time member). */
const EVENT_TIME = `coalesce(e.data->>'collectedAt', e.data->>'changedAt', e.data->>'addedAt', e.data->>'disclosedAt', e.data->>'erasedAt')::timestamptz`;
const DATA_EVENTS = ['DataCollected', 'DataUpdated', 'DataCorrected', 'DataSupplemented', 'DataItemAdded', 'DisclosedToThirdParty'];

interface Row {
  subject_id: string;
  category: string | null;
  how: 'read' | 'written' | 'held' | 'erased';
  at: Date;
  position: string;
}

/**
 * Which subjects and categories an incident affected (PIPL Art. 57), from the log itself, not a
 * read model, so nothing is missed while projections lag: every access record of a compromised
 * account in the window (`PersonalDataAccessed`, what it was shown), every data event it wrote
 * in the window, and, for an exposed system, every category a subject held at some time in the
 * window (collected by its end, not erased before its start).
 */
@Injectable()
export class AffectedSubjectsQuery {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async affected(incident: Incident): Promise<AffectedSubject[]> {
    const rows: Row[] = [];
    if (incident.actors.length > 0) rows.push(...(await this.byAccounts(incident)));
    if (incident.systems.length > 0) rows.push(...heldInWindow(await this.dataHistory(incident), incident));
    const wanted = incident.categories.length > 0 ? new Set<string>(incident.categories) : undefined;
    const subjects = new Map<string, AffectedSubject>();
    for (const row of rows) {
      if (row.how === 'erased') continue;
      if (wanted && (row.category === null || !wanted.has(row.category))) continue;
      const entry = subjects.get(row.subject_id) ?? { subjectId: row.subject_id, categories: [], how: [], positions: [] };
      if (row.category !== null && !entry.categories.includes(row.category)) entry.categories.push(row.category);
      if (!entry.how.includes(row.how)) entry.how.push(row.how);
      if (!entry.positions.includes(Number(row.position))) entry.positions.push(Number(row.position));
      subjects.set(row.subject_id, entry);
    }
    return [...subjects.values()]
      .map((s) => ({ ...s, categories: s.categories.sort(), how: s.how.sort(), positions: s.positions.sort((a, b) => a - b) }))
      .sort((a, b) => a.subjectId.localeCompare(b.subjectId));
  }

  /** What the accounts were shown (access records) and what they wrote, in the window. */
  private async byAccounts(incident: Incident): Promise<Row[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT e.data->>'subjectId' AS subject_id, c.category, 'read' AS how, (e.data->>'accessedAt')::timestamptz AS at, e.position::text AS position
         FROM ledger_events e LEFT JOIN LATERAL jsonb_array_elements_text(e.data->'categories') AS c(category) ON true
        WHERE e.type = 'PersonalDataAccessed' AND e.metadata->>'actor' = ANY($1)
          AND (e.data->>'accessedAt')::timestamptz BETWEEN $2 AND $3
       UNION ALL
       SELECT e.data->>'subjectId', coalesce(e.data->>'category', c.category), 'written', ${EVENT_TIME}, e.position::text
         FROM ledger_events e LEFT JOIN LATERAL jsonb_array_elements_text(e.data->'categories') AS c(category) ON true
        WHERE e.type = ANY($4) AND e.stream_id LIKE 'subject-%' AND e.metadata->>'actor' = ANY($1)
          AND ${EVENT_TIME} BETWEEN $2 AND $3`,
      [incident.actors, incident.from, incident.to, DATA_EVENTS],
    );
    return rows;
  }

  /** Every collection and erasure of every subject up to the window's end. */
  private async dataHistory(incident: Incident): Promise<Row[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT e.data->>'subjectId' AS subject_id, coalesce(e.data->>'category', c.category) AS category,
              CASE WHEN e.type = 'SubjectErased' THEN 'erased' ELSE 'held' END AS how, ${EVENT_TIME} AS at, e.position::text AS position
         FROM ledger_events e LEFT JOIN LATERAL jsonb_array_elements_text(coalesce(e.data->'erasedCategories', e.data->'categories')) AS c(category) ON true
        WHERE e.type = ANY($1) AND e.stream_id LIKE 'subject-%' AND ${EVENT_TIME} <= $2
        ORDER BY at, e.position`,
      [[...DATA_EVENTS.filter((type) => type !== 'DisclosedToThirdParty'), 'SubjectErased'], incident.to],
    );
    return rows;
  }
}

/** A category was held in the window when it was collected by its end and not erased before its start (or collected again since). */
function heldInWindow(history: Row[], incident: Incident): Row[] {
  const from = Date.parse(incident.from);
  const last = new Map<string, Row>();
  for (const row of history) last.set(`${row.subject_id}/${row.category}`, row.how === 'erased' && row.at.getTime() >= from ? { ...row, how: 'held' } : row);
  return [...last.values()];
}
