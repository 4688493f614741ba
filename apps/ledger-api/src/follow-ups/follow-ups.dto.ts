import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { FOLLOW_UP_CHANNELS, FOLLOW_UP_STATUSES, FollowUpChannel, FollowUpStatus } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { PLAN_INTERVAL_UNITS, PlanIntervalUnit } from '@pi-ledger/ledger-domain/follow-ups/plan-schedule';
import { MAX_ESCALATION_DELAY_DAYS } from '@pi-ledger/ledger-domain/follow-ups/escalation-policy';
import { DATE, PURPOSE_ID } from '../checkups/checkups.dto';
import { STAFF_ID } from '../service-records/service-records.dto';

const DEPARTMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const queryBoolean = ({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value);

export class OpenFollowUpDto {
  @ApiProperty({ example: '2026-06-15' }) @IsString() @Matches(DATE, { message: 'dueDate must be YYYY-MM-DD' }) dueDate: string;
  @ApiPropertyOptional({ description: 'Staff account; absent: the caller' }) @IsOptional() @IsString() @Matches(STAFF_ID) assignee?: string;
  @ApiPropertyOptional({ description: 'Absent: the caller’s department (token `dept`), if any' }) @IsOptional() @IsString() @Matches(DEPARTMENT) department?: string;
  @ApiProperty({ enum: FOLLOW_UP_CHANNELS }) @IsIn(FOLLOW_UP_CHANNELS) channel: FollowUpChannel;
  @ApiPropertyOptional({ description: 'What to follow up (sealed)' }) @IsOptional() @IsString() @Length(1, 2000) note?: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class CompleteFollowUpDto {
  @ApiProperty({ description: 'What came of it (sealed)' }) @IsString() @Length(1, 2000) outcome: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class CancelFollowUpDto {
  @ApiProperty({ description: 'Why (sealed)' }) @IsString() @Length(1, 2000) reason: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class ReassignFollowUpDto {
  @ApiProperty() @IsString() @Matches(STAFF_ID) assignee: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(DEPARTMENT) department?: string;
}

export class FollowUpQueueDto {
  @ApiPropertyOptional({ description: '`me` for the caller, or a staff account' }) @IsOptional() @IsString() @Matches(STAFF_ID) assignee?: string;
  @ApiPropertyOptional({ description: '`mine` for the caller’s department, or a department id' }) @IsOptional() @IsString() @Matches(DEPARTMENT) department?: string;
  @ApiPropertyOptional({ enum: FOLLOW_UP_STATUSES }) @IsOptional() @IsIn(FOLLOW_UP_STATUSES) status?: FollowUpStatus;
  @ApiPropertyOptional() @IsOptional() @Transform(queryBoolean) @IsBoolean() overdue?: boolean;
  @ApiPropertyOptional({ description: 'Escalated to a department head (true) or not (false)' }) @IsOptional() @Transform(queryBoolean) @IsBoolean() escalated?: boolean;
  @ApiPropertyOptional({ description: '`me` for the caller (a manager’s escalations), or a staff account' }) @IsOptional() @IsString() @Matches(STAFF_ID) escalatedTo?: string;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}

export class CreateFollowUpPlanDto {
  @ApiProperty({ minimum: 1, maximum: 366, example: 3 }) @IsInt() @Min(1) @Max(366) every: number;
  @ApiProperty({ enum: PLAN_INTERVAL_UNITS, example: 'months' }) @IsIn(PLAN_INTERVAL_UNITS) unit: PlanIntervalUnit;
  @ApiProperty({ example: '2026-06-15', description: 'The first occurrence’s due date (not before today, China)' })
  @IsString()
  @Matches(DATE, { message: 'startDate must be YYYY-MM-DD' })
  startDate: string;
  @ApiPropertyOptional({ description: 'No occurrence due after this date' }) @IsOptional() @IsString() @Matches(DATE, { message: 'endDate must be YYYY-MM-DD' }) endDate?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 1000, description: 'Ends after this many tasks' }) @IsOptional() @IsInt() @Min(1) @Max(1000) occurrences?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 90, default: 0, description: 'Each task opens this many days before it is due' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(90)
  leadDays?: number;
  @ApiProperty({ enum: FOLLOW_UP_CHANNELS }) @IsIn(FOLLOW_UP_CHANNELS) channel: FollowUpChannel;
  @ApiPropertyOptional({ description: 'Staff account; absent: the customer’s health manager when each task opens, else the plan’s creator' })
  @IsOptional()
  @IsString()
  @Matches(STAFF_ID)
  assignee?: string;
  @ApiPropertyOptional({ description: 'Absent: the caller’s department (token `dept`), if any' }) @IsOptional() @IsString() @Matches(DEPARTMENT) department?: string;
  @ApiProperty({ description: 'What to follow up, the note of every task (sealed)' }) @IsString() @Length(1, 2000) reason: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class ResumeFollowUpPlanDto {
  @ApiPropertyOptional({ description: 'Absent: the plan’s own purpose' }) @IsOptional() @IsString() @Matches(PURPOSE_ID) purposeId?: string;
}

export class EscalationPolicyDto {
  @ApiProperty() @IsBoolean() enabled: boolean;
  @ApiProperty({ minimum: 0, maximum: MAX_ESCALATION_DELAY_DAYS, description: 'Days a task stays overdue before it is escalated' })
  @IsInt()
  @Min(0)
  @Max(MAX_ESCALATION_DELAY_DAYS)
  delayDays: number;
}
