import { Inject } from '@nestjs/common';
import { LIFECYCLE_CATEGORY } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { v7 as uuidv7 } from 'uuid';
import { ageInYears } from '@pi-ledger/ledger-domain/validation/resident-id';
import { RequestContext } from '../../application/request-context';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { AccessMatrixState, assertMayWrite } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { SubjectCommandsService } from '../subject-commands.service';
import { RegisterSubjectDto } from '../subject-commands.dto';
import { SubjectIdNumbers } from '../subject-id-numbers';
import { validateSubjectData } from '../subject-data.validation';
import { chinaDate } from '../subject-data.dto';
import { reachOf } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { DepartmentsService } from '../../departments/departments.service';
import { CustomerNumbersService } from '../customer-numbers/customer-numbers.service';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { SubjectCommand } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { AlongsideConflict, EventIdConflict, WrongExpectedVersion } from '@pi-ledger/event-store/event-store.errors';
import { RegistryService } from '../../registry/registry.service';

/**
 * `subjectId`: the new subject's id when the caller must be able to recognise its own registration
 * on a retry (an import row's id is derived from its job and row); default a fresh UUIDv7.
 * `dryRun`: every check and the decision, nothing written (an import's dry run).
 */
export interface RegisterOptions {
  subjectId?: string;
  dryRun?: boolean;
  /** `false`: no customer number now; the caller allocates it (an import numbers its rows in batches: CustomerNumbersService.allocateAll). */
  number?: boolean;
}

/** A registration of a batch (RegisterSubjectHandler.executeBatch): written, refused by the domain, or left to the single path. */
export type BatchRegistration = { kind: 'registered'; subjectId: string; version: number; position: number } | { kind: 'refused'; error: DomainError } | { kind: 'single' };

interface RegistrationReads {
  matrix: AccessMatrixState;
  assignTo: { departmentId: string; healthManagerId: string | null } | undefined;
}

export class RegisterSubject {
  constructor(
    readonly input: RegisterSubjectDto,
    readonly context: RequestContext,
    readonly options: RegisterOptions = {},
  ) {}
}

@CommandHandler(RegisterSubject)
export class RegisterSubjectHandler implements ICommandHandler<RegisterSubject> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly idNumbers: SubjectIdNumbers,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly matrix: AccessMatrixService,
    private readonly departments: DepartmentsService,
    private readonly numbers: CustomerNumbersService,
    private readonly registry: RegistryService,
  ) {}

  async execute({ input, context, options }: RegisterSubject) {
    const subjectId = options.subjectId ?? uuidv7();
    const { idNumber, build } = this.plan(input, context, subjectId, await this.reads(context));
    if (options.dryRun) {
      if (idNumber) await this.idNumbers.assertAvailable(subjectId, idNumber);
      await this.subjects.decide(subjectId, (_, registry, now) => build(registry, now));
      return { subjectId, customerNumber: null, version: 0, position: 0 };
    }
    const reserved = idNumber ? await this.idNumbers.reserve(subjectId, idNumber) : undefined;
    try {
      const result = await this.subjects.execute(subjectId, context, undefined, (_, registry, now) => build(registry, now));
      // after the registration, so a refused one takes no number (customer-number.ts)
      const numbered = options.number === false ? undefined : await this.numbers.allocateOrDefer(subjectId, context);
      return { subjectId, customerNumber: numbered?.customerNumber ?? null, version: result.version, position: Math.max(result.position, numbered?.position ?? 0) };
    } catch (error) {
      if (reserved?.fresh) await this.idNumbers.release(subjectId, reserved.hash);
      throw error;
    }
  }

  /**
   * Registrations of one actor written together (an import's batch; their ids given, no customer
   * numbers, no dry runs): the same checks and decider as `execute`, with the access matrix, the
   * actor's assignment, the registry and the time read once for the batch, the ID numbers reserved
   * in one statement and the subjects appended in one (SubjectCommandsService.registerNew). Per
   * command: `registered`, `refused` (its domain error; nothing of it written), or `single` (its ID
   * number is held already, or the batch's append was refused as a whole): `execute` decides it.
   */
  async executeBatch(commands: readonly RegisterSubject[]): Promise<BatchRegistration[]> {
    const outcomes: BatchRegistration[] = commands.map(() => ({ kind: 'single' }));
    if (commands.length === 0) return outcomes;
    const actor = commands[0].context.actor;
    const reads = await this.reads(commands[0].context);
    const planned: Array<{ index: number; subjectId: string; idNumber?: string; build: ReturnType<RegisterSubjectHandler['plan']>['build'] }> = [];
    commands.forEach(({ input, context, options }, index) => {
      if (!options.subjectId || options.dryRun || context.actor.id !== actor.id || context.actor.departmentId !== actor.departmentId) return;
      try {
        planned.push({ index, subjectId: options.subjectId, ...this.plan(input, context, options.subjectId, reads) });
      } catch (error) {
        // anything but the domain's refusal: the single path meets it as a request would
        if (error instanceof DomainError) outcomes[index] = { kind: 'refused', error };
      }
    });
    const claims = planned.flatMap(({ subjectId, idNumber }) => (idNumber ? [{ subjectId, idNumber }] : []));
    const reserved = claims.length > 0 ? await this.idNumbers.reserveAll(claims) : new Set<string>();
    const mine = (item: { subjectId: string; idNumber?: string }) => !item.idNumber || reserved.has(item.subjectId);
    const ready = planned.filter(mine);
    const release = (items: typeof planned) => this.idNumbers.releaseAll(items.flatMap(({ subjectId, idNumber }) => (idNumber ? [{ subjectId, idNumber }] : [])));
    if (ready.length === 0) return outcomes;
    const registry = await this.registry.current();
    const now = this.clock().toISOString();
    let results: Awaited<ReturnType<SubjectCommandsService['registerNew']>>;
    try {
      results = await this.subjects.registerNew(
        ready.map(({ index, subjectId, build }) => ({ subjectId, context: commands[index].context, command: build(registry, now) })),
        registry,
      );
    } catch (error) {
      if (!(error instanceof WrongExpectedVersion || error instanceof AlongsideConflict || error instanceof EventIdConflict)) throw error;
      await release(ready); // nothing was written: each takes the single path
      return outcomes;
    }
    await release(ready.filter((_, at) => 'error' in results[at]));
    ready.forEach(({ index, subjectId }, at) => {
      const result = results[at];
      if (!('error' in result)) outcomes[index] = { kind: 'registered', subjectId, version: result.version, position: result.position };
      else if (result.error instanceof DomainError) outcomes[index] = { kind: 'refused', error: result.error };
    });
    return outcomes;
  }

  /** What a registration reads besides its stream and the registry, once for a batch of one actor's: the access matrix, the actor's own assignment. */
  private async reads(context: RequestContext): Promise<RegistrationReads> {
    const [matrix, assignTo] = await Promise.all([this.matrix.current(), this.ownAssignment(context)]);
    return { matrix, assignTo };
  }

  /** A registration's checks that need no stream (validation, the matrix), and the command to decide. */
  private plan(input: RegisterSubjectDto, context: RequestContext, subjectId: string, { matrix, assignTo }: RegistrationReads) {
    const { data, birthDate, idNumber } = validateSubjectData(input.data, chinaDate(this.clock()));
    const written = Object.keys(data) as Category[];
    assertMayWrite(matrix, context.actor.roles, input.lifecycleStage && !written.includes(LIFECYCLE_CATEGORY) ? [...written, LIFECYCLE_CATEGORY] : written);
    const build = (registry: RegistryState, now: string): SubjectCommand => ({
      type: 'RegisterSubject',
      subjectId,
      purposeId: input.purposeId,
      noticeVersion: input.noticeVersion,
      channel: input.channel,
      consents: (input.consents ?? []).map((consent) => ({
        ...consent,
        consentId: uuidv7(),
        guardian: consent.guardian && { ...consent.guardian },
        evidence: consent.evidence && { ...consent.evidence },
      })),
      data: data,
      ageYears: birthDate ? ageInYears(birthDate, new Date(now)) : undefined,
      ...(assignTo ? { assignTo } : {}),
      ...(input.lifecycleStage ? { lifecycleStage: input.lifecycleStage } : {}),
      now,
      registry,
    });
    return { idNumber, build };
  }

  /**
   * A health manager or customer-service member registering a customer keeps it within reach: it is
   * assigned to the registrant's department (when active) and, for a health manager, to the registrant.
   */
  private async ownAssignment(context: RequestContext): Promise<{ departmentId: string; healthManagerId: string | null } | undefined> {
    const reach = reachOf(context.actor);
    if (reach.kind === 'all' || reach.departmentId === null) return undefined;
    const department = await this.departments.find(reach.departmentId);
    return department?.status === 'active' ? { departmentId: department.departmentId, healthManagerId: reach.healthManagerId } : undefined;
  }
}
