import { Body, Controller, Headers, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../../http/if-match';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { DiscloseDto } from '../subject-commands.dto';
import { Disclose } from './disclosures.handler';

@ApiTags('disclosures')
@ApiBearerAuth()
@Controller('v1/subjects/:id/disclosures')
@UseInterceptors(IdempotencyInterceptor)
export class DisclosuresHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @Roles('staff')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Record a disclosure to a third party; needs a separate consent' })
  async disclose(
    @Param('id', SubjectIdPipe) id: string,
    @Body() body: DiscloseDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number } = await this.commands.execute(new Disclose(id, body, context, expectedVersionFromIfMatch(ifMatch)));
    void reply.header('etag', etag(result.version));
    return result;
  }
}
