import { Body, Controller, Delete, Headers, HttpCode, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../../http/if-match';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { GrantConsentDto } from '../subject-commands.dto';
import { GrantConsent, WithdrawConsent } from './consents.handler';

@ApiTags('consents')
@ApiBearerAuth()
@Controller('v1/subjects/:id/consents')
@UseInterceptors(IdempotencyInterceptor)
export class ConsentsHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles(...FILE_ROLES)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Record a consent bound to a notice version' })
  async grant(
    @Param('id', SubjectIdPipe) id: string,
    @Body() body: GrantConsentDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { consentId: string; version: number; position: number } = await this.commands.execute(new GrantConsent(id, body, expectedVersionFromIfMatch(ifMatch), context));
    void reply.header('etag', etag(result.version));
    return result;
  }

  @Delete(':consentId')
  @Roles(...FILE_ROLES, 'data_subject')
  @HttpCode(200)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Withdraw a consent (the subject may do it with its own token)' })
  async withdraw(
    @Param('id', SubjectIdPipe) id: string,
    @Param('consentId', SubjectIdPipe) consentId: string,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number } = await this.commands.execute(new WithdrawConsent(id, consentId, context, expectedVersionFromIfMatch(ifMatch)));
    void reply.header('etag', etag(result.version));
    return result;
  }
}
