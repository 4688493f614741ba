import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, ArrayUnique, IsArray, IsIn, IsInt, IsISO8601, IsObject, IsOptional, IsString, Length, Matches, Min, ValidateNested } from 'class-validator';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';
import { ASSESSMENT_CONCLUSIONS, AssessmentConclusion } from '@pi-ledger/ledger-domain/assessments/assessment.events';

/** ISO 3166-1 alpha-2, upper case (HK, MO, TW for the regions); CN is the mainland. */
export const COUNTRY = /^[A-Z]{2}$/;
const PURPOSE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

export class AssessedRecipientDto {
  @ApiProperty({ description: 'The receiving organisation (never a person)' }) @IsString() @Length(1, 200) name: string;
  @ApiProperty({ description: 'ISO 3166-1 alpha-2 where it processes the data; CN = the mainland', example: 'SG' })
  @IsString()
  @Matches(COUNTRY, { message: 'must be an ISO 3166-1 alpha-2 code in upper case' })
  country: string;
  @ApiProperty({ enum: ['entrusted', 'provision', 'joint'] }) @IsIn(['entrusted', 'provision', 'joint']) role: 'entrusted' | 'provision' | 'joint';
}

export class AssessmentContentDto {
  @ApiProperty() @IsString() @Matches(PURPOSE_ID) purposeId: string;
  @ApiProperty({ description: 'The processing activity assessed', example: '体检报告由新加坡合作方复核' }) @IsString() @Length(1, 500) activity: string;
  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true }) @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(CATEGORY_NAMES, { each: true }) categories: Category[];
  @ApiProperty({ type: AssessedRecipientDto, isArray: true })
  @IsArray()
  @ArrayMaxSize(100)
  @ValidateNested({ each: true })
  @IsObject({ each: true })
  @Type(() => AssessedRecipientDto)
  recipients: AssessedRecipientDto[];
  @ApiProperty({ isArray: true, type: String }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) @Length(1, 2000, { each: true }) risks: string[];
  @ApiProperty({ isArray: true, type: String }) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true }) @Length(1, 2000, { each: true }) measures: string[];
  @ApiProperty({ enum: ASSESSMENT_CONCLUSIONS }) @IsIn([...ASSESSMENT_CONCLUSIONS]) conclusion: AssessmentConclusion;
}

export class ApproveAssessmentDto {
  @ApiProperty({ description: 'The version approved: the latest, as read' }) @IsInt() @Min(1) version: number;
  @ApiProperty({ description: 'When the approval ends (ISO 8601 date-time); processing that needs it is refused afterwards' })
  @IsISO8601({ strict: true })
  expiresAt: string;
}

export class ListAssessmentsDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(PURPOSE_ID) purposeId?: string;
}
