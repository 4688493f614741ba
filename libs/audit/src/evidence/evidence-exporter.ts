import { LedgerClock, systemClock } from '@pi-ledger/platform/clock/ledger-clock';
import { v7 as uuidv7 } from 'uuid';
import type { Pool } from 'pg';
import type { EventMetadata, EventStore, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { accessStream } from '@pi-ledger/read-models/projections/access-log/personal-data-accessed.event';
import { AuditTreeCorrupt } from '../audit.errors';
import { AuditLog } from '../audit-log';
import { hashesOfRanges } from '../audit-tree-storage';
import { commitmentOf } from '../commitment';
import { inclusionRanges, leafHashOf } from '../merkle';
import { EVIDENCE_EXPORTED, EVIDENCE_EXPORTS_STREAM, EVIDENCE_FORMAT, EvidenceEntry, EvidencePackage } from './evidence-package';

export interface EvidenceRange {
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
}

interface EventRow {
  event_id: string;
  type: string;
  schema_version: number;
  metadata: EventMetadata;
  recorded_at: Date;
  stream_id: string;
  stream_version: string;
  position: string;
  payload_digest: Buffer;
  leaf_index: string | null;
  leaf_hash: Buffer | null;
}

/** Leaves whose proofs are read in one round trip: bounds the query's parameter arrays. */
const PROOF_BATCH = 256;

/**
 * Builds evidence packages (evidence-package.ts): signs a fresh tree head so that every event
 * already in the tree is covered, takes the subject's events in the range with their leaves, and
 * proves each against that head. Reads events as stored and never their data: the package is built
 * from commitments only. Each export is recorded as an `EvidenceExported` event.
 */
export class EvidenceExporter {
  constructor(
    private readonly pool: Pool,
    private readonly log: AuditLog,
    private readonly store: EventStore,
    private readonly clock: LedgerClock = systemClock,
  ) {}

  async export(subjectId: string, range: EvidenceRange, requester: EventMetadata): Promise<EvidencePackage> {
    const subject = subjectId.toLowerCase();
    if ((await this.store.streamVersion(subjectStream(subject))) === 0) throw new DomainError('subject-not-found', 'no such subject');
    const treeHead = await this.log.createTreeHead();
    const rows = await this.eventsOf(subject, range);
    const covered = rows.filter((row) => row.leaf_index !== null && Number(row.leaf_index) < treeHead.treeSize);
    const entries = await this.prove(covered, treeHead.treeSize);
    const generatedAt = this.clock().toISOString();
    const bounds = { from: range.from?.toISOString() ?? null, to: range.to?.toISOString() ?? null };
    const pendingEvents = rows.length - covered.length;
    const exportId = uuidv7();
    await this.store.appendToStream(EVIDENCE_EXPORTS_STREAM, [
      {
        eventId: exportId,
        type: EVIDENCE_EXPORTED,
        data: { subjectId: subject, ...bounds, treeSize: treeHead.treeSize, rootHash: treeHead.rootHash, entryCount: entries.length, pendingEvents, generatedAt },
        metadata: requester,
      },
    ]);
    return { format: EVIDENCE_FORMAT, subjectId: subject, generatedAt, range: bounds, exportId, publicKey: this.log.publicKey(), treeHead, entries, pendingEvents };
  }

  /** The subject's events in the range, as stored, with their leaves (null: not in the tree yet). */
  private async eventsOf(subjectId: string, range: EvidenceRange): Promise<EventRow[]> {
    const { rows } = await this.pool.query<EventRow>(
      `SELECT ${EVENT_COLUMNS}
         FROM ledger_events e LEFT JOIN audit_leaves l ON l.position = e.position
        WHERE e.stream_id = ANY($1::text[])
          AND ($2::timestamptz IS NULL OR e.recorded_at >= $2::timestamptz)
          AND ($3::timestamptz IS NULL OR e.recorded_at < $3::timestamptz)
        ORDER BY l.leaf_index, e.position`,
      [[subjectStream(subjectId), accessStream(subjectId)], range.from ?? null, range.to ?? null],
    );
    return rows;
  }

  private async prove(rows: readonly EventRow[], treeSize: number): Promise<EvidenceEntry[]> {
    return proveRows(this.pool, rows, treeSize);
  }
}

const EVENT_COLUMNS = `e.event_id, e.type, e.schema_version, e.metadata, e.recorded_at, e.stream_id, e.stream_version::text AS stream_version,
              e.position::text AS position, e.payload_digest, l.leaf_index::text AS leaf_index, l.leaf_hash`;

/**
 * The events at these positions that a head of `treeSize` leaves covers, each with its commitment
 * and inclusion proof (leaf index ascending): evidence for figures that cite events by position
 * (the compliance-audit report), checked offline like a package by verify-evidence.mjs.
 */
export async function evidenceEntriesAt(pool: Pool, positions: readonly number[], treeSize: number): Promise<EvidenceEntry[]> {
  if (positions.length === 0) return [];
  const { rows } = await pool.query<EventRow>(
    `SELECT ${EVENT_COLUMNS}
       FROM ledger_events e JOIN audit_leaves l ON l.position = e.position
      WHERE e.position = ANY($1::bigint[]) AND l.leaf_index < $2
      ORDER BY l.leaf_index`,
    [positions, treeSize],
  );
  return proveRows(pool, rows, treeSize);
}

async function proveRows(pool: Pool, rows: readonly EventRow[], treeSize: number): Promise<EvidenceEntry[]> {
  const entries: EvidenceEntry[] = [];
  for (let start = 0; start < rows.length; start += PROOF_BATCH) {
    const batch = rows.slice(start, start + PROOF_BATCH);
    const paths = batch.map((row) => inclusionRanges(Number(row.leaf_index), treeSize));
    const hashes = await hashesOfRanges(pool, paths.flat());
    let next = 0;
    for (const [i, row] of batch.entries()) {
      const auditPath = hashes.slice(next, (next += paths[i].length)).map((hash) => hash.toString('hex'));
      entries.push(entryOf(row, treeSize, auditPath));
    }
  }
  return entries;
}

function entryOf(row: EventRow, treeSize: number, auditPath: string[]): EvidenceEntry {
  const event = asStored(row);
  const commitment = commitmentOf(event);
  const leafHash = leafHashOf(commitment);
  const leafIndex = Number(row.leaf_index);
  // a package that cannot verify is worse than none: `ledger audit verify` says what is wrong
  if (!row.leaf_hash || !leafHash.equals(row.leaf_hash)) {
    throw new AuditTreeCorrupt(`the stored leaf ${leafIndex} does not match the event at position ${event.position}: run ledger audit verify`);
  }
  return {
    position: event.position,
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    recordedAt: event.recordedAt.toISOString(),
    leafIndex,
    commitment,
    inclusionProof: { leafIndex, treeSize, leafHash: leafHash.toString('hex'), auditPath },
  };
}

/** The event as the commitment needs it; its data is never read (only its stored digest counts). */
function asStored(row: EventRow): RecordedEvent {
  const position = Number(row.position);
  return {
    eventId: row.event_id,
    type: row.type,
    schemaVersion: row.schema_version,
    data: {},
    metadata: row.metadata,
    recordedAt: row.recorded_at,
    streamId: row.stream_id,
    streamVersion: Number(row.stream_version),
    position,
    checkpoint: { transactionId: 0, position },
    payloadDigest: row.payload_digest.toString('hex'),
  };
}
