import type { InclusionProof } from '../audit-log';
import type { AuditPublicKey, SignedTreeHead } from '../tree-head-signer';

/** The version tag of the package format; `verify-evidence.mjs` refuses any other. */
export const EVIDENCE_FORMAT = 'pi-ledger-evidence/v1';

/** Where exports are recorded: one `EvidenceExported` event per package handed out. */
export const EVIDENCE_EXPORTS_STREAM = 'audit-exports';
export const EVIDENCE_EXPORTED = 'EvidenceExported';

/** One event of the subject (its data stream or its access stream) with its proof of inclusion. */
export interface EvidenceEntry {
  position: number;
  eventId: string;
  type: string;
  streamId: string;
  /** ISO 8601, milliseconds: as committed. */
  recordedAt: string;
  leafIndex: number;
  /** RFC 8785 JSON of the event without its data (docs/audit.md, "The commitment"): the leaf's input. */
  commitment: string;
  /** RFC 6962 audit path of this leaf in the tree of `treeHead.treeSize` leaves. */
  inclusionProof: InclusionProof;
}

/**
 * Evidence about one subject that a third party checks offline with nothing but Node's standard
 * library (`verify-evidence.mjs`): the tree head's Ed25519 signature, each leaf recomputed from its
 * commitment, each inclusion proof against the signed root. Commitments carry ids, types, times,
 * actors, purposes and a digest of the data, never PI values.
 */
export interface EvidencePackage {
  format: typeof EVIDENCE_FORMAT;
  subjectId: string;
  generatedAt: string;
  /** The requested window of `recordedAt`: `from` inclusive, `to` exclusive; null = open. */
  range: { from: string | null; to: string | null };
  /** The `eventId` of the `EvidenceExported` event recording this export in the ledger. */
  exportId: string;
  publicKey: AuditPublicKey;
  treeHead: SignedTreeHead;
  /** In the log's order (leaf index ascending). */
  entries: EvidenceEntry[];
  /**
   * Events of the subject in the range that the audit projection had not yet added to the tree
   * when the head was signed: not covered by this package (export again later to cover them).
   */
  pendingEvents: number;
}
