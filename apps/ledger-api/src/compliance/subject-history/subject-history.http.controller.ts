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

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects')
export class SubjectHistoryHttpController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id/history')
  @Roles('compliance_officer')
  @ApiHeader({ name: 'X-Processing-Purpose', required: true, description: 'Why the history is read; recorded in the access log' })
  @ApiQuery({ name: 'reveal', required: false, description: 'Categories to show unmasked, e.g. contact,identity_document' })
  @ApiOperation({ summary: 'Field-level history of a subject: every change with old and new value, actor, reason, purpose; the read is recorded' })
  history(
    @Param('id', SubjectIdPipe) id: string,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Query('reveal') reveal: string | undefined,
    @Ctx() context: RequestContext,
  ): Promise<HistoryEntry[]> {
    // an audit read always names its purpose, even by an officer who is also this data subject
    if (!purpose) throw purposeRequired();
    return this.queries.execute(new SubjectHistory(id, purpose, parseReveal(reveal), context));
  }
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
