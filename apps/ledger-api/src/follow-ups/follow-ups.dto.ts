import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { FOLLOW_UP_CHANNELS, FOLLOW_UP_STATUSES, FollowUpChannel, FollowUpStatus } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { DATE, PURPOSE_ID } from '../checkups/checkups.dto';
import { STAFF_ID } from '../service-records/service-records.dto';

const DEPARTMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;

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
  @ApiPropertyOptional() @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean() overdue?: boolean;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
