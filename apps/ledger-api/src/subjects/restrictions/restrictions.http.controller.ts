import { Body, Controller, Delete, Headers, HttpCode, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../../http/if-match';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { RestrictDto } from '../subject-commands.dto';
import { LiftRestriction, RestrictProcessing } from './restrictions.handler';

@ApiTags('restrictions')
@ApiBearerAuth()
@Controller('v1/subjects/:id/restrictions')
@UseInterceptors(IdempotencyInterceptor)
export class RestrictionsHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('staff', 'compliance_officer')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Restrict processing for some purposes, or all but storage (PIPL Art. 44)' })
  async restrict(
    @Param('id', SubjectIdPipe) id: string,
    @Body() body: RestrictDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number } = await this.commands.execute(new RestrictProcessing(id, body, context, expectedVersionFromIfMatch(ifMatch)));
    void reply.header('etag', etag(result.version));
    return result;
  }

  @Delete(':restrictionId')
  @Roles('staff', 'compliance_officer')
  @HttpCode(200)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Lift a restriction' })
  async lift(
    @Param('id', SubjectIdPipe) id: string,
    @Param('restrictionId', SubjectIdPipe) restrictionId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number } = await this.commands.execute(new LiftRestriction(id, restrictionId, context, expectedVersionFromIfMatch(ifMatch)));
    void reply.header('etag', etag(result.version));
    return result;
  }
}
