import { Body, Controller, Get, HttpCode, Param, Patch, Post, UseInterceptors } from '@nestjs/common';
import { noticeOf, purposeOf, RegistryState, retentionAfterEndDays } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { ROLES } from '@pi-ledger/access-control/roles';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { CATEGORIES, CATEGORY_NAMES, Category, isCategory } from '@pi-ledger/ledger-domain/registry/categories';
import { contentHash } from '@pi-ledger/ledger-domain/registry/default-registry';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { IdempotencyInterceptor } from '../http/idempotency.interceptor';
import { RegistryService } from './registry.service';
import { DefinePurposeDto, PublishNoticeDto, SetCategoryDto, SetPurposeFlagsDto } from './registry.dto';

@ApiTags('registry')
@ApiBearerAuth()
@Controller('v1')
@UseInterceptors(IdempotencyInterceptor)
export class RegistryHttpController {
  constructor(private readonly registry: RegistryService) {}

  @Post('purposes')
  @Roles('admin')
  @ApiOperation({ summary: 'Define a processing purpose (its id is permanent)' })
  async definePurpose(@Body() body: DefinePurposeDto, @Ctx() context: RequestContext) {
    const { version, position } = await this.registry.execute({ type: 'DefinePurpose', purpose: { ...body } }, context);
    return { ...purposeOf(await this.registry.current(), body.id), version, position };
  }

  @Patch('purposes/:id')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({ summary: 'Turn a purpose’s impact-assessment requirement or automated-decision flag on or off' })
  async setPurposeFlags(@Param('id') id: string, @Body() body: SetPurposeFlagsDto, @Ctx() context: RequestContext) {
    const { version, position } = await this.registry.execute({ type: 'SetPurposeFlags', purposeId: id, flags: { ...body } }, context);
    return { ...purposeOf(await this.registry.current(), id), version, position };
  }

  @Get('purposes')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'All purposes with their legal basis, categories and retention' })
  async purposes() {
    return Object.values((await this.registry.current()).purposes);
  }

  @Post('notices')
  @Roles('admin')
  @ApiOperation({ summary: 'Publish an immutable notice version; returns its content hash' })
  async publishNotice(@Body() body: PublishNoticeDto, @Ctx() context: RequestContext) {
    const hash = contentHash(body.content);
    const { position } = await this.registry.execute(
      { type: 'PublishNotice', notice: { version: body.version, content: body.content, contentHash: hash, purposeIds: body.purposeIds } },
      context,
    );
    return { version: body.version, contentHash: hash, position };
  }

  @Get('notices')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Every published notice version, newest first: version, hash, purposes, publication time (the text: GET notices/{version})' })
  async notices() {
    return Object.values((await this.registry.current()).notices)
      .map(({ content: _content, ...notice }) => notice)
      .sort((a, b) => b.publishedAt.localeCompare(a.publishedAt) || b.version.localeCompare(a.version));
  }

  @Get('notices/:version')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Exactly the notice text of a version, with its hash' })
  async notice(@Param('version') version: string) {
    const notice = noticeOf(await this.registry.current(), version);
    if (!notice) throw new ProblemException(404, 'notice-not-found', 'Notice not found', `no notice version ${version}`);
    return notice;
  }

  @Get('categories')
  @Roles(...ROLES)
  @ApiOperation({ summary: 'Data categories, their fields, whether they are sensitive, and how long they are kept once processing ends' })
  async categories() {
    const registry = await this.registry.current();
    return CATEGORY_NAMES.map((name) => categoryView(registry, name));
  }

  @Patch('categories/:name')
  @Roles('admin')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mark a category sensitive or not (defaults follow GB/T 45574), or set how long it is kept once processing ends (default: consumption 2555 days, others 0)',
  })
  async setCategory(@Param('name') name: string, @Body() body: SetCategoryDto, @Ctx() context: RequestContext) {
    if (!isCategory(name)) throw new ProblemException(404, 'category-not-found', 'Category not found', `no category ${name}`);
    let result = { version: 0, position: 0 };
    if (body.sensitive !== undefined) result = await this.registry.execute({ type: 'SetCategorySensitivity', category: name, sensitive: body.sensitive }, context);
    if (body.retentionAfterEndDays !== undefined) {
      result = await this.registry.execute({ type: 'SetCategoryRetention', category: name, retentionAfterEndDays: body.retentionAfterEndDays }, context);
    }
    return { ...categoryView(await this.registry.current(), name), ...result };
  }
}

function categoryView(registry: RegistryState, name: Category) {
  const { sensitivity } = registry;
  return { name, fields: CATEGORIES[name].fields, listFields: CATEGORIES[name].lists, sensitive: sensitivity[name], retentionAfterEndDays: retentionAfterEndDays(registry, name) };
}
