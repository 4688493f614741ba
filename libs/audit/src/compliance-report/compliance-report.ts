import type { Pool } from 'pg';
import type { LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { loadStream } from '@pi-ledger/event-store/command-handler';
import { evolveRegistry, initialRegistry, REGISTRY_STREAM } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { Purpose, RegistryEvent } from '@pi-ledger/ledger-domain/registry/registry.events';
import { approvedVersion, assessmentStatus, evolveAssessments, initialAssessments } from '@pi-ledger/ledger-domain/assessments/assessment.decider';
import { AssessmentEvent, ASSESSMENTS_STREAM } from '@pi-ledger/ledger-domain/assessments/assessment.events';
import { AuditLog } from '../audit-log';
import { AuditVerifier } from '../audit-verifier';
import { evidenceEntriesAt } from '../evidence/evidence-exporter';
import { rightsRequestFigures, RightsRequestRow } from './rights-request-figures';

export const COMPLIANCE_REPORT_FORMAT = 'pi-ledger-compliance-audit/v1';

export interface ReportPeriod {
  from: string;
  to: string;
}

interface Row {
  position: number;
  eventId: string;
  type: string;
  streamId: string;
  data: Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- events of many types, read by their clear members only
}

/** A count with the events it counts: each can be proven against the report's signed tree head. */
interface Figure {
  count: number;
  positions: number[];
}

const figure = (rows: readonly Row[]): Figure => ({ count: rows.length, positions: rows.map((r) => r.position) });
const by = <K extends string>(rows: readonly Row[], key: (row: Row) => K): Record<K, Figure> => {
  const groups = {} as Record<K, Row[]>;
  for (const row of rows) (groups[key(row)] ??= []).push(row);
  return Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, figure(v as Row[])])) as Record<K, Figure>;
};

/**
 * The report a compliance audit asks for (PI Protection Compliance Audit Measures, 2025) over a
 * period, computed from the event log itself: purposes with their bases and assessments, consents
 * given and withdrawn, rights requests by type with time to fulfil and the overdue ones, erasures
 * with their certificates, disclosures (cross-border apart), bulk look-up alerts, break-glass
 * accesses and incidents.
 * No personal data: ids of requests, assessments and incidents, category and purpose names,
 * recipient organisations, staff accounts. Every figure lists the positions of the events it
 * rests on, and `auditTrail` gives their leaves and a signed tree head covering them, with the
 * result of recomputing the whole trail, so an outside auditor can verify each figure.
 */
export class ComplianceReport {
  constructor(
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly auditLog: AuditLog,
    private readonly verifier: AuditVerifier,
    private readonly clock: LedgerClock,
  ) {}

  async build(period: ReportPeriod, options: { leafTimeoutMs?: number } = {}) {
    const generatedAt = this.clock().toISOString();
    const within = (at: unknown) => typeof at === 'string' && at >= period.from && at < period.to;
    const rows = await this.events([
      'ConsentGranted',
      'ConsentWithdrawn',
      'RightsRequestFiled',
      'RightsRequestExtended',
      'RightsRequestFulfilled',
      'RightsRequestRejected',
      'SubjectErased',
      'DisclosedToThirdParty',
      'BulkLookupSuspected',
      'BreakGlassUsed',
      'IncidentRecorded',
      'IncidentNotificationRecorded',
    ]);
    const of = (type: string, at: string) => rows.filter((r) => r.type === type && within(r.data[at]));

    const given = of('ConsentGranted', 'grantedAt');
    const withdrawn = of('ConsentWithdrawn', 'withdrawnAt');
    const disclosures = of('DisclosedToThirdParty', 'disclosedAt');
    const crossBorder = disclosures.filter((r) => r.data.recipient?.transfer);
    const erasures = of('SubjectErased', 'erasedAt');
    const certificates = await this.certificates(erasures.map((r) => r.data.requestId).filter((id): id is string => typeof id === 'string'));
    const incidents = of('IncidentRecorded', 'detectedAt');
    const notifications = rows.filter((r) => r.type === 'IncidentNotificationRecorded');
    const reference = generatedAt < period.to ? generatedAt : period.to;
    const requests = rightsRequestFigures(rows.filter((r) => r.type.startsWith('RightsRequest')) as unknown as RightsRequestRow[], period, reference);

    const report = {
      format: COMPLIANCE_REPORT_FORMAT,
      period,
      generatedAt,
      purposes: await this.purposes(generatedAt),
      consents: {
        given: { ...figure(given), byPurpose: by(given, (r) => r.data.purposeId) },
        withdrawn: { ...figure(withdrawn), byPurpose: by(withdrawn, (r) => r.data.purposeId) },
      },
      rightsRequests: requests,
      erasures: {
        ...figure(erasures),
        items: erasures.map((r) => ({
          requestId: r.data.requestId ?? null,
          erasedAt: r.data.erasedAt,
          erasedCategories: r.data.erasedCategories,
          retainedCategories: (r.data.retained ?? []).map((k: { category: string }) => k.category),
          certificate: r.data.requestId && certificates.has(r.data.requestId) ? `/v1/erasure-certificates/${r.data.requestId}` : null,
          position: r.position,
        })),
      },
      disclosures: {
        ...figure(disclosures),
        byPurpose: by(disclosures, (r) => r.data.purposeId),
        byRecipient: by(disclosures, (r) => r.data.recipient.name),
        crossBorder: {
          ...figure(crossBorder),
          items: Object.values(
            by(crossBorder, (r) => JSON.stringify([r.data.recipient.name, r.data.recipient.country, r.data.recipient.transfer.mechanism, r.data.recipient.transfer.reference])),
          ).map((f) => {
            const first = crossBorder.find((r) => r.position === f.positions[0])!.data.recipient;
            return {
              recipient: first.name,
              country: first.country,
              mechanism: first.transfer.mechanism,
              reference: first.transfer.reference,
              assessmentId: first.transfer.assessmentId ?? null,
              ...f,
            };
          }),
        },
      },
      lookupAlerts: {
        ...figure(of('BulkLookupSuspected', 'raisedAt')),
        items: of('BulkLookupSuspected', 'raisedAt').map((r) => ({ account: r.data.actor, windowStart: r.data.windowStart, lookups: r.data.lookups, position: r.position })),
      },
      breakGlass: {
        ...figure(of('BreakGlassUsed', 'usedAt')),
        byReason: by(of('BreakGlassUsed', 'usedAt'), (r) => r.data.reason),
        byAccount: by(of('BreakGlassUsed', 'usedAt'), (r) => r.data.actor),
        // the subject and the (sealed) note stay out: the break-glass report (/v1/compliance/break-glass) has them, access-logged
        items: of('BreakGlassUsed', 'usedAt').map((r) => ({
          breakGlassId: r.data.breakGlassId,
          account: r.data.actor,
          accountDepartmentId: r.data.actorDepartmentId,
          reason: r.data.reason,
          access: r.data.access,
          usedAt: r.data.usedAt,
          hasNote: r.data.note !== undefined,
          position: r.position,
        })),
      },
      incidents: {
        ...figure(incidents),
        items: incidents.map((r) => {
          const sent = notifications.filter((n) => n.data.incidentId === r.data.incidentId);
          const { incidentId, kind, detectedAt, from, to, actors, systems, categories } = r.data;
          return {
            incidentId,
            kind,
            detectedAt,
            from,
            to,
            accounts: actors,
            systems,
            categories,
            notifications: sent.map((n) => ({ audience: n.data.audience, notifiedAt: n.data.notifiedAt, subjectCount: n.data.subjectCount ?? null, position: n.position })),
            positions: [r.position, ...sent.map((n) => n.position)],
          };
        }),
      },
    };
    return { ...report, auditTrail: await this.evidence(collectPositions(report), options.leafTimeoutMs ?? 10_000) };
  }

  /**
   * Every purpose with its basis, flags and assessments, as the registry stands when the report is
   * made, each with the positions of the events that defined and changed it (the registry's, the
   * assessment's versions and approvals).
   */
  private async purposes(now: string) {
    const registry = (await loadStream<ReturnType<typeof initialRegistry>, RegistryEvent>(this.store, REGISTRY_STREAM, { initialState: initialRegistry, evolve: evolveRegistry }))
      .state;
    const assessments = (await loadStream(this.store, ASSESSMENTS_STREAM, { initialState: initialAssessments, evolve: (s, e: AssessmentEvent) => evolveAssessments(s, e) })).state;
    const history = await this.events(['PurposeDefined', 'PurposeFlagsChanged', 'AssessmentRecorded', 'AssessmentApproved']);
    const positionsOf = (match: (row: Row) => boolean) => history.filter(match).map((row) => row.position);
    return Object.values(registry.purposes).map((p) => ({
      id: p.id,
      name: p.name,
      legalBasis: p.legalBasis,
      categories: p.categories,
      retentionDays: p.retentionDays ?? null,
      requiresAssessment: Boolean(p.requiresAssessment),
      automatedDecisionMaking: Boolean(p.automatedDecisionMaking),
      /** What PIPL Art. 55 names among this purpose's processing: an assessment is due even where the flag was turned off. */
      assessmentTriggers: assessmentTriggers(p, registry.sensitivity),
      positions: positionsOf((row) => (row.type === 'PurposeDefined' ? row.data.purpose?.id === p.id : row.type === 'PurposeFlagsChanged' && row.data.purposeId === p.id)),
      assessments: Object.values(assessments.assessments)
        .filter((a) => a.versions[0].purposeId === p.id)
        .map((a) => ({
          assessmentId: a.assessmentId,
          status: assessmentStatus(a, now),
          version: a.versions.length,
          approvedVersion: approvedVersion(a)?.version ?? null,
          expiresAt: approvedVersion(a)?.approval?.expiresAt ?? null,
          positions: positionsOf((row) => row.type.startsWith('Assessment') && row.data.assessmentId === a.assessmentId),
        })),
    }));
  }

  private async events(types: string[]): Promise<Row[]> {
    const { rows } = await this.pool.query(`SELECT position::text AS position, event_id, type, stream_id, data FROM ledger_events WHERE type = ANY($1) ORDER BY position`, [types]);
    return rows.map((r) => ({ position: Number(r.position), eventId: r.event_id, type: r.type, streamId: r.stream_id, data: r.data }));
  }

  private async certificates(requestIds: string[]): Promise<Set<string>> {
    if (requestIds.length === 0) return new Set();
    const { rows } = await this.pool.query(`SELECT request_id FROM erasure_certificates WHERE request_id = ANY($1)`, [requestIds]);
    return new Set(rows.map((r) => r.request_id as string));
  }

  /**
   * Every event the report cites, with its type, leaf and inclusion proof under a tree head signed
   * once the audit tree has taken them in (it trails the log by its projection's lag), the key that
   * signed it, and the whole trail recomputed: `node verify-evidence.mjs report.json` checks it
   * offline. The leaves' commitments stay out: they name the subject (its stream, or its own
   * account as actor); an auditor gets them per event from /v1/audit/proofs/inclusion.
   */
  private async evidence(positions: number[], timeoutMs: number) {
    let leaves = await this.auditLog.leavesOf(positions);
    for (let waited = 0; leaves.size < positions.length && waited < timeoutMs; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      leaves = await this.auditLog.leavesOf(positions);
    }
    const treeHead = await this.auditLog.createTreeHead();
    const entries = await evidenceEntriesAt(this.pool, positions, treeHead.treeSize);
    const verification = await this.verifier.verify({ allowPending: true });
    const proven = new Set(entries.map((entry) => entry.position));
    return {
      verification: {
        ok: verification.ok,
        events: verification.events,
        leaves: verification.leaves,
        pendingEvents: verification.pendingEvents,
        treeHeads: verification.treeHeads,
        ...(verification.failure ? { failure: verification.failure } : {}),
      },
      publicKey: this.auditLog.publicKey(),
      treeHead,
      entries: entries.map(({ commitment: _commitment, streamId: _stream, ...entry }) => entry),
      /** Cited events not yet in the tree when the head was signed: verify them against a later head. */
      pending: positions.filter((position) => !proven.has(position)),
    };
  }
}

/** Why PIPL Art. 55 asks for an assessment of the purpose's processing: sensitive categories, automated decisions, the activities it involves. */
function assessmentTriggers(purpose: Purpose, sensitivity: Partial<Record<string, boolean>>): string[] {
  return [
    ...(purpose.categories.some((category) => sensitivity[category]) ? ['sensitive-personal-information'] : []),
    ...(purpose.automatedDecisionMaking ? ['automated-decision-making'] : []),
    ...(purpose.involves ?? []),
  ];
}

/** Every event position the report cites, once, ascending. */
function collectPositions(value: unknown, into = new Set<number>()): number[] {
  if (Array.isArray(value)) value.forEach((item) => collectPositions(item, into));
  else if (value !== null && typeof value === 'object') {
    for (const [key, member] of Object.entries(value)) {
      if (key === 'positions' && Array.isArray(member)) member.forEach((p) => into.add(p as number));
      else if (key === 'position' && typeof member === 'number') into.add(member);
      else collectPositions(member, into);
    }
  }
  return [...into].sort((a, b) => a - b);
}
