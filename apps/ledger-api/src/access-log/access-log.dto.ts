import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';

export const ACCESS_LOG_DEFAULT_LIMIT = 50;

export class AccessLogQueryDto {
  @ApiPropertyOptional({ description: 'Whose data was read (a data subject: its own, the default)' }) @IsOptional() @IsUUID() subjectId?: string;
  @ApiPropertyOptional({ description: 'Who read it (the token subject)' }) @IsOptional() @IsString() @Length(1, 200) actor?: string;
  @ApiPropertyOptional({ description: 'Accessed at or after this instant (ISO 8601 with a zone)' }) @IsOptional() @IsString() from?: string;
  @ApiPropertyOptional({ description: 'Accessed before this instant (ISO 8601 with a zone)' }) @IsOptional() @IsString() to?: string;
  @ApiPropertyOptional({ enum: ['true'], description: 'Only break-glass reads' }) @IsOptional() @IsIn(['true']) breakGlass?: 'true';
  @ApiPropertyOptional({ description: 'Only the customers of this bulk export’s file (POST /v1/exports)' }) @IsOptional() @IsUUID() exportId?: string;
  @ApiPropertyOptional({ default: ACCESS_LOG_DEFAULT_LIMIT, minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
