import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import { TIMELINE_KINDS } from './timeline-sources';

export class TimelineQueryDto {
  @ApiPropertyOptional({ description: `Comma-separated kinds, of ${TIMELINE_KINDS.join(', ')}; absent: every kind the caller may read`, example: 'service,order' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z_]+(,[a-z_]+)*$/, { message: 'kinds must be comma-separated kinds' })
  kinds?: string;
  @ApiPropertyOptional({ default: 50, minimum: 1, maximum: 200 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
