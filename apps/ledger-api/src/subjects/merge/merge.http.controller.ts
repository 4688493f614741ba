import { Body, Controller, Headers, HttpCode, Param, Post, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../../http/if-match';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { mergeChoices, MergeDto } from './merge.dto';
import { MergeResult, MergeService } from './merge.service';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/:id/merge')
@UseInterceptors(IdempotencyInterceptor)
export class MergeHttpController {
  constructor(private readonly merges: MergeService) {}

  @Post()
  @HttpCode(200)
  @Roles(...FILE_ROLES, 'compliance_officer')
  @ApiHeader({ name: 'If-Match', required: false, description: 'The survivor’s ETag (version) you chose from; 412 if it changed' })
  @ApiOperation({ summary: 'Merge a duplicate customer file into this one; the duplicate is closed with a pointer here and its keys shredded' })
  async merge(
    @Param('id', SubjectIdPipe) id: string,
    @Body() body: MergeDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<MergeResult> {
    const input = { duplicateId: body.duplicateId.toLowerCase(), purposeId: body.purposeId, choices: mergeChoices(body.choices) };
    const result = await this.merges.merge(id, input, expectedVersionFromIfMatch(ifMatch), context);
    void reply.header('etag', etag(result.version));
    return result;
  }
}
