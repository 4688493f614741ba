import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { assertMaySeeSubject } from '@pi-ledger/access-control/subject-scope';
import { RequestContext } from '../../application/request-context';
import { SubjectCommandsService } from '../subject-commands.service';
import { GrantConsentDto } from '../subject-commands.dto';

export class GrantConsent {
  constructor(
    readonly subjectId: string,
    readonly input: GrantConsentDto,
    readonly ifMatch: number | undefined,
    readonly context: RequestContext,
  ) {}
}

export class WithdrawConsent {
  constructor(
    readonly subjectId: string,
    readonly consentId: string,
    readonly context: RequestContext,
    /** If-Match: the version the client read; undefined decides on the current one. */
    readonly ifMatch?: number,
  ) {}
}

@CommandHandler(GrantConsent)
export class GrantConsentHandler implements ICommandHandler<GrantConsent> {
  constructor(private readonly subjects: SubjectCommandsService) {}

  async execute({ subjectId, input, ifMatch, context }: GrantConsent) {
    const consentId = uuidv7();
    const result = await this.subjects.execute(subjectId, context, ifMatch, (_, registry, now) => ({
      type: 'GrantConsent',
      consentId,
      purposeId: input.purposeId,
      categories: input.categories,
      separate: input.separate,
      guardian: input.guardian && { ...input.guardian },
      ...(input.crossBorderCountries ? { crossBorderCountries: [...input.crossBorderCountries] } : {}),
      noticeVersion: input.noticeVersion,
      channel: input.channel,
      now,
      registry,
    }));
    return { consentId, version: result.version, position: result.position };
  }
}

/** As easy as giving consent (PIPL Art. 15): one call, by staff or by the subject itself. */
@CommandHandler(WithdrawConsent)
export class WithdrawConsentHandler implements ICommandHandler<WithdrawConsent> {
  constructor(private readonly subjects: SubjectCommandsService) {}

  async execute({ subjectId, consentId, context, ifMatch }: WithdrawConsent) {
    assertMaySeeSubject(context.actor, subjectId);
    const withdrawnBy = context.actor.roles.includes('data_subject') ? 'subject' : context.actor.id;
    const result = await this.subjects.execute(subjectId, context, ifMatch, (_, registry, now) => ({
      type: 'WithdrawConsent',
      consentId,
      withdrawnBy,
      now,
      registry,
    }));
    return { consentId, status: 'withdrawn', version: result.version, position: result.position };
  }
}
