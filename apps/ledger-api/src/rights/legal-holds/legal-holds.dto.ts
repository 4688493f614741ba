import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMinSize, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';

export class PlaceLegalHoldDto {
  @ApiPropertyOptional({ description: 'The subject whose data is held; absent = every subject' }) @IsOptional() @IsUUID() subjectId?: string;
  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true }) @IsArray() @ArrayMinSize(1) @ArrayUnique() @IsIn(CATEGORY_NAMES, { each: true }) categories: Category[];
  @ApiProperty({ description: 'The law, order or regulation that requires keeping the data (a citation; never PI)', example: '医疗机构病历管理规定 第29条' })
  @IsString()
  @Length(1, 500)
  basis: string;
  @ApiProperty({ description: 'ISO 8601 date (held through that day, UTC) or date-time', example: '2041-11-23' }) @IsISO8601({ strict: true }) until: string;
}

export class ListLegalHoldsDto {
  @ApiPropertyOptional({ description: 'Only holds that apply to this subject (its own and those on everyone)' }) @IsOptional() @IsUUID() subjectId?: string;
}
