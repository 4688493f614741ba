import { Injectable } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { ChangeData } from '../../subjects/change-data/change-data.handler';
import { WithdrawConsent } from '../../subjects/consents/consents.handler';
import { RestrictProcessing } from '../../subjects/restrictions/restrictions.handler';
import type { RestrictDto } from '../../subjects/subject-commands.dto';
import { ErasureService } from '../erasure/erasure.service';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { derivedId, templates } from '../../messages/message-templates';
import { ServiceMessages } from '../../messages/service-messages';
import { LiveRequest } from './rights-requests.service';
import { SubjectExport } from './subject-export';

/**
 * Carries a verified request out through the domain, so every effect is an event in the ledger
 * that names the request: correction events carry its id, erasure shreds keys and signs a
 * certificate, withdrawal erases what only that consent justified (Art. 47(3)).
 */
@Injectable()
export class RightsFulfilment {
  constructor(
    private readonly commands: CommandBus,
    private readonly exports: SubjectExport,
    private readonly erasure: ErasureService,
    private readonly profiles: SubjectProfileQueries,
    private readonly registry: RegistryService,
    private readonly notices: ServiceMessages,
    private readonly freshness: ProjectionFreshness,
  ) {}

  async perform(request: LiveRequest, context: RequestContext): Promise<Record<string, unknown>> {
    const { requestId, subjectId, details } = request;
    switch (request.requestType) {
      case 'access':
      case 'copy':
      case 'portability':
        return { export: `/v1/rights-requests/${requestId}/export`, format: 'pi-ledger-export/v1' };
      case 'explanation':
        return { explanation: await this.exports.explain(subjectId) };
      case 'decision_explanation':
        return { explanation: await this.exports.explainDecision(subjectId, details.purposeId as string, details.decisionRef as string) };
      case 'correction':
      case 'supplement': {
        const applied = [];
        for (const change of details.changes as Array<{ category: Category; set: Record<string, unknown>; purposeId: string }>) {
          const input = { set: change.set, reason: request.requestType, purposeId: change.purposeId, rightsRequestId: requestId };
          const result: { version: number; position: number } = await this.commands.execute(new ChangeData(subjectId, change.category, input, undefined, context));
          applied.push({ category: change.category, fields: Object.keys(change.set), ...result });
        }
        return { applied, notice: await this.changeNotice(request, Math.max(0, ...applied.map((a) => a.position)), context) };
      }
      case 'restriction': {
        const kind = details.kind as RestrictDto['kind'];
        const input = { purposeIds: details.purposeIds as string[] | undefined, ...(kind ? { kind } : {}), reason: `rights request ${requestId}` };
        return this.commands.execute(new RestrictProcessing(subjectId, input, context));
      }
      case 'consent_withdrawal': {
        const consentId = details.consentId as string;
        await this.commands.execute(new WithdrawConsent(subjectId, consentId, context));
        const categories = await this.heldOnlyUnder(subjectId, consentId);
        if (categories.length === 0) return { consentId, erasedCategories: [] };
        const certificate = await this.erasure.erase(subjectId, requestId, categories, context, { initiative: 'subject', ground: 'consent-withdrawn' });
        return { consentId, erasedCategories: certificate.erasedCategories, certificate: `/v1/rights-requests/${requestId}/certificate` };
      }
      case 'erasure':
      case 'account_closure': {
        const certificate = await this.erasure.erase(subjectId, requestId, details.categories as Category[] | undefined, context);
        return {
          certificate: `/v1/rights-requests/${requestId}/certificate`,
          erasedCategories: certificate.erasedCategories,
          retainedCategories: certificate.retainedCategories,
        };
      }
      default: {
        const unknown: never = request.requestType;
        return unknown;
      }
    }
  }

  /**
   * Tells the customer its correction or supplement was made (PIPL Art. 46), through the outbox, to
   * the address on file after the change (so a corrected address is used): one message per request
   * (its id derives from the request's), a retry finds it queued. Without a basis or an address the
   * notice is skipped and the result says why, for the officer to tell the customer otherwise.
   */
  private async changeNotice(request: LiveRequest, position: number, context: RequestContext): Promise<{ messageId: string } | { skipped: string }> {
    const { requestId, subjectId } = request;
    const messageId = derivedId('change-notice', requestId);
    try {
      await this.freshness.waitFor(['subject_profile'], position);
    } catch {
      return { skipped: 'projection-lagging' };
    }
    const content = () => templates.changeNotice(requestId, request.requestType === 'supplement');
    const outcome = await this.notices.queue({ subjectId, kind: 'change_notice', source: { kind: 'rights-request', requestId }, messageId, content }, context);
    return 'skipped' in outcome ? outcome : { messageId };
  }

  /** Categories of a (withdrawn) consent that no other active consent nor a non-consent purpose covers. */
  private async heldOnlyUnder(subjectId: string, consentId: string): Promise<Category[]> {
    const profile = await this.profiles.find(subjectId);
    if (!profile) return [];
    const consent = profile.consents.find((c) => c.consentId === consentId);
    if (!consent) return [];
    const { purposes } = await this.registry.current();
    const otherwise = new Set<string>([
      ...profile.consents.filter((c) => c.consentId !== consentId && c.status === 'active').flatMap((c) => c.categories),
      ...Object.values(purposes)
        .filter((p) => p.legalBasis !== 'consent')
        .flatMap((p) => p.categories as string[]),
    ]);
    return consent.categories.filter((category) => category in profile.data && !otherwise.has(category));
  }
}
