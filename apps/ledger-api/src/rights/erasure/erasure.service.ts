import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { AuditLog } from '@pi-ledger/audit/audit-log';
import { TreeHeadSigner } from '@pi-ledger/audit/tree-head-signer';
import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import type { ErasureErrorCode } from './erasure.errors';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { erasesWholeSubject } from '@pi-ledger/ledger-domain/subject/subject.state';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { RequestContext } from '../../application/request-context';
import { SubjectCommandsService } from '../../subjects/subject-commands.service';
import { SubjectIdNumbers } from '../../subjects/subject-id-numbers';
import { LegalHoldsService } from '../legal-holds/legal-holds.service';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { certificateSignatureValid, ErasureCertificate, signCertificate, SubjectPseudonyms } from './erasure-certificate';
import { ErasureCertificates } from './erasure-certificates';

export type { ErasureCertificate } from './erasure-certificate';

/** How long an erasure waits for the read model and the audit tree to take the event in. */
const PROJECTIONS_TIMEOUT_MS = 10_000;
/** The read models that hold the subject's PI (sealed), and the tree the certificate's head must cover. */
const PURGED_BY = ['subject_profile', 'checkup_visits', 'service_records', 'follow_up_tasks', 'outbox_messages', 'survey_responses', 'audit_trail'];

type SubjectErased = Extract<SubjectEvent, { type: 'SubjectErased' }>;

/** What re-applying a certificate did: erased now, found erased already, or no such subject here. */
export type ReappliedErasure = { status: 'erased' | 'already-erased'; certificate: ErasureCertificate } | { status: 'absent'; detail: string };

interface Erasure {
  event: SubjectErased;
  position: number;
  /** The subject as a whole is erased (not only some of its categories). */
  whole: boolean;
}

/**
 * PIPL Art. 47 erasure, end to end: decide (legal holds keep categories, restricted to storage),
 * append SubjectErased, destroy the data keys, drop the ID-number index, wait for the read model
 * to purge the values, and sign a certificate over a tree head that includes the erasure.
 * Every step can run again: a retry (same request id) finishes what a failed attempt left.
 */
@Injectable()
export class ErasureService {
  private readonly pseudonyms: SubjectPseudonyms;

  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly idNumbers: SubjectIdNumbers,
    private readonly holds: LegalHoldsService,
    private readonly certificates: ErasureCertificates,
    private readonly freshness: ProjectionFreshness,
    private readonly auditLog: AuditLog,
    private readonly signer: TreeHeadSigner,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {
    this.pseudonyms = new SubjectPseudonyms(signer);
  }

  /**
   * Erases `categories` (undefined = all) of a subject for rights request `requestId`: keeps
   * categories under an active legal hold (restricted to storage), appends SubjectErased, shreds
   * the data keys of the erased categories (and the 'guardian'/'free_text' pseudo-categories when
   * erasing all), deletes the subject's rows in subject_id_numbers, waits until the subject_profile
   * read model has applied the erasure (so read models are purged when it returns), and returns
   * the signed certificate. Idempotent: a second call for the same requestId returns the same
   * certificate.
   */
  erase(subjectId: string, requestId: string, categories: Category[] | undefined, context: RequestContext): Promise<ErasureCertificate> {
    return this.eraseAt(subjectId, requestId, categories, context, this.clock());
  }

  /** `erase` as of `now` (the retention scheduler's time): holds are judged and the erasure dated then. */
  async eraseAt(subjectId: string, requestId: string, categories: Category[] | undefined, context: RequestContext, now: Date): Promise<ErasureCertificate> {
    if (!requestId || requestId.length > 200) throw new TypeError('an erasure needs a request id of 1-200 characters');
    const stored = await this.certificates.find(requestId);
    if (stored) return sameSubject(stored.subjectId, subjectId, stored.certificate);

    const erased = await this.appendErasure(subjectId, requestId, categories, context, now);
    const { erasedCategories, retained, erasedAt } = erased.event.data;
    const keysDestroyed = await this.shred(subjectId, requestId, erased, context);
    if (erased.whole || erasedCategories.includes('identity_document')) await this.idNumbers.releaseOthers(subjectId);
    await this.freshness.waitFor(PURGED_BY, erased.position, PROJECTIONS_TIMEOUT_MS);

    const head = await this.auditLog.createTreeHead();
    const certificate = signCertificate(this.signer, {
      requestId,
      subjectPseudonym: this.pseudonyms.of(subjectId),
      erasedCategories,
      retainedCategories: retained.map(({ category, basis, until }) => ({ category, basis, until })),
      keysDestroyed,
      erasedAt,
      position: erased.position,
      treeHead: { treeSize: head.treeSize, rootHash: head.rootHash },
      keyId: this.signer.keyId,
    });
    const kept = await this.certificates.keep(subjectId, certificate); // a concurrent attempt may have stored its own first
    this.logger.info({ subjectId, requestId, erased: erasedCategories, retained: retained.map((r) => r.category), position: erased.position }, 'subject erased');
    return sameSubject(kept.subjectId, subjectId, kept.certificate);
  }

  /**
   * Erases again what a certificate of this ledger proves was erased: after a restore from a backup
   * taken before that erasure, the subject's keys and data are back (docs/operations.md, "Backup and
   * restore"). The subject is found by the keys the certificate names and checked against its
   * pseudonym; the erasure then runs as `erase` does, under the certificate's request id, for the
   * categories it erased (the whole subject when those and the retained ones cover all it holds).
   * A certificate whose request is erased already, or whose keys are not in this ledger (a subject
   * registered after the backup), changes nothing.
   */
  async reapply(certificate: ErasureCertificate, context: RequestContext): Promise<ReappliedErasure> {
    if (certificate.keyId !== this.signer.keyId) {
      throw new DomainError<ErasureErrorCode>(
        'certificate-signature-invalid',
        `the certificate is signed by audit key ${certificate.keyId}, this ledger signs with ${this.signer.keyId}: install the audit signing key it was made under`,
        { keyId: certificate.keyId },
      );
    }
    if (!certificateSignatureValid(certificate, this.signer.verificationKey)) {
      throw new DomainError<ErasureErrorCode>(
        'certificate-signature-invalid',
        'the certificate’s signature does not verify: it is not one this ledger signed, or it was changed',
        {},
      );
    }
    const stored = await this.certificates.find(certificate.requestId);
    if (stored) {
      // request ids can repeat across restores (retention's are made of the subject and the day): the same subject, and all it erased
      const erasedAll = certificate.erasedCategories.every((category) => stored.certificate.erasedCategories.includes(category));
      if (stored.certificate.subjectPseudonym !== certificate.subjectPseudonym || !erasedAll) {
        throw new DomainError<ErasureErrorCode>('erasure-request-conflict', `request ${certificate.requestId} already certifies another erasure in this ledger`, {
          requestId: certificate.requestId,
        });
      }
      return { status: 'already-erased', certificate: stored.certificate };
    }
    const subjectId = certificate.keysDestroyed.length > 0 ? await this.subjectOfKeys(certificate.keysDestroyed) : await this.subjectOfPseudonym(certificate.subjectPseudonym);
    if (!subjectId) return { status: 'absent', detail: 'the certificate’s subject is not in this ledger: it was registered after the backup, so nothing of it is here' };
    if (this.pseudonyms.of(subjectId) !== certificate.subjectPseudonym) {
      throw new DomainError<ErasureErrorCode>('certificate-subject-mismatch', 'the certificate’s keys belong to a subject other than its pseudonym names', {});
    }
    const { state, events } = await this.subjects.load(subjectId);
    // an earlier attempt that appended the erasure but failed after it (projections still rebuilding): finish it
    const started = events.some((event) => event.type === 'SubjectErased' && event.data.requestId === certificate.requestId);
    if (!started) await this.assertHoldsInPlace(subjectId, certificate);
    const held = state.status === 'active' || state.status === 'restricted' ? Object.keys(state.held) : [];
    const whole = started || held.length === 0 || erasesWholeSubject(held, { erasedCategories: certificate.erasedCategories, retained: certificate.retainedCategories });
    const categories = whole ? undefined : (certificate.erasedCategories.filter((category) => held.includes(category)) as Category[]);
    if (categories?.length === 0) return { status: 'absent', detail: 'the subject holds none of the categories the certificate erased' };
    this.logger.info({ subjectId, requestId: certificate.requestId }, 'erasure re-applied from its certificate');
    return { status: 'erased', certificate: await this.erase(subjectId, certificate.requestId, categories, context) };
  }

  /**
   * A category the certificate kept under a legal hold that has not ended must be kept now too; a
   * restore from before the hold was placed has lost it, and erasing that category could not be
   * undone. So the hold has to be placed again first.
   */
  private async assertHoldsInPlace(subjectId: string, certificate: ErasureCertificate): Promise<void> {
    const now = this.clock();
    const heldNow = new Set<string>((await this.holds.retainedFor(subjectId, now)).map((kept) => kept.category));
    const lost = certificate.retainedCategories.filter((kept) => Date.parse(kept.until) > now.getTime() && !heldNow.has(kept.category));
    if (lost.length > 0) {
      throw new DomainError<ErasureErrorCode>(
        'legal-hold-missing',
        `the certificate kept ${lost.map((kept) => `${kept.category} (${kept.basis}, until ${kept.until})`).join(', ')} under a legal hold this ledger does not have: ` +
          'place the hold again (POST /v1/legal-holds), then re-apply',
        { categories: lost.map((kept) => kept.category) },
      );
    }
  }

  async certificate(requestId: string): Promise<ErasureCertificate | undefined> {
    return (await this.certificates.find(requestId))?.certificate;
  }

  /**
   * Once the holds that kept an erased subject's categories have ended (expired or released), those
   * categories are erased too: their keys are shredded with reason `legal-hold-ended`. Returns the
   * categories shredded now; a subject that is not erased as a whole is never touched.
   */
  async eraseUnheld(subjectId: string, now: Date, context: RequestContext): Promise<string[]> {
    const { state } = await this.subjects.load(subjectId);
    if (state.status !== 'erased') return [];
    const held = new Set<string>((await this.holds.retainedFor(subjectId, now)).map((r) => r.category));
    const ended = (await this.liveKeyCategories(subjectId)).filter((category) => !held.has(category));
    if (ended.length === 0) return [];
    const tombstones = await this.vault.shred(subjectId, ended, { reason: 'legal-hold-ended', actor: context.actor.id });
    return tombstones.map((tombstone) => tombstone.category);
  }

  /**
   * This request's SubjectErased: appended now, or found in the stream when an earlier attempt
   * appended it (or, for a subject erased as a whole, when another request did).
   */
  private async appendErasure(subjectId: string, requestId: string, categories: Category[] | undefined, context: RequestContext, now: Date): Promise<Erasure> {
    const before = await this.subjects.load(subjectId);
    const earlier = erasureIn(before.events, requestId, before.state.status === 'erased');
    if (earlier) return earlier;
    const holds = await this.holds.retainedFor(subjectId, now);
    await this.subjects.execute(subjectId, context, undefined, (_state, registry) => ({
      type: 'Erase',
      requestId,
      categories,
      holds,
      restrictionId: uuidv7(),
      now: now.toISOString(),
      registry,
    }));
    const after = await this.subjects.load(subjectId);
    const erasure = erasureIn(after.events, requestId, after.state.status === 'erased');
    if (!erasure) throw new Error(`subject ${subjectId} has no SubjectErased for request ${requestId} after its erasure was decided`);
    return erasure;
  }

  /**
   * An erasure of the whole subject destroys every live data key but those of categories kept
   * under a hold: data categories and the pseudo-categories (guardian, free text, and any a later
   * feature adds), which is why it reads the key table rather than a fixed list. An erasure of some
   * categories of a subject that stays live destroys exactly their keys. Returns the ids of all the
   * subject's destroyed keys.
   */
  private async shred(subjectId: string, requestId: string, erasure: Erasure, context: RequestContext): Promise<string[]> {
    const why = { reason: 'erasure', requestId, actor: context.actor.id };
    const { erasedCategories, retained } = erasure.event.data;
    if (erasure.whole && retained.length === 0) {
      await this.vault.shred(subjectId, undefined, why);
    } else {
      const kept = new Set<string>(retained.map((r) => r.category));
      const doomed = erasure.whole ? (await this.liveKeyCategories(subjectId)).filter((category) => !kept.has(category)) : erasedCategories;
      if (doomed.length > 0) await this.vault.shred(subjectId, doomed, why);
    }
    return (await this.vault.tombstones(subjectId)).map((tombstone) => tombstone.keyId).sort();
  }

  /** The subject a certificate that destroyed no key (everything held) names: its pseudonym, recomputed for every subject with keys. */
  private async subjectOfPseudonym(pseudonym: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ subject_id: string }>(`SELECT subject_id FROM vault_subject_keys`);
    return rows.find((row) => this.pseudonyms.of(row.subject_id) === pseudonym)?.subject_id;
  }

  /** The one subject these data keys (live or shredded) belong to, if any. */
  private async subjectOfKeys(keyIds: readonly string[]): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ subject_id: string }>(`SELECT DISTINCT subject_id FROM vault_data_keys WHERE key_id = ANY($1::uuid[])`, [keyIds]);
    if (rows.length > 1) throw new DomainError<ErasureErrorCode>('certificate-subject-mismatch', 'the certificate’s keys belong to more than one subject', {});
    return rows[0]?.subject_id;
  }

  private async liveKeyCategories(subjectId: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ category: string }>(`SELECT category FROM vault_data_keys WHERE subject_id = $1 AND wrapped_key IS NOT NULL`, [subjectId]);
    return rows.map((row) => row.category);
  }
}

/** This request's SubjectErased; for a subject erased as a whole, the one that erased it. */
function erasureIn(events: readonly RecordedEvent<SubjectEvent<unknown>>[], requestId: string, whole: boolean): Erasure | undefined {
  const erasures = events.filter((event): event is RecordedEvent<SubjectErased> => event.type === 'SubjectErased');
  const found = erasures.find((event) => event.data.requestId === requestId) ?? (whole ? erasures.at(-1) : undefined);
  return found && { event: { type: 'SubjectErased', data: found.data }, position: found.position, whole };
}

function sameSubject(storedSubjectId: string, subjectId: string, certificate: ErasureCertificate): ErasureCertificate {
  if (storedSubjectId !== subjectId) {
    throw new DomainError<ErasureErrorCode>('erasure-request-conflict', `request ${certificate.requestId} already certifies the erasure of another subject`, {
      requestId: certificate.requestId,
    });
  }
  return certificate;
}
