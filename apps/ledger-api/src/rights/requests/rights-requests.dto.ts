import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsBoolean, IsIn, IsISO8601, IsObject, IsOptional, IsString, IsUUID, Length, ValidateNested } from 'class-validator';
import { REQUESTER_KINDS, RequesterKind, RIGHTS_REQUEST_TYPES, RightsRequestType } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';

export class RequesterDto {
  @ApiProperty({ enum: REQUESTER_KINDS }) @IsIn([...REQUESTER_KINDS]) kind: RequesterKind;
  @ApiPropertyOptional({ description: 'Kept encrypted' }) @IsOptional() @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ description: 'Required for next_of_kin (PIPL Art. 49)' }) @IsOptional() @IsString() @Length(1, 50) relation?: string;
}

export class FileRightsRequestDto {
  @ApiProperty() @IsUUID() subjectId: string;
  @ApiProperty({ enum: RIGHTS_REQUEST_TYPES }) @IsIn([...RIGHTS_REQUEST_TYPES]) type: RightsRequestType;
  @ApiPropertyOptional({
    description:
      'By type: erasure/account_closure {categories?}; restriction {purposeIds?}; consent_withdrawal {consentId}; correction/supplement {changes: [{category, set, purposeId}]}',
  })
  @IsOptional()
  @IsObject()
  details?: Record<string, unknown>;
  @ApiProperty({ example: 'app' }) @IsString() @Length(1, 50) channel: string;
  @ApiProperty({ type: RequesterDto }) @IsObject() @ValidateNested() @Type(() => RequesterDto) requester: RequesterDto;
}

export class VerifyRightsRequestDto {
  @ApiProperty({ example: 'id_card_in_person' }) @IsString() @Length(1, 100) method: string;
  @ApiPropertyOptional({ description: 'Reference to the evidence (document id), not the document' }) @IsOptional() @IsString() @Length(1, 200) evidenceRef?: string;
}

export class RejectRightsRequestDto {
  @ApiProperty({ example: 'manifestly_unfounded', description: 'identity_not_verified ends the request as failed_verification' }) @IsString() @Length(1, 100) reasonCode: string;
  @ApiProperty() @IsString() @Length(1, 2000) reason: string;
}

export class ExtendRightsRequestDto {
  @ApiProperty() @IsString() @Length(1, 2000) reason: string;
  @ApiProperty() @IsISO8601() dueAt: string;
}

export class ListRightsRequestsDto {
  @IsOptional() @IsIn(['received', 'verified', 'in_progress', 'fulfilled', 'rejected', 'failed_verification', 'canceled']) status?: string;
  @IsOptional() @IsIn([...RIGHTS_REQUEST_TYPES]) type?: string;
  @IsOptional() @Transform(({ value }) => (value === 'true' ? true : value === 'false' ? false : value)) @IsBoolean() overdue?: boolean;
  @IsOptional() @IsUUID() subjectId?: string;
}
