import { MAX_RETENTION_AFTER_END_DAYS } from '@pi-ledger/ledger-domain/registry/category-retention';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateIf } from 'class-validator';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';
import { LEGAL_BASES, LegalBasis } from '@pi-ledger/ledger-domain/legal-basis';
import { HIGH_RISK_PROCESSING, HighRiskProcessing } from '@pi-ledger/ledger-domain/registry/registry.events';

const ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class DefinePurposeDto {
  @ApiProperty({ example: 'newsletter' })
  @IsString()
  @Matches(ID, { message: 'id must be lower-case letters, digits and dashes (1-63)' })
  id: string;

  @ApiProperty()
  @IsString()
  @Length(1, 200)
  name: string;

  @ApiProperty()
  @IsString()
  @Length(1, 4000)
  description: string;

  @ApiProperty({ enum: LEGAL_BASES })
  @IsIn([...LEGAL_BASES])
  legalBasis: LegalBasis;

  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true })
  @IsArray()
  @ArrayUnique()
  @IsIn(CATEGORY_NAMES, { each: true })
  categories: Category[];

  @ApiProperty()
  @IsBoolean()
  necessaryForService: boolean;

  @ApiPropertyOptional({ description: 'Days data held only for this purpose is kept' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  retentionDays?: number;

  @ApiPropertyOptional({
    description:
      'Processing needs an approved, unexpired impact assessment (PIPL Arts. 55–56); default: true when the purpose involves sensitive categories, automated decisions or `involves` anything',
  })
  @IsOptional()
  @IsBoolean()
  requiresAssessment?: boolean;

  @ApiPropertyOptional({ description: 'Decisions are made by automated means (PIPL Art. 24)' })
  @IsOptional()
  @IsBoolean()
  automatedDecisionMaking?: boolean;

  @ApiPropertyOptional({ enum: HIGH_RISK_PROCESSING, isArray: true, description: 'PIPL Art. 55 activities the purpose involves' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn([...HIGH_RISK_PROCESSING], { each: true })
  involves?: HighRiskProcessing[];
}

export class SetPurposeFlagsDto {
  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  requiresAssessment?: boolean;

  @ApiPropertyOptional()
  @IsOptional()
  @IsBoolean()
  automatedDecisionMaking?: boolean;
}

export class PublishNoticeDto {
  @ApiProperty({ example: 'v2' })
  @IsString()
  @Matches(/^[\w.-]{1,40}$/, { message: 'version must be 1-40 letters, digits, dots, dashes or underscores' })
  version: string;

  @ApiProperty()
  @IsString()
  @Length(1, 100_000)
  content: string;

  @ApiProperty({ isArray: true, type: String })
  @IsArray()
  @ArrayUnique()
  @IsString({ each: true })
  purposeIds: string[];
}

/** What an admin may change about a category: its sensitivity, its retention after processing ends, or both (at least one). */
export class SetCategoryDto {
  @ApiPropertyOptional()
  @ValidateIf((dto: SetCategoryDto) => dto.sensitive !== undefined || dto.retentionAfterEndDays === undefined)
  @IsBoolean()
  sensitive?: boolean;

  @ApiPropertyOptional({
    description: 'Days the category is still kept, for storage only, once processing of it ends (the relationship ended, or no purpose keeps it); 0 = erased at once',
    minimum: 0,
    maximum: MAX_RETENTION_AFTER_END_DAYS,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_RETENTION_AFTER_END_DAYS)
  retentionAfterEndDays?: number;
}
