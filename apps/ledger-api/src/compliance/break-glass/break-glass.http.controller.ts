import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { instantParam } from '../../http/instant-param';
import { BreakGlassReport } from './break-glass.report';

export class BreakGlassQueryDto {
  @ApiPropertyOptional({ description: 'Used at or after this instant (ISO 8601 with a zone)' }) @IsOptional() @IsString() from?: string;
  @ApiPropertyOptional({ description: 'Used before this instant (ISO 8601 with a zone)' }) @IsOptional() @IsString() to?: string;
  @ApiPropertyOptional({ description: 'Only this staff member’s (token sub)' }) @IsOptional() @IsString() @Length(1, 200) actor?: string;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @Matches(/^\d{1,15}$/) cursor?: string;
}

@ApiTags('compliance')
@ApiBearerAuth()
@Controller('v1/compliance/break-glass')
export class BreakGlassHttpController {
  constructor(private readonly report: BreakGlassReport) {}

  @Get()
  @Roles('compliance_officer', 'auditor')
  @ApiOperation({
    summary: 'Break-glass accesses, newest first: who reached which customer outside their assignment, when, why (the note for compliance officers only)',
  })
  list(@Query() query: BreakGlassQueryDto, @Ctx() context: RequestContext) {
    return this.report.list({
      actor: query.actor,
      from: query.from === undefined ? undefined : instantParam(query.from, 'query.from'),
      to: query.to === undefined ? undefined : instantParam(query.to, 'query.to'),
      limit: query.limit ?? 50,
      before: query.cursor === undefined ? undefined : Number(query.cursor),
      // a note is typed by a person and may name someone: auditors read no personal data
      withNotes: context.actor.roles.includes('compliance_officer'),
    });
  }
}
