import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsArray, IsObject, IsOptional, IsString, Length } from 'class-validator';

/** A combined query saved for the caller's department: its name and the body POST /v1/subjects/query takes (without purpose, limit or cursor). */
export class SaveQueryDto {
  @ApiProperty({ example: '60岁以上高血压未体检', description: 'Describes the criteria, never a person' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional({ description: 'As POST /v1/subjects/query' }) @IsOptional() @IsObject() where?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'As POST /v1/subjects/query' }) @IsOptional() @IsArray() sort?: unknown[];
  @ApiPropertyOptional({ description: 'As POST /v1/subjects/query' }) @IsOptional() @IsArray() @IsString({ each: true }) columns?: string[];
}
