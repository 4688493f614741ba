import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { v7 as uuidv7 } from 'uuid';
import { RequestContext } from '../../application/request-context';
import { SubjectCommandsService } from '../subject-commands.service';
import { DiscloseDto } from '../subject-commands.dto';

export class Disclose {
  constructor(
    readonly subjectId: string,
    readonly input: DiscloseDto,
    readonly context: RequestContext,
    /** If-Match: the version the client read; undefined decides on the current one. */
    readonly ifMatch?: number,
  ) {}
}

/** Provision to another handler (PIPL Art. 23): recipient, purpose, categories and the consent. */
@CommandHandler(Disclose)
export class DiscloseHandler implements ICommandHandler<Disclose> {
  constructor(private readonly subjects: SubjectCommandsService) {}

  async execute({ subjectId, input, context, ifMatch }: Disclose) {
    const disclosureId = uuidv7();
    const result = await this.subjects.execute(subjectId, context, ifMatch, (_, registry, now) => ({
      type: 'Disclose',
      disclosureId,
      recipient: {
        name: input.recipient.name,
        contact: input.recipient.contact,
        ...(input.recipient.country ? { country: input.recipient.country } : {}),
        ...(input.recipient.transfer ? { transfer: { mechanism: input.recipient.transfer.mechanism, reference: input.recipient.transfer.reference } } : {}),
      },
      purposeId: input.purposeId,
      categories: input.categories,
      now,
      registry,
    }));
    return { disclosureId, version: result.version, position: result.position };
  }
}
