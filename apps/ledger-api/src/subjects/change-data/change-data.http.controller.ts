import { Body, Controller, Headers, HttpCode, Param, Patch, Post, Res, UseInterceptors } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { Category, isCategory } from '@pi-ledger/ledger-domain/registry/categories';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { etag, expectedVersionFromIfMatch } from '../../http/if-match';
import { AddItemDto, ChangeDataDto } from '../subject-commands.dto';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { AddDataItem, ChangeData } from './change-data.handler';

@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/:id/data/:category')
@UseInterceptors(IdempotencyInterceptor)
export class ChangeDataHttpController {
  constructor(private readonly commands: CommandBus) {}

  @Patch()
  @Roles(...FILE_ROLES)
  @HttpCode(200)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Collect, update, correct or supplement fields of one category' })
  async change(
    @Param('id', SubjectIdPipe) id: string,
    @Param('category') category: string,
    @Body() body: ChangeDataDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number; position: number } = await this.commands.execute(
      new ChangeData(id, knownCategory(category), body, expectedVersionFromIfMatch(ifMatch), context),
    );
    void reply.header('etag', etag(result.version));
    return result;
  }

  @Post(':field/items')
  @Roles(...FILE_ROLES)
  @ApiHeader({ name: 'If-Match', required: false, description: 'The ETag (version) you read; 412 if it changed' })
  @ApiOperation({ summary: 'Add one item to a list field (e.g. health_records/exams) without resending the list' })
  async addItem(
    @Param('id', SubjectIdPipe) id: string,
    @Param('category') category: string,
    @Param('field') field: string,
    @Body() body: AddItemDto,
    @Headers('if-match') ifMatch: string | undefined,
    @Ctx() context: RequestContext,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result: { version: number; position: number } = await this.commands.execute(
      new AddDataItem(id, knownCategory(category), field, body, expectedVersionFromIfMatch(ifMatch), context),
    );
    void reply.header('etag', etag(result.version));
    return result;
  }
}

function knownCategory(category: string): Category {
  if (!isCategory(category)) throw new ProblemException(404, 'category-not-found', 'Category not found', `no category ${category}`);
  return category;
}
