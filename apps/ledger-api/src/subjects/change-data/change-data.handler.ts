import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { RequestContext } from '../../application/request-context';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { assertMayWrite } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { SubjectCommandsService } from '../subject-commands.service';
import { SubjectIdNumbers } from '../subject-id-numbers';
import { evolveProfile, SubjectProfileDocument } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import { identityFacts, validationFailed } from '../subject-data.validation';
import { chinaDate, validateCategoryFields, validateListItem } from '../subject-data.dto';
import { AddItemDto, ChangeDataDto } from '../subject-commands.dto';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { loadStream } from '@pi-ledger/event-store/command-handler';
import { NamedRightsRequest } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { evolveRightsRequest, RightsRequestState } from '@pi-ledger/ledger-domain/rights-request/rights-request.decider';
import { RightsRequestEvent, rightsRequestStream } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';

export class ChangeData {
  constructor(
    readonly subjectId: string,
    readonly category: Category,
    readonly input: ChangeDataDto,
    readonly ifMatch: number | undefined,
    readonly context: RequestContext,
  ) {}
}

export class AddDataItem {
  constructor(
    readonly subjectId: string,
    readonly category: Category,
    readonly field: string,
    readonly input: AddItemDto,
    readonly ifMatch: number | undefined,
    readonly context: RequestContext,
  ) {}
}

@CommandHandler(ChangeData)
export class ChangeDataHandler implements ICommandHandler<ChangeData> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly idNumbers: SubjectIdNumbers,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly matrix: AccessMatrixService,
  ) {}

  async execute({ subjectId, category, input, ifMatch, context }: ChangeData) {
    assertMayWrite(await this.matrix.current(), context.actor.roles, [category]);
    const today = chinaDate(this.clock());
    const { value: set, problems } = validateCategoryFields(category, input.set, 'set', today, true);
    if (problems.length > 0) throw validationFailed(problems);
    if (Object.keys(set).length === 0) throw validationFailed([{ path: 'set', message: 'must set or remove at least one field' }]);
    const newNumber = category === 'identity_document' && typeof set.number === 'string' ? set.number : undefined;
    const reserved = newNumber ? await this.idNumbers.reserve(subjectId, newNumber) : undefined;
    let result: { version: number; position: number };
    try {
      result = await this.subjects.execute(subjectId, context, ifMatch, async (_, registry, now) => {
        // only once the caller's reach is established (execute checks it first): the check reads the
        // customer's identity, and its answer must not tell an out-of-scope caller whether a birth date is right
        if (category === 'identity' ? 'birthDate' in set : category === 'identity_document') await this.checkIdentity(subjectId, category, set, today);
        return {
          type: 'ChangeData',
          category,
          set,
          reason: input.reason,
          purposeId: input.purposeId,
          ...(input.rightsRequestId === undefined ? {} : { rightsRequestId: input.rightsRequestId, rightsRequest: await this.namedRequest(input.rightsRequestId) }),
          now,
          registry,
        };
      });
    } catch (error) {
      // refused (412, restricted, no basis…): the number was never this subject's; free it again
      if (reserved?.fresh) await this.idNumbers.release(subjectId, reserved.hash);
      throw error;
    }
    if (category === 'identity_document' && 'number' in set) await this.idNumbers.releaseOthers(subjectId, reserved?.hash);
    return { version: result.version, position: result.position };
  }

  /** The rights request a change names, as its stream stands now (read again on every attempt), null when none. */
  private async namedRequest(requestId: string): Promise<NamedRightsRequest | null> {
    const { state } = await loadStream<RightsRequestState, RightsRequestEvent>(this.store, rightsRequestStream(requestId), {
      initialState: () => ({ status: 'absent' }),
      evolve: evolveRightsRequest,
    });
    return state.status === 'absent' ? null : { subjectId: state.subjectId, requestType: state.requestType, status: state.status };
  }

  /** A resident ID number and identity.birthDate must agree, whichever of the two changes. */
  private async checkIdentity(subjectId: string, category: Category, set: Record<string, unknown>, today: string): Promise<void> {
    const { events } = await this.subjects.load(subjectId);
    const opened = await this.subjects.openEvents(events);
    const profile = opened.reduce<SubjectProfileDocument | null>((document, { recorded, event }) => evolveProfile(document, event, recorded.streamVersion), null);
    const current = profile?.data ?? {};
    const identity = { ...(current.identity ?? {}), ...(category === 'identity' ? set : {}) };
    const document = { ...(current.identity_document ?? {}), ...(category === 'identity_document' ? set : {}) };
    const path = category === 'identity' ? 'set.birthDate' : 'set.number';
    const { problems } = identityFacts(identity.birthDate as string | undefined, document, path, today);
    if (problems.length > 0) throw validationFailed(problems.map((p) => ({ ...p, path })));
  }
}

@CommandHandler(AddDataItem)
export class AddDataItemHandler implements ICommandHandler<AddDataItem> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly matrix: AccessMatrixService,
  ) {}

  async execute({ subjectId, category, field, input, ifMatch, context }: AddDataItem) {
    assertMayWrite(await this.matrix.current(), context.actor.roles, [category]);
    const { value: item, problems } = validateListItem(category, field, input.item, 'item', chinaDate(this.clock()));
    if (problems.length > 0) throw validationFailed(problems);
    const result = await this.subjects.execute(subjectId, context, ifMatch, (_, registry, now) => ({
      type: 'AddDataItem',
      category,
      field,
      item,
      purposeId: input.purposeId,
      now,
      registry,
    }));
    return { version: result.version, position: result.position };
  }
}
