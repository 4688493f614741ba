import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional } from 'class-validator';

export class ActivityQueryDto {
  @ApiPropertyOptional({ description: 'First day (YYYY-MM-DD, UTC; default: 29 days before `to`)' }) @IsOptional() @IsISO8601({ strict: true }) from?: string;
  @ApiPropertyOptional({ description: 'Last day, inclusive (YYYY-MM-DD, UTC; default: today)' }) @IsOptional() @IsISO8601({ strict: true }) to?: string;
}
