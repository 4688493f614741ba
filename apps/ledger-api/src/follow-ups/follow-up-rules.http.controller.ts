import { Body, Controller, Get, Put } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { FILE_ROLES } from '@pi-ledger/access-control/roles';
import { FOLLOW_UP_CHANNELS, FollowUpChannel } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { Ctx } from '../http/ctx.decorator';
import { RequestContext } from '../application/request-context';
import { STAFF_ID } from '../service-records/service-records.dto';
import { FollowUpRulesService } from './follow-up-rules.service';
import { EscalationPolicyService } from './escalation-policy.service';
import { EscalationPolicyDto } from './follow-ups.dto';

export class AbnormalResultRuleDto {
  @ApiProperty() @IsBoolean() enabled: boolean;
  @ApiPropertyOptional({ type: [String], description: 'Only these indicator codes; absent: every indicator' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(200)
  @IsString({ each: true })
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/, { each: true })
  indicatorCodes?: string[];
  @ApiProperty({ minimum: 0, maximum: 365 }) @IsInt() @Min(0) @Max(365) dueInDays: number;
  @ApiProperty({ enum: FOLLOW_UP_CHANNELS }) @IsIn(FOLLOW_UP_CHANNELS) channel: FollowUpChannel;
  @ApiPropertyOptional({ description: 'Absent: whoever recorded the check-up' }) @IsOptional() @IsString() @Matches(STAFF_ID) assignee?: string;
}

@ApiTags('follow-ups')
@ApiBearerAuth()
@Controller('v1/follow-up-rules/abnormal-result')
export class FollowUpRulesHttpController {
  constructor(private readonly rules: FollowUpRulesService) {}

  @Get()
  @Roles('admin', 'manager', ...FILE_ROLES)
  @ApiOperation({ summary: 'The rule that opens a follow-up task for an abnormal check-up result' })
  get() {
    return this.rules.current();
  }

  @Put()
  @Roles('admin')
  @ApiOperation({ summary: 'Set the abnormal-result rule (one event, none when unchanged)' })
  set(@Body() body: AbnormalResultRuleDto, @Ctx() context: RequestContext) {
    return this.rules.set(
      { enabled: body.enabled, indicatorCodes: body.indicatorCodes ?? null, dueInDays: body.dueInDays, channel: body.channel, assignee: body.assignee ?? null },
      context,
    );
  }
}

@ApiTags('follow-ups')
@ApiBearerAuth()
@Controller('v1/follow-up-rules/escalation')
export class EscalationPolicyHttpController {
  constructor(private readonly policy: EscalationPolicyService) {}

  @Get()
  @Roles('admin', 'manager', ...FILE_ROLES)
  @ApiOperation({ summary: 'When overdue follow-up tasks are escalated to their department’s head' })
  get() {
    return this.policy.current();
  }

  @Put()
  @Roles('admin')
  @ApiOperation({ summary: 'Set the escalation policy (one event with the admin as actor, none when unchanged)' })
  set(@Body() body: EscalationPolicyDto, @Ctx() context: RequestContext) {
    return this.policy.set({ enabled: body.enabled, delayDays: body.delayDays }, context);
  }
}
