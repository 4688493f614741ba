import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Length, Max, Min } from 'class-validator';
import { MATCH_REASONS, type MatchReason } from '@pi-ledger/read-models/projections/duplicates/match-keys';

export const DUPLICATES_DEFAULT_LIMIT = 20;

/** GET /v1/duplicates: candidate pairs, best first. */
export class ListDuplicatesDto {
  @ApiPropertyOptional({ enum: MATCH_REASONS, description: 'Only pairs with this reason among theirs' }) @IsOptional() @IsIn([...MATCH_REASONS]) reason?: MatchReason;
  @ApiPropertyOptional({ description: 'Only the pairs of this customer' }) @IsOptional() @IsUUID() subjectId?: string;
  @ApiPropertyOptional({ default: DUPLICATES_DEFAULT_LIMIT, minimum: 1, maximum: 100 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(100) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
