import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { Incident } from '@pi-ledger/ledger-domain/incidents/incident.events';
import { CATEGORY_NAMES } from '@pi-ledger/ledger-domain/registry/categories';
import { LEDGER_EVENT_PI, mapDeclaredPi, PiDeclaration } from '@pi-ledger/pii-vault/event-pi-declarations';

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

/** A deadline or a retry time says when something is due, not when it happened. */
const NOT_WHEN_DONE = /(^due|Due|^nextAttempt|^expires|^until)/;

/**
 * When an event of a declared type happened: its last clear top-level time member (the
 * declarations end with who and when: `recordedBy, recordedAt`), deadlines aside.
 */
export function timeMemberOf(declaration: PiDeclaration): string | undefined {
  return declaration.clear.filter((path) => /^[a-z][A-Za-z]*At$/.test(path) && !NOT_WHEN_DONE.test(path)).at(-1);
}

/**
 * The event types outside the subject stream that carry a customer's PI (check-ups, service
 * records, follow-ups, orders, complaints, messages, surveys, rights requests…), each with the
 * member saying when it happened: derived from the one PI declaration, so a new record kind is
 * covered once it is declared.
 */
export const RECORD_WRITES: ReadonlyArray<{ type: string; at: string; declaration: PiDeclaration }> = Object.entries(LEDGER_EVENT_PI).flatMap(([type, sealing]) => {
  if (!('declared' in sealing) || sealing.declared.pi.length === 0 || !sealing.declared.clear.includes('subjectId')) return [];
  const at = timeMemberOf(sealing.declared);
  return at ? [{ type, at, declaration: sealing.declared }] : [];
});
const RECORD_DECLARATION = new Map(RECORD_WRITES.map((w) => [w.type, w.declaration]));
const REGISTRY_CATEGORIES = new Set<string>(CATEGORY_NAMES);

/** The registry categories whose keys seal the PI an event of a declared type carries (a note's free text is no category of the registry). */
async function recordCategories(type: string, data: Record<string, unknown>): Promise<string[]> {
  const categories = new Set<string>();
  await mapDeclaredPi(data, RECORD_DECLARATION.get(type)!, async (found) => {
    if (REGISTRY_CATEGORIES.has(found.category)) categories.add(found.category);
    return found.value;
  });
  return [...categories];
}

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
 * account in the window (`PersonalDataAccessed`, what it was shown), every event carrying a
 * customer's PI it wrote in the window (the file's data events and the records of other streams:
 * check-ups, service records, orders, complaints…), and, for an exposed system, every category a
 * subject held at some time in the window (collected by its end, not erased before its start).
 */
@Injectable()
export class AffectedSubjectsQuery {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async affected(incident: Incident): Promise<AffectedSubject[]> {
    const rows: Row[] = [];
    if (incident.actors.length > 0) rows.push(...(await this.byAccounts(incident)));
    if (incident.systems.length > 0) rows.push(...heldInWindow([...(await this.dataHistory(incident)), ...(await this.recordWrites(incident, 'held'))], incident));
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
    return [...rows, ...(await this.recordWrites(incident, 'written', incident.actors))];
  }

  /**
   * Events of the customer's records (outside its subject stream) with the categories of the PI
   * they carry: those the accounts wrote in the window, or (no accounts) every one up to its end.
   */
  private async recordWrites(incident: Incident, how: 'written' | 'held', actors?: string[]): Promise<Row[]> {
    const { rows } = await this.pool.query<{ subject_id: string; type: string; data: Record<string, unknown>; at: Date; position: string }>(
      `SELECT e.data->>'subjectId' AS subject_id, e.type, e.data, (e.data->>m.at)::timestamptz AS at, e.position::text AS position
         FROM ledger_events e JOIN unnest($1::text[], $2::text[]) AS m(type, at) ON m.type = e.type
        WHERE ($3::text[] IS NULL OR e.metadata->>'actor' = ANY($3))
          AND ($3::text[] IS NULL OR (e.data->>m.at)::timestamptz >= $4) AND (e.data->>m.at)::timestamptz <= $5`,
      [RECORD_WRITES.map((w) => w.type), RECORD_WRITES.map((w) => w.at), actors ?? null, incident.from, incident.to],
    );
    const found: Row[] = [];
    for (const row of rows) {
      for (const category of await recordCategories(row.type, row.data)) found.push({ subject_id: row.subject_id, category, how, at: row.at, position: row.position });
    }
    return found;
  }

  /** Every collection and erasure of every subject up to the window's end. */
  private async dataHistory(incident: Incident): Promise<Row[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT e.data->>'subjectId' AS subject_id, coalesce(e.data->>'category', c.category) AS category,
              CASE WHEN e.type = 'SubjectErased' THEN 'erased' ELSE 'held' END AS how, ${EVENT_TIME} AS at, e.position::text AS position
         FROM ledger_events e LEFT JOIN LATERAL jsonb_array_elements_text(coalesce(e.data->'erasedCategories', e.data->'categories')) AS c(category) ON true
        WHERE e.type = ANY($1) AND e.stream_id LIKE 'subject-%' AND ${EVENT_TIME} <= $2`,
      [[...DATA_EVENTS.filter((type) => type !== 'DisclosedToThirdParty'), 'SubjectErased'], incident.to],
    );
    return rows;
  }
}

/** A category was held in the window when it was collected by its end and not erased before its start (or collected again since). */
function heldInWindow(history: Row[], incident: Incident): Row[] {
  const from = Date.parse(incident.from);
  const last = new Map<string, Row>();
  const ordered = history.sort((a, b) => a.at.getTime() - b.at.getTime() || Number(a.position) - Number(b.position));
  for (const row of ordered) last.set(`${row.subject_id}/${row.category}`, row.how === 'erased' && row.at.getTime() >= from ? { ...row, how: 'held' } : row);
  return [...last.values()];
}
