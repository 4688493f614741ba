import { Body, Controller, Post, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag } from '../../http/if-match';
import { RegisterSubjectDto } from '../subject-commands.dto';
import { RegisterSubject } from './register-subject.handler';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects')
@UseInterceptors(IdempotencyInterceptor)
export class RegisterSubjectHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles(...FILE_ROLES)
  @ApiOperation({ summary: 'Register a data subject: consents and data collected under a purpose and notice' })
  async register(@Body() body: RegisterSubjectDto, @Ctx() context: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const result: { subjectId: string; customerNumber: string | null; version: number; position: number } = await this.commands.execute(new RegisterSubject(body, context));
    void reply.header('etag', etag(result.version)).header('location', `/v1/subjects/${result.subjectId}`);
    return result;
  }
}
