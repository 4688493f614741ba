import { createHash, createHmac, KeyObject, verify } from 'node:crypto';
import { canonicalJson } from '@pi-ledger/event-store/payload-digest';
import { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import type { ErasureGrounds } from '@pi-ledger/ledger-domain/subject/subject.events';

/**
 * Proof of an erasure (api-contract.md, "Rights requests"): signed with the audit key (Ed25519) over
 * the RFC 8785 canonical JSON of every member but `signature`. No PI: the subject appears only as a
 * keyed pseudonym.
 */
export interface ErasureCertificate {
  requestId: string;
  subjectPseudonym: string;
  erasedCategories: string[];
  retainedCategories: { category: string; basis: string; until: string }[];
  /** Ids of the data keys destroyed (the vault's tombstones). */
  keysDestroyed: string[];
  erasedAt: string;
  /** On whose initiative (the subject's request, or the handler's own duty) and ground of PIPL Art. 47(1); absent on erasures recorded before them. */
  initiative?: ErasureGrounds['initiative'];
  ground?: ErasureGrounds['ground'];
  /** Global position of the SubjectErased event. */
  position: number;
  /** A signed tree head whose tree includes that event. */
  treeHead: { treeSize: number; rootHash: string };
  signature: string;
  keyId: string;
}

export type UnsignedCertificate = Omit<ErasureCertificate, 'signature'>;

const PSEUDONYM_LABEL = 'pi-ledger/subject-pseudonym/v1';

/**
 * HMAC-SHA256 of the subject id under a key only the holder of the audit private key can derive:
 * SHA-256 of the (deterministic, RFC 8032) Ed25519 signature of a fixed label. The ledger can show
 * which subject a certificate is about by recomputing it; without the key, the pseudonym links to
 * nobody. A new audit key gives new pseudonyms; the certificate's keyId says which key applies.
 */
export class SubjectPseudonyms {
  private readonly key: Buffer;

  constructor(signer: TreeHeadSigner) {
    const signature = Buffer.from(signer.signCanonical({ purpose: PSEUDONYM_LABEL }), 'base64');
    this.key = createHash('sha256').update(signature).digest();
  }

  of(subjectId: string): string {
    return createHmac('sha256', this.key).update(`${PSEUDONYM_LABEL}\n${subjectId}`, 'utf8').digest('hex');
  }
}

export function signCertificate(signer: TreeHeadSigner, unsigned: UnsignedCertificate): ErasureCertificate {
  return { ...unsigned, signature: signer.signCanonical(unsigned) };
}

/** What any holder of the audit public key can check: the signature over the rest. */
export function certificateSignatureValid(certificate: ErasureCertificate, publicKey: KeyObject): boolean {
  const { signature, ...unsigned } = certificate;
  try {
    return verify(null, Buffer.from(canonicalJson(unsigned), 'utf8'), publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
