import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_CHANNELS,
  COMPLAINT_SEVERITIES,
  COMPLAINT_STATUSES,
  ComplaintCategory,
  ComplaintChannel,
  ComplaintSeverity,
  ComplaintStatus,
} from '@pi-ledger/ledger-domain/complaints/complaint.events';
import { PURPOSE_ID } from '../checkups/checkups.dto';
import { STAFF_ID } from '../service-records/service-records.dto';

const DEPARTMENT = /^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/;
const RECORD_ID = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;
const PURPOSE = () => ApiProperty({ example: 'health-management' });

export class FileComplaintDto {
  @ApiProperty({ enum: COMPLAINT_CHANNELS }) @IsIn(COMPLAINT_CHANNELS) channel: ComplaintChannel;
  @ApiProperty({ enum: COMPLAINT_CATEGORIES }) @IsIn(COMPLAINT_CATEGORIES) category: ComplaintCategory;
  @ApiProperty({ enum: COMPLAINT_SEVERITIES }) @IsIn(COMPLAINT_SEVERITIES) severity: ComplaintSeverity;
  @ApiProperty({ description: 'What the customer complains of (sealed)', example: '体检排队超过两小时，无人解释' }) @IsString() @Length(1, 4000) description: string;
  @ApiPropertyOptional({ description: 'A service record of this customer the complaint is about' }) @IsOptional() @IsString() @Matches(RECORD_ID) serviceRecordId?: string;
  @ApiPropertyOptional({ description: 'The texts hold health data: sealed under `health_records`, read only with that category', default: false })
  @IsOptional()
  @IsBoolean()
  holdsHealthData?: boolean;
  @ApiPropertyOptional({ description: 'Handling department; absent: the customer’s assigned department, else the caller’s' })
  @IsOptional()
  @IsString()
  @Matches(DEPARTMENT)
  department?: string;
  @PURPOSE() @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class AssignComplaintDto {
  @ApiProperty({ description: 'The staff account handling it' }) @IsString() @Matches(STAFF_ID) handler: string;
  @ApiPropertyOptional({ description: 'Absent: the complaint’s department stays' }) @IsOptional() @IsString() @Matches(DEPARTMENT) department?: string;
}

export class ComplaintTextDto {
  @ApiProperty({ description: 'Sealed' }) @IsString() @Length(1, 4000) text: string;
  @PURPOSE() @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class CloseComplaintDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 5, description: 'The customer’s satisfaction with the resolution; absent: none given' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(5)
  satisfaction?: number;
  @PURPOSE() @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class EscalateComplaintDto {
  @ApiPropertyOptional({ description: 'Why (sealed)' }) @IsOptional() @IsString() @Length(1, 2000) reason?: string;
  @PURPOSE() @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class ComplaintQueueDto {
  @ApiPropertyOptional({ enum: COMPLAINT_STATUSES }) @IsOptional() @IsIn(COMPLAINT_STATUSES) status?: ComplaintStatus;
  @ApiPropertyOptional({ enum: COMPLAINT_SEVERITIES }) @IsOptional() @IsIn(COMPLAINT_SEVERITIES) severity?: ComplaintSeverity;
  @ApiPropertyOptional({ description: '`mine` for the caller’s department, or a department id' }) @IsOptional() @IsString() @Matches(DEPARTMENT) department?: string;
  @ApiPropertyOptional({ description: '`me` for the caller, or a staff account: the handler' }) @IsOptional() @IsString() @Matches(STAFF_ID) assignee?: string;
  @ApiPropertyOptional() @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean() overdue?: boolean;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}

class ReplyHoursDto {
  @ApiProperty() @IsInt() @Min(1) @Max(8760) low: number;
  @ApiProperty() @IsInt() @Min(1) @Max(8760) medium: number;
  @ApiProperty() @IsInt() @Min(1) @Max(8760) high: number;
  @ApiProperty() @IsInt() @Min(1) @Max(8760) critical: number;
}

class ResolutionDaysDto {
  @ApiProperty() @IsInt() @Min(1) @Max(365) low: number;
  @ApiProperty() @IsInt() @Min(1) @Max(365) medium: number;
  @ApiProperty() @IsInt() @Min(1) @Max(365) high: number;
  @ApiProperty() @IsInt() @Min(1) @Max(365) critical: number;
}

export class ComplaintDeadlinesDto {
  @ApiProperty({ type: ReplyHoursDto, description: 'Hours from receipt (or reopening) to the reply, per severity (1–8760)' })
  @ValidateNested()
  @Type(() => ReplyHoursDto)
  replyHours: ReplyHoursDto;
  @ApiProperty({ type: ResolutionDaysDto, description: 'Days from receipt (or reopening) to closing, per severity (1–365)' })
  @ValidateNested()
  @Type(() => ResolutionDaysDto)
  resolutionDays: ResolutionDaysDto;
}
