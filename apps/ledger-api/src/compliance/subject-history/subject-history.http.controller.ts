import { Controller, Get, Headers, Param, Query } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Category, isCategory } from '@pi-ledger/ledger-domain/registry/categories';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { HistoryEntry } from './subject-history';
import { SubjectHistory } from './subject-history.query';
import { COMPLIANCE_AUDIT_PURPOSE_ID, COMPLIANCE_AUDIT_ROLES, REVEAL_REASONS, RevealReason } from './compliance-audit';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects')
export class SubjectHistoryHttpController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/history')
  @Roles(...COMPLIANCE_AUDIT_ROLES)
  @ApiHeader({
    name: 'X-Processing-Purpose',
    required: true,
    description: `Why the history is read; recorded in the access log. ${COMPLIANCE_AUDIT_PURPOSE_ID}: a compliance audit (officers and auditors; values masked unless revealed with a reason); a registry purpose: the profile read's rules (officers)`,
  })
  @ApiHeader({ name: 'X-Reveal-Reason', required: false, description: `With ?reveal= under ${COMPLIANCE_AUDIT_PURPOSE_ID}: ${REVEAL_REASONS.join(', ')}` })
  @ApiQuery({ name: 'reveal', required: false, description: 'Categories to show unmasked, e.g. contact,identity_document' })
  @ApiOperation({ summary: 'Field-level history of a subject: every change with old and new value, actor, reason, purpose; the read is recorded' })
  history(
    @Param('id', SubjectIdPipe) id: string,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Headers('x-reveal-reason') revealReason: string | undefined,
    @Query('reveal') reveal: string | undefined,
    @Ctx() context: RequestContext,
  ): Promise<HistoryEntry[]> {
    // an audit read always names its purpose, even by an officer who is also this data subject
    if (!purpose) throw purposeRequired();
    const categories = parseReveal(reveal);
    if (purpose !== COMPLIANCE_AUDIT_PURPOSE_ID) {
      if (!context.actor.roles.includes('compliance_officer')) {
        throw new ProblemException(403, 'forbidden', 'Forbidden', `an auditor reads a subject's history only under ${COMPLIANCE_AUDIT_PURPOSE_ID}`);
      }
      return this.queries.execute(new SubjectHistory(id, purpose, categories, context));
    }
    return this.queries.execute(new SubjectHistory(id, purpose, categories, context, parseRevealReason(revealReason, categories)));
  }
}

/** Under the compliance-audit purpose, revealing values takes a reason from the closed list; without ?reveal= none is needed. */
function parseRevealReason(reason: string | undefined, reveal: readonly Category[]): RevealReason | undefined {
  if (reason === undefined && reveal.length === 0) return undefined;
  if (reason === undefined) {
    throw new ProblemException(400, 'reveal-reason-required', 'Reason to reveal required', `revealing values in a compliance audit needs an X-Reveal-Reason header`, [
      { path: 'headers.x-reveal-reason', message: `required with reveal: one of ${REVEAL_REASONS.join(', ')}` },
    ]);
  }
  if (!(REVEAL_REASONS as readonly string[]).includes(reason)) {
    throw new ProblemException(400, 'validation-failed', 'The request is invalid', 'x-reveal-reason: not a reason of the list', [
      { path: 'headers.x-reveal-reason', message: `must be one of ${REVEAL_REASONS.join(', ')}` },
    ]);
  }
  return reason as RevealReason;
}

function purposeRequired(): ProblemException {
  return new ProblemException(400, 'purpose-required', 'Purpose of access required', 'reading a subject’s history needs an X-Processing-Purpose header', [
    { path: 'headers.x-processing-purpose', message: 'required' },
  ]);
}

function parseReveal(reveal: string | undefined): Category[] {
  if (reveal === undefined) return [];
  const names = String(reveal)
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !isCategory(name));
  if (unknown.length > 0) {
    throw new ProblemException(400, 'validation-failed', 'The request is invalid', `reveal: unknown categories ${unknown.join(', ')}`, [
      { path: 'query.reveal', message: 'unknown category' },
    ]);
  }
  return names as Category[];
}
