import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Max, Min } from 'class-validator';

export const SEARCH_DEFAULT_LIMIT = 20;

/** GET /v1/subjects: exact matches by blind index (any spelling of the value), name by prefix. */
export class SearchSubjectsDto {
  @ApiPropertyOptional({ description: 'Any spelling: 13812345678, +86 138 1234 5678, 0086…' }) @IsOptional() @IsString() @Length(1, 40) phone?: string;
  @ApiPropertyOptional({ description: 'ID-document number (a trailing x matches X)' }) @IsOptional() @IsString() @Length(1, 40) idNumber?: string;
  @ApiPropertyOptional({ description: 'Case-insensitive' }) @IsOptional() @IsString() @Length(1, 254) email?: string;
  @ApiPropertyOptional({ description: 'Prefix of the name; case, spaces and full-width forms do not matter' }) @IsOptional() @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ description: 'Exactly, e.g. C2026000123 (any case)' }) @IsOptional() @IsString() @Length(1, 40) customerNumber?: string;
  @ApiPropertyOptional({ enum: ['active', 'restricted'] }) @IsOptional() @IsIn(['active', 'restricted']) status?: 'active' | 'restricted';
  @ApiPropertyOptional({ default: SEARCH_DEFAULT_LIMIT, minimum: 1, maximum: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
