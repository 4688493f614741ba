import { assertMaySeeSubject } from '@pi-ledger/access-control/subject-scope';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { RequestContext } from '../application/request-context';

/**
 * The purpose a read of a subject's information is made for (X-Processing-Purpose). A data subject
 * reads its own record without one; everyone else must name it (400), and a subject's token on
 * another record is refused before anything else (403).
 */
export function purposeOfReading(context: RequestContext, subjectId: string | undefined, purpose: string | undefined): string | undefined {
  if (subjectId !== undefined) assertMaySeeSubject(context.actor, subjectId);
  const ownRecord = context.actor.roles.includes('data_subject') && subjectId !== undefined && context.actor.subjectId === subjectId;
  if (!purpose && !ownRecord) {
    throw new ProblemException(400, 'purpose-required', 'Purpose of access required', 'reading personal information needs an X-Processing-Purpose header', [
      { path: 'headers.x-processing-purpose', message: 'required' },
    ]);
  }
  return purpose || undefined;
}
