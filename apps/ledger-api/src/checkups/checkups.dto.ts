import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsDefined,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Validate,
  ValidateNested,
  ValidatorConstraint,
  ValidatorConstraintInterface,
} from 'class-validator';

export const PURPOSE_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const DATE = /^\d{4}-\d{2}-\d{2}$/;
/** Indicator codes: the centre's or LOINC's, letters, digits and - . _ */
const INDICATOR_CODE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

@ValidatorConstraint({ name: 'numberOrText' })
class NumberOrText implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    return (typeof value === 'number' && Number.isFinite(value)) || (typeof value === 'string' && value.trim().length > 0 && value.length <= 200);
  }
  defaultMessage(): string {
    return 'value must be a finite number or a text of 1 to 200 characters';
  }
}

export class ReferenceRangeDto {
  @ApiPropertyOptional() @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) low?: number;
  @ApiPropertyOptional() @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) high?: number;
  @ApiPropertyOptional({ example: '3.9-6.1' }) @IsOptional() @IsString() @Length(1, 100) text?: string;
}

export class CheckupResultDto {
  @ApiProperty({ example: 'GLU' }) @IsString() @Matches(INDICATOR_CODE) code: string;
  @ApiProperty({ example: '空腹血糖' }) @IsString() @Length(1, 100) name: string;
  @ApiProperty({ oneOf: [{ type: 'number' }, { type: 'string' }], example: 7.2 }) @IsDefined() @Validate(NumberOrText) value: number | string;
  @ApiPropertyOptional({ example: 'mmol/L' }) @IsOptional() @IsString() @Length(1, 40) unit?: string;
  @ApiPropertyOptional({ type: ReferenceRangeDto }) @IsOptional() @IsObject() @ValidateNested() @Type(() => ReferenceRangeDto) referenceRange?: ReferenceRangeDto;
  @ApiPropertyOptional({ description: 'As the report gives it; absent: computed from a numeric value and range' }) @IsOptional() @IsBoolean() abnormal?: boolean;
}

export class RecordCheckupDto {
  @ApiProperty({ example: '2026-05-20' }) @IsString() @Matches(DATE, { message: 'visitDate must be YYYY-MM-DD' }) visitDate: string;
  @ApiPropertyOptional({ example: '标准体检套餐' }) @IsOptional() @IsString() @Length(1, 200) package?: string;
  @ApiProperty({ example: '某某体检中心' }) @IsString() @Length(1, 200) institution: string;
  @ApiProperty({ type: [CheckupResultDto] }) @IsArray() @ArrayMaxSize(500) @ValidateNested({ each: true }) @Type(() => CheckupResultDto) results: CheckupResultDto[];
  @ApiProperty({ type: [String] }) @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @Length(1, 2000, { each: true }) conclusions: string[];
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}
