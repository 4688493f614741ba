import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { RequestContext } from '../../application/request-context';
import { SubjectCommandsService } from '../subject-commands.service';
import { RestrictDto } from '../subject-commands.dto';
import { validationFailed } from '../subject-data.validation';
import { AUTOMATED_DECISIONS_ID } from '@pi-ledger/ledger-domain/subject/processing-rules';

export class RestrictProcessing {
  constructor(
    readonly subjectId: string,
    readonly input: RestrictDto,
    readonly context: RequestContext,
    /** If-Match: the version the client read; undefined decides on the current one. */
    readonly ifMatch?: number,
  ) {}
}

export class LiftRestriction {
  constructor(
    readonly subjectId: string,
    readonly restrictionId: string,
    readonly context: RequestContext,
    readonly ifMatch?: number,
  ) {}
}

@CommandHandler(RestrictProcessing)
export class RestrictProcessingHandler implements ICommandHandler<RestrictProcessing> {
  constructor(private readonly subjects: SubjectCommandsService) {}

  async execute({ subjectId, input, context, ifMatch }: RestrictProcessing) {
    if (input.kind === 'automated-decision-making' && input.purposeIds)
      throw validationFailed([{ path: 'purposeIds', message: 'a refusal of automated decisions names no purposes' }]);
    const purposeIds = input.kind === 'automated-decision-making' ? [AUTOMATED_DECISIONS_ID] : input.purposeIds;
    const restrictionId = uuidv7();
    const result = await this.subjects.execute(subjectId, context, ifMatch, (_, registry, now) => ({
      type: 'RestrictProcessing',
      restrictionId,
      purposeIds,
      reason: input.reason,
      now,
      registry,
    }));
    return { restrictionId, version: result.version, position: result.position };
  }
}

@CommandHandler(LiftRestriction)
export class LiftRestrictionHandler implements ICommandHandler<LiftRestriction> {
  constructor(private readonly subjects: SubjectCommandsService) {}

  async execute({ subjectId, restrictionId, context, ifMatch }: LiftRestriction) {
    const result = await this.subjects.execute(subjectId, context, ifMatch, (_, registry, now) => ({ type: 'LiftRestriction', restrictionId, now, registry }));
    return { restrictionId, version: result.version, position: result.position };
  }
}
