import { Controller, Get, Headers, Param, Query, Res } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { Category, isCategory } from '@pi-ledger/ledger-domain/registry/categories';
import { PersonalDataLookup } from '../../http/personal-data-lookup';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { etag } from '../../http/if-match';
import { ReadsProjections } from '../../http/min-position';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { purposeOfReading } from '../../http/processing-purpose';
import { ReadSubject } from './read-subject.query';
import { parseAsOf } from '../../compliance/subject-as-of/as-of';
import { ReadSubjectAsOf } from '../../compliance/subject-as-of/read-subject-as-of.query';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects')
export class ReadSubjectHttpController {
  constructor(private readonly queries: QueryBus) {}

  @Get(':id')
  @PersonalDataLookup()
  @Roles(...FILE_ROLES, 'compliance_officer', 'data_subject')
  @ReadsProjections('subject_profile')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required for staff and compliance officers' })
  @ApiQuery({ name: 'reveal', required: false, description: 'Categories to show unmasked, e.g. contact,identity_document' })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO 8601 time: the state at that time, folded from the log (compliance officers; a subject its own)' })
  @ApiOperation({ summary: 'A subject’s current data under a purpose (masked), with its consents; the read is recorded' })
  async read(
    @Param('id', SubjectIdPipe) id: string,
    @Headers('x-processing-purpose') purpose: string | undefined,
    @Query('reveal') reveal: string | undefined,
    @Query('asOf') asOf: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const purposeId = purposeOfReading(context, id, purpose);
    const query =
      asOf === undefined ? new ReadSubject(id, purposeId, parseReveal(reveal), context) : new ReadSubjectAsOf(id, purposeId, parseReveal(reveal), parseAsOf(asOf), context);
    const profile: { version: number } = await this.queries.execute(query);
    void reply.header('etag', etag(profile.version));
    return profile;
  }
}

function parseReveal(reveal: string | undefined): Category[] {
  if (!reveal) return [];
  const names = reveal
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !isCategory(name));
  if (unknown.length > 0)
    throw new ProblemException(400, 'validation-failed', 'The request is invalid', `reveal: unknown categories ${unknown.join(', ')}`, [
      { path: 'query.reveal', message: 'unknown category' },
    ]);
  return names as Category[];
}
