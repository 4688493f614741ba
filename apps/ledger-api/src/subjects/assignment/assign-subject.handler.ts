import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertAssignable } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { RequestContext } from '../../application/request-context';
import { DepartmentsService } from '../../departments/departments.service';
import { SubjectCommandsService } from '../subject-commands.service';

export class AssignSubject {
  constructor(
    readonly subjectId: string,
    readonly departmentId: string,
    readonly healthManagerId: string | null,
    readonly ifMatch: number | undefined,
    readonly context: RequestContext,
  ) {}
}

/** Assigns a customer to an active department and, optionally, one health manager: a SubjectAssigned on its stream. */
@CommandHandler(AssignSubject)
export class AssignSubjectHandler implements ICommandHandler<AssignSubject> {
  constructor(
    private readonly subjects: SubjectCommandsService,
    private readonly departments: DepartmentsService,
  ) {}

  async execute({ subjectId, departmentId, healthManagerId, ifMatch, context }: AssignSubject) {
    const result = await this.subjects.execute(subjectId, context, ifMatch, async (_, registry, now) => {
      // read on every attempt: a department deactivated meanwhile takes no customer
      assertAssignable(await this.departments.find(departmentId), departmentId);
      return { type: 'AssignSubject', departmentId, healthManagerId, now, registry };
    });
    return { subjectId, assignment: { departmentId, healthManagerId }, version: result.version, position: result.position };
  }
}
