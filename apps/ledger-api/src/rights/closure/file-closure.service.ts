import { Inject, Injectable } from '@nestjs/common';
import { v7 as uuidv7 } from 'uuid';
import { RelationshipEndReason } from '@pi-ledger/ledger-domain/subject/subject.events';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { SubjectCommandsService } from '../../subjects/subject-commands.service';
import { ErasureService } from '../erasure/erasure.service';
import { RetentionScheduler } from '../retention/retention.scheduler';

/** A category the closure left for later: kept for its retention after the end, or by a legal hold. */
export interface KeptCategory {
  category: string;
  until: string | null;
}

export interface RelationshipEnd {
  subjectId: string;
  relationshipEnded: { reason: RelationshipEndReason; endedAt: string };
  /** Categories still kept, each until its retention after the end runs out; the retention sweep erases them then. */
  kept: KeptCategory[];
  position: number;
}

export interface FileClosure extends RelationshipEnd {
  /** The erasure made now of what no retention keeps, with its certificate; null when every category is still kept. */
  erasure: { requestId: string; certificate: string; erasedCategories: string[]; retainedCategories: Array<{ category: string; basis: string; until: string }> } | null;
}

/**
 * The end of the centre's relationship with a customer, and the closing of the customer's file
 * (what the centre's documents call deleting a customer). Ending the relationship records
 * RelationshipEnded and restricts processing to storage (PIPL Art. 47, second paragraph); from then
 * each category is kept only for its retention after the end (registry) and the retention sweep
 * erases it when that runs out. Closing the file also erases at once, on the centre's initiative
 * (Art. 47(1)), every category no retention or legal hold keeps, with a certificate.
 */
@Injectable()
export class FileClosureService {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly erasure: ErasureService,
    private readonly retention: RetentionScheduler,
    private readonly registry: RegistryService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {}

  /** Records the end (once; a second call changes nothing) and says what stays until when. */
  async endRelationship(subjectId: string, reason: RelationshipEndReason, context: RequestContext): Promise<RelationshipEnd> {
    await this.subjects.execute(subjectId, context, undefined, (_state, registry, now) => ({ type: 'EndRelationship', reason, restrictionId: uuidv7(), now, registry }));
    return this.standing(subjectId);
  }

  /**
   * Ends the relationship, then erases every category already due (request id `close-<subjectId>`,
   * initiative `handler`, ground the reason). Legal holds keep what they hold, as in any erasure.
   * Idempotent: a second call returns the same erasure and certificate.
   */
  async close(subjectId: string, reason: RelationshipEndReason, context: RequestContext): Promise<FileClosure> {
    const requestId = `close-${subjectId}`;
    let certificate = await this.erasure.certificate(requestId);
    if (!certificate) {
      const end = await this.endRelationship(subjectId, reason, context);
      const now = this.clock();
      const { due } = await this.retention.verdict(subjectId, await this.registry.current(), now);
      if (due.length === 0) return { ...end, erasure: null };
      certificate = await this.erasure.eraseAt(subjectId, requestId, due, context, now, { initiative: 'handler', ground: end.relationshipEnded.reason });
    }
    const { erasedCategories, retainedCategories, position } = certificate;
    return { ...(await this.standing(subjectId)), position, erasure: { requestId, certificate: `/v1/erasure-certificates/${requestId}`, erasedCategories, retainedCategories } };
  }

  /** The end as recorded and what is kept now, for a subject whose relationship ended (erased since, possibly). */
  private async standing(subjectId: string): Promise<RelationshipEnd> {
    const { events } = await this.subjects.load(subjectId);
    const ended = events.find((event) => event.type === 'RelationshipEnded');
    if (ended?.type !== 'RelationshipEnded') throw new Error(`subject ${subjectId} has no RelationshipEnded after its end was decided`);
    const verdict = await this.retention.verdict(subjectId, await this.registry.current(), this.clock());
    const kept = verdict.kept.map(({ category, keptBy }) => ({
      category,
      until: keptBy.flatMap((keeper) => ('until' in keeper && keeper.until ? [keeper.until] : [])).at(0) ?? null,
    }));
    return { subjectId, relationshipEnded: { reason: ended.data.reason, endedAt: ended.data.endedAt }, kept, position: ended.position };
  }
}
