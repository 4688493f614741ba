import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { decideIncident, evolveIncidents, IncidentCommand, IncidentRecord, IncidentState, initialIncidents } from '@pi-ledger/ledger-domain/incidents/incident.decider';
import { Incident, IncidentEvent, INCIDENTS_STREAM, IncidentNotification } from '@pi-ledger/ledger-domain/incidents/incident.events';
import type { IncidentErrorCode } from '@pi-ledger/ledger-domain/incidents/incident.errors';
import { RequestContext, withMetadata } from '../../application/request-context';
import { AccessRecorder } from '../../access-log/access-recorder';
import { AffectedSubject, AffectedSubjectsQuery } from './affected-subjects.query';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { primaryPhone } from '@pi-ledger/ledger-domain/subject/contact';

const FOLD: StreamFold<IncidentState, IncidentEvent> = { initialState: initialIncidents, evolve: evolveIncidents };

/** The reserved purpose of listing who an incident affected: the handler's own obligation to notify (PIPL Art. 57). Not a registry purpose. */
export const BREACH_RESPONSE_PURPOSE_ID = 'pipl:breach-response';

/** Security incidents and their notifications (PIPL Art. 57), folded from the stream `security-incidents`. */
@Injectable()
export class IncidentsService {
  private readonly folded: CachedStreamFold<IncidentState, IncidentEvent>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly query: AffectedSubjectsQuery,
    private readonly access: AccessRecorder,
    private readonly profiles: SubjectProfileQueries,
  ) {
    this.folded = new CachedStreamFold(store, INCIDENTS_STREAM, FOLD);
  }

  async record(input: Omit<Incident, 'incidentId'>, context: RequestContext): Promise<IncidentRecord & { position: number }> {
    const incidentId = uuidv7();
    const position = await this.execute({ type: 'RecordIncident', incident: { incidentId, ...input }, now: this.now() }, context);
    return { ...(await this.find(incidentId)), position };
  }

  async find(incidentId: string): Promise<IncidentRecord> {
    const { incidents } = await this.folded.current();
    if (!Object.hasOwn(incidents, incidentId)) throw new DomainError<IncidentErrorCode>('incident-not-found', `no incident ${incidentId}`, { incidentId });
    return incidents[incidentId];
  }

  /** Every incident, newest detection first. */
  async list(): Promise<IncidentRecord[]> {
    return Object.values((await this.folded.current()).incidents).sort((a, b) => b.detectedAt.localeCompare(a.detectedAt) || b.incidentId.localeCompare(a.incidentId));
  }

  /**
   * Who the incident affected, shown to the caller: each subject listed is recorded as accessed
   * (`via: breach-response`, category names only), under the reserved purpose and its legal obligation.
   */
  async affected(incidentId: string, context: RequestContext) {
    const incident = await this.find(incidentId);
    const subjects = await this.query.affected(incident);
    await this.access.record(
      context,
      subjects.map(({ subjectId }) => ({
        subjectId,
        purposeId: BREACH_RESPONSE_PURPOSE_ID,
        legalBasis: 'legal_obligation' as const,
        categories: [],
        revealed: [],
        via: 'breach-response' as const,
      })),
    );
    return {
      incidentId,
      from: incident.from,
      to: incident.to,
      computedAt: this.now(),
      subjectCount: subjects.length,
      categories: categoryCounts(subjects),
      listDigest: listDigest(subjects),
      subjects,
    };
  }

  /**
   * The list to notify the affected subjects from (Art. 57): each with the name, primary mobile
   * number and email address on file and the categories affected, opened from the vault now, never
   * stored; each subject listed gets an access record naming `identity` and `contact` (those it
   * showed). An erased subject, or one with no address, is listed as unreachable.
   */
  async notificationList(incidentId: string, context: RequestContext) {
    const incident = await this.find(incidentId);
    const subjects = await this.query.affected(incident);
    const text = (value: unknown) => (typeof value === 'string' && value !== '[erased]' ? value : null);
    const entries = [];
    for (const subject of subjects) {
      const profile = await this.profiles.findSealed(subject.subjectId);
      const data = (profile && profile.status !== 'erased' ? await this.profiles.open(profile, ['identity', 'contact']) : {}) as Record<
        string,
        Record<string, unknown> | undefined
      >;
      const name = text(data.identity?.name);
      const phone = text(data.contact ? primaryPhone(data.contact) : undefined);
      const email = text(data.contact?.email);
      entries.push({ subjectId: subject.subjectId, name, phone, email, reachable: phone !== null || email !== null, categories: subject.categories });
    }
    await this.access.record(
      context,
      entries.map((entry) => {
        const shown = [...(entry.name !== null ? ['identity'] : []), ...(entry.phone !== null || entry.email !== null ? ['contact'] : [])];
        return {
          subjectId: entry.subjectId,
          purposeId: BREACH_RESPONSE_PURPOSE_ID,
          legalBasis: 'legal_obligation' as const,
          categories: shown,
          revealed: [],
          via: 'breach-response' as const,
        };
      }),
    );
    return {
      incidentId,
      computedAt: this.now(),
      subjectCount: entries.length,
      unreachable: entries.filter((entry) => !entry.reachable).length,
      listDigest: listDigest(subjects),
      subjects: entries,
    };
  }

  /** A notification sent; to subjects, it records how many the list had and its digest, never the list. */
  async notify(incidentId: string, input: Omit<IncidentNotification, 'notificationId' | 'subjectCount' | 'listDigest'>, context: RequestContext) {
    const incident = await this.find(incidentId);
    const list = input.audience === 'subjects' ? await this.query.affected(incident) : undefined;
    const notification: IncidentNotification = {
      notificationId: uuidv7(),
      ...input,
      ...(list ? { subjectCount: list.length, listDigest: listDigest(list) } : {}),
    };
    const position = await this.execute({ type: 'RecordNotification', incidentId, notification, now: this.now() }, context);
    return { ...notification, position };
  }

  private async execute(command: IncidentCommand, context: RequestContext): Promise<number> {
    const { position } = await handleCommand(this.store, INCIDENTS_STREAM, FOLD, ({ state }) => decideIncident(command, state), { prepare: withMetadata(context) });
    return position;
  }

  private now(): string {
    return this.clock().toISOString();
  }
}

function categoryCounts(subjects: AffectedSubject[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const subject of subjects) for (const category of subject.categories) counts[category] = (counts[category] ?? 0) + 1;
  return counts;
}

/** Hex SHA-256 of the sorted subject ids, one a line: ties a notification to the list it went to without keeping the list. */
export function listDigest(subjects: Array<{ subjectId: string }>): string {
  return createHash('sha256')
    .update(
      subjects
        .map((s) => s.subjectId)
        .sort()
        .join('\n'),
      'utf8',
    )
    .digest('hex');
}
