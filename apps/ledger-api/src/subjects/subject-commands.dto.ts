import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMinSize, ArrayUnique, IsArray, IsDefined, IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUUID, Length, Matches, ValidateNested } from 'class-validator';
import { TRANSFER_MECHANISMS } from '@pi-ledger/ledger-domain/subject/subject.events';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';
import { LIFECYCLE_STAGES, LifecycleStage } from '@pi-ledger/ledger-domain/subject/lifecycle';

const PURPOSE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const RESTRICTION_KINDS = ['purposes', 'automated-decision-making'] as const;

export class GuardianDto {
  @ApiProperty() @IsString() @Length(1, 100) name: string;
  @ApiProperty({ example: 'mother' }) @IsString() @Length(1, 50) relation: string;
}

export class ConsentEvidenceDto {
  @ApiProperty({ description: 'When the consent was given (YYYY-MM-DD), if before it is recorded: a signed form brought in' })
  @Matches(/^\d{4}-\d{2}-\d{2}$/, { message: 'givenOn must be a date (YYYY-MM-DD)' })
  givenOn: string;
  @ApiPropertyOptional({ example: 'paper-form' }) @IsOptional() @IsString() @Length(1, 50) channel?: string;
  @ApiPropertyOptional({ description: 'The form’s or source system’s reference (no personal data)' }) @IsOptional() @IsString() @Length(1, 100) reference?: string;
}

export class ConsentInputDto {
  @ApiProperty() @IsString() @Matches(PURPOSE_ID) purposeId: string;
  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true }) @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(CATEGORY_NAMES, { each: true }) categories: Category[];
  @ApiProperty({ description: 'A separate consent (PIPL Arts. 23, 29): needed for sensitive categories and disclosures' }) @IsBoolean() separate: boolean;
  @ApiPropertyOptional({ type: GuardianDto }) @IsOptional() @ValidateNested() @Type(() => GuardianDto) guardian?: GuardianDto;
  @ApiPropertyOptional({ description: 'A separate consent to provision outside the mainland names where (PIPL Art. 39): ISO 3166-1 alpha-2, not CN', isArray: true, type: String })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @Matches(/^(?!CN)[A-Z]{2}$/, { each: true, message: 'each must be an ISO 3166-1 alpha-2 code outside the mainland (not CN)' })
  crossBorderCountries?: string[];
  @ApiPropertyOptional({ type: ConsentEvidenceDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => ConsentEvidenceDto) evidence?: ConsentEvidenceDto;
}

export class RegisterSubjectDto {
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
  @ApiProperty({ example: 'v1' }) @IsString() @Length(1, 40) noticeVersion: string;
  @ApiProperty({ example: 'front-desk' }) @IsString() @Length(1, 50) channel: string;
  @ApiPropertyOptional({ type: [ConsentInputDto] }) @IsOptional() @IsArray() @ValidateNested({ each: true }) @Type(() => ConsentInputDto) consents?: ConsentInputDto[];
  @ApiProperty({ description: 'Category → fields, e.g. {"identity": {"name": "张三"}, "contact": {"phone": "+8613812345678"}}' })
  @IsObject()
  data: Record<string, unknown>;
  @ApiPropertyOptional({ enum: LIFECYCLE_STAGES, description: 'The first lifecycle stage (absent: active from the registration); needs customer_profile within the purpose' })
  @IsOptional()
  @IsIn([...LIFECYCLE_STAGES])
  lifecycleStage?: LifecycleStage;
}

export class ChangeLifecycleDto {
  @ApiProperty({ enum: LIFECYCLE_STAGES }) @IsIn([...LIFECYCLE_STAGES]) stage: LifecycleStage;
  @ApiProperty({ description: 'A purpose covering customer_profile for this customer' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class ChangeDataDto {
  @ApiProperty({ description: 'Fields to set; null removes a field' }) @IsObject() set: Record<string, unknown>;
  @ApiProperty({ enum: ['update', 'correction', 'supplement'] }) @IsIn(['update', 'correction', 'supplement']) reason: 'update' | 'correction' | 'supplement';
  @ApiProperty() @IsString() @Matches(PURPOSE_ID) purposeId: string;
  @ApiPropertyOptional({ description: 'The rights request this change fulfils (PIPL Art. 46): this subject’s correction (or supplement) request, verified or in progress' })
  @IsOptional()
  @IsUUID()
  rightsRequestId?: string;
}

export class AddItemDto {
  @ApiProperty({ description: 'One element of the list, e.g. an exam {date, type, findings}' }) @IsDefined() item: unknown;
  @ApiProperty() @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class GrantConsentDto extends ConsentInputDto {
  @ApiProperty() @IsString() @Length(1, 40) noticeVersion: string;
  @ApiProperty() @IsString() @Length(1, 50) channel: string;
}

export class RestrictDto {
  @ApiPropertyOptional({ description: 'Purposes to restrict; absent = all processing but storage', isArray: true, type: String })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayUnique()
  @Matches(PURPOSE_ID, { each: true })
  purposeIds?: string[];
  @ApiPropertyOptional({
    enum: RESTRICTION_KINDS,
    description: '`automated-decision-making`: the subject refuses automated decisions (PIPL Art. 24), under every purpose flagged so; takes no purposeIds',
  })
  @IsOptional()
  @IsIn([...RESTRICTION_KINDS])
  kind?: (typeof RESTRICTION_KINDS)[number];
  @ApiProperty() @IsString() @Length(1, 1000) reason: string;
}

export class TransferDto {
  @ApiProperty({ enum: TRANSFER_MECHANISMS, description: 'PIPL Art. 38; `exemption` under the 2024 Provisions on cross-border data flows' })
  @IsIn([...TRANSFER_MECHANISMS])
  mechanism: (typeof TRANSFER_MECHANISMS)[number];
  @ApiProperty({ description: 'Approval number, certificate, filing number, or the exempting provision' }) @IsString() @Length(1, 200) reference: string;
}

export class RecipientDto {
  @ApiProperty() @IsString() @Length(1, 200) name: string;
  @ApiProperty() @IsString() @Length(1, 200) contact: string;
  @ApiPropertyOptional({ description: 'Where the recipient processes the data: ISO 3166-1 alpha-2 (HK, MO, TW for the regions); absent = CN, the mainland' })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'must be an ISO 3166-1 alpha-2 code in upper case' })
  country?: string;
  @ApiPropertyOptional({ type: TransferDto, description: 'Required outside the mainland' })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => TransferDto)
  transfer?: TransferDto;
}

export class DiscloseDto {
  @ApiProperty({ type: RecipientDto }) @IsObject() @ValidateNested() @Type(() => RecipientDto) recipient: RecipientDto;
  @ApiProperty() @IsString() @Matches(PURPOSE_ID) purposeId: string;
  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true }) @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(CATEGORY_NAMES, { each: true }) categories: Category[];
}
