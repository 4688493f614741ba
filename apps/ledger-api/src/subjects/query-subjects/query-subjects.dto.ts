import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsInt, IsObject, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';

export const QUERY_DEFAULT_LIMIT = 20;

/** POST /v1/subjects/query: the conditions in the body, never in the URL. `where` and `sort` are checked by query-parse.ts. */
export class QuerySubjectsDto {
  @ApiPropertyOptional({ description: 'The purpose of the query; else the X-Processing-Purpose header' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/)
  purposeId?: string;

  @ApiPropertyOptional({
    description: 'A tree of {and: […]}, {or: […]}, {not: {…}} over conditions {field, op, value, period?}; absent: every customer within reach',
    example: {
      and: [
        { field: 'conditions', op: 'eq', value: '高血压' },
        { field: 'age', op: 'range', value: { from: 60 } },
      ],
    },
  })
  @IsOptional()
  @IsObject()
  where?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Up to 3 {field, dir: asc|desc} over sortable fields; ties by subject id', example: [{ field: 'lastCheckupDate', dir: 'asc' }] })
  @IsOptional()
  @IsArray()
  sort?: unknown[];

  @ApiPropertyOptional({ description: 'Fields whose values each row shows (default: those filtered or sorted by), where the caller may read their category' })
  @IsOptional()
  @IsArray()
  @IsString({ each: true })
  columns?: string[];

  @ApiPropertyOptional({ default: QUERY_DEFAULT_LIMIT, minimum: 1, maximum: 100 }) @IsOptional() @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page, with the same where and sort' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
