import { ApiProperty, ApiPropertyOptional, PickType } from '@nestjs/swagger';
import { IsArray, IsObject, IsOptional, IsString, Length } from 'class-validator';
import { QuerySubjectsDto } from '../subjects/query-subjects/query-subjects.dto';

/** A combined query saved for the caller's department: its name and the body POST /v1/subjects/query takes (without purpose, limit or cursor). */
export class SaveQueryDto {
  @ApiProperty({ example: '60岁以上高血压未体检', description: 'Describes the criteria, never a person' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional({ description: 'As POST /v1/subjects/query' }) @IsOptional() @IsObject() where?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'As POST /v1/subjects/query' }) @IsOptional() @IsArray() sort?: unknown[];
  @ApiPropertyOptional({ description: 'As POST /v1/subjects/query' }) @IsOptional() @IsArray() @IsString({ each: true }) columns?: string[];
}

/** POST /v1/saved-queries/{id}/run: what the running caller adds to the saved definition — its own purpose, and a page — checked as the query checks them. */
export class RunSavedQueryDto extends PickType(QuerySubjectsDto, ['purposeId', 'limit', 'cursor'] as const) {}
