import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERASURE_GROUNDS, ErasureGrounds } from '@pi-ledger/ledger-domain/subject/subject.events';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsISO8601, IsString, IsUUID, Length, Matches, Min, ValidateNested } from 'class-validator';

class RetainedCategoryDto {
  @ApiProperty() @IsString() @Length(1, 100) category: string;
  @ApiProperty() @IsString() @Length(1, 1000) basis: string;
  @ApiProperty() @IsString() @Length(1, 100) until: string;
}

class CertifiedTreeHeadDto {
  @ApiProperty() @IsInt() @Min(0) treeSize: number;
  @ApiProperty() @Matches(/^[0-9a-f]{64}$/) rootHash: string;
}

/** An erasure certificate exactly as the ledger issued it (GET /v1/erasure-certificates/{requestId}). */
export class ErasureCertificateDto {
  @ApiProperty() @Matches(/^[\w.:-]{1,200}$/) requestId: string;
  @ApiProperty() @Matches(/^[0-9a-f]{64}$/) subjectPseudonym: string;
  @ApiProperty({ isArray: true, type: String }) @IsArray() @ArrayMaxSize(100) @IsString({ each: true }) erasedCategories: string[];
  @ApiProperty({ isArray: true, type: RetainedCategoryDto })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @Type(() => RetainedCategoryDto)
  retainedCategories: RetainedCategoryDto[];
  @ApiProperty({ isArray: true, type: String }) @IsArray() @ArrayMaxSize(1000) @IsUUID('all', { each: true }) keysDestroyed: string[];
  @ApiProperty() @IsISO8601({ strict: true }) erasedAt: string;
  @ApiPropertyOptional({ enum: ['subject', 'handler'] }) @IsOptional() @IsIn(['subject', 'handler']) initiative?: ErasureGrounds['initiative'];
  @ApiPropertyOptional({ enum: ERASURE_GROUNDS }) @IsOptional() @IsIn(ERASURE_GROUNDS) ground?: ErasureGrounds['ground'];
  @ApiProperty() @IsInt() @Min(1) position: number;
  @ApiProperty({ type: CertifiedTreeHeadDto }) @ValidateNested() @Type(() => CertifiedTreeHeadDto) treeHead: CertifiedTreeHeadDto;
  @ApiProperty() @IsString() @Length(1, 200) signature: string;
  @ApiProperty() @Matches(/^[0-9a-f]{16}$/) keyId: string;
}
