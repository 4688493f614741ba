import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertMayWrite } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { LIFECYCLE_CATEGORY } from '@pi-ledger/ledger-domain/subject/subject.decider';
import type { LifecycleStage } from '@pi-ledger/ledger-domain/subject/lifecycle';
import { RequestContext } from '../../application/request-context';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { SubjectCommandsService } from '../subject-commands.service';

export class ChangeLifecycleStage {
  constructor(
    readonly subjectId: string,
    readonly stage: LifecycleStage,
    readonly purposeId: string,
    readonly ifMatch: number | undefined,
    readonly context: RequestContext,
  ) {}
}

/** Moves a customer to another lifecycle stage: a LifecycleStageChanged on its stream, under the rules of customer_profile. */
@CommandHandler(ChangeLifecycleStage)
export class ChangeLifecycleStageHandler implements ICommandHandler<ChangeLifecycleStage> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly matrix: AccessMatrixService,
  ) {}

  async execute({ subjectId, stage, purposeId, ifMatch, context }: ChangeLifecycleStage) {
    assertMayWrite(await this.matrix.current(), context.actor.roles, [LIFECYCLE_CATEGORY]);
    const result = await this.subjects.execute(subjectId, context, ifMatch, (_, registry, now) => ({ type: 'ChangeLifecycleStage', stage, purposeId, now, registry }));
    const changed = result.events.find((event) => event.type === 'LifecycleStageChanged');
    // no event: the customer was at that stage already
    const lifecycle = changed ? { stage: changed.data.to, changedAt: changed.data.changedAt } : await this.current(subjectId);
    return { subjectId, lifecycle, version: result.version, position: result.position };
  }

  private async current(subjectId: string) {
    const { state } = await this.subjects.load(subjectId);
    return 'lifecycle' in state ? state.lifecycle : null;
  }
}
