import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Matches, Max, Min } from 'class-validator';
import { STAFF_ID } from '@pi-ledger/ledger-domain/departments/department.decider';
import { CUSTOMER_TIERS, CUSTOMER_TYPES, MAX_TAG_LENGTH } from '@pi-ledger/ledger-domain/subject/customer-profile';
import { LIFECYCLE_STAGES } from '@pi-ledger/ledger-domain/subject/lifecycle';

export const SEARCH_DEFAULT_LIMIT = 20;

/** The conditions of a search (and of a bulk export, apps/ledger-api/src/exports): exact matches by blind index (any spelling of the value), name by prefix. */
export class SearchFiltersDto {
  @ApiPropertyOptional({ description: 'Any spelling: 13812345678, +86 138 1234 5678, 0086…' }) @IsOptional() @IsString() @Length(1, 40) phone?: string;
  @ApiPropertyOptional({ description: 'ID-document number (a trailing x matches X)' }) @IsOptional() @IsString() @Length(1, 40) idNumber?: string;
  @ApiPropertyOptional({ description: 'Case-insensitive' }) @IsOptional() @IsString() @Length(1, 254) email?: string;
  @ApiPropertyOptional({ description: 'Prefix of the name; case, spaces and full-width forms do not matter' }) @IsOptional() @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ description: 'Exactly, e.g. C2026000123 (any case)' }) @IsOptional() @IsString() @Length(1, 40) customerNumber?: string;
  @ApiPropertyOptional({ enum: ['active', 'restricted'] }) @IsOptional() @IsIn(['active', 'restricted']) status?: 'active' | 'restricted';
  @ApiPropertyOptional({ description: 'Assigned to this department' }) @IsOptional() @IsUUID() departmentId?: string;
  @ApiPropertyOptional({ description: 'Assigned to this health manager (staff account id)' }) @IsOptional() @IsString() @Matches(STAFF_ID) healthManagerId?: string;
  @ApiPropertyOptional({ enum: CUSTOMER_TYPES }) @IsOptional() @IsIn([...CUSTOMER_TYPES]) customerType?: string;
  @ApiPropertyOptional({ enum: CUSTOMER_TIERS }) @IsOptional() @IsIn([...CUSTOMER_TIERS]) tier?: string;
  @ApiPropertyOptional({ description: 'One tag, exactly (case and width do not matter)' }) @IsOptional() @IsString() @Length(1, MAX_TAG_LENGTH) tag?: string;
  @ApiPropertyOptional({ enum: LIFECYCLE_STAGES }) @IsOptional() @IsIn([...LIFECYCLE_STAGES]) lifecycleStage?: string;
}

/** GET /v1/subjects, POST /v1/subjects/search: the conditions and a page. */
export class SearchSubjectsDto extends SearchFiltersDto {
  @ApiPropertyOptional({ default: SEARCH_DEFAULT_LIMIT, minimum: 1, maximum: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
