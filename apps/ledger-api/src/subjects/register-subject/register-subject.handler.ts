import { Inject } from '@nestjs/common';
import { LIFECYCLE_CATEGORY } from '@pi-ledger/ledger-domain/subject/subject.decider';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { v7 as uuidv7 } from 'uuid';
import { ageInYears } from '@pi-ledger/ledger-domain/validation/resident-id';
import { RequestContext } from '../../application/request-context';
import { AccessMatrixService } from '../../access-matrix/access-matrix.service';
import { assertMayWrite } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.decider';
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
  ) {}

  async execute({ input, context, options }: RegisterSubject) {
    const { data, birthDate, idNumber } = validateSubjectData(input.data, chinaDate(this.clock()));
    const written = Object.keys(data) as Category[];
    assertMayWrite(await this.matrix.current(), context.actor.roles, input.lifecycleStage && !written.includes(LIFECYCLE_CATEGORY) ? [...written, LIFECYCLE_CATEGORY] : written);
    const subjectId = options.subjectId ?? uuidv7();
    const assignTo = await this.ownAssignment(context);
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
