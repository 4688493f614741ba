import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Max, Min, ValidateNested } from 'class-validator';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';
import { EXPORT_ENCODINGS, EXPORT_FORMATS, ExportEncoding, ExportFormat } from '@pi-ledger/ledger-domain/exports/export-produced';
import { SearchFiltersDto } from '../subjects/search-subjects/search-subjects.dto';
import { COLUMN_KEYS } from './export-columns';

/** POST /v1/exports: which customers (the search's conditions), what of them, under which purpose, as which file. */
export class ExportRequestDto {
  @ApiProperty({ description: 'The purpose the export is made for (registry); what it gives a basis for decides what each row holds' })
  @IsString()
  @Length(1, 100)
  purposeId!: string;

  @ApiProperty({ type: SearchFiltersDto, description: 'The customers: the same conditions as POST /v1/subjects/search (at least one)' })
  @IsObject()
  @ValidateNested()
  @Type(() => SearchFiltersDto)
  filter!: SearchFiltersDto;

  @ApiProperty({ enum: EXPORT_FORMATS })
  @IsIn([...EXPORT_FORMATS])
  format!: ExportFormat;

  @ApiPropertyOptional({ enum: CATEGORY_NAMES, isArray: true, description: 'Categories to export; default: every one your roles may read that the purpose covers' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(CATEGORY_NAMES.length)
  @IsIn([...CATEGORY_NAMES], { each: true })
  categories?: Category[];

  @ApiPropertyOptional({ enum: COLUMN_KEYS, isArray: true, description: 'Only these columns (`category.field`); their categories are exported' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @ArrayMaxSize(COLUMN_KEYS.length)
  @IsIn([...COLUMN_KEYS], { each: true })
  columns?: string[];

  @ApiPropertyOptional({ enum: ['contact', 'identity_document'], isArray: true, description: 'Categories shown unmasked (phone and ID numbers); recorded as revealed' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(['contact', 'identity_document'], { each: true })
  reveal?: Array<'contact' | 'identity_document'>;

  @ApiPropertyOptional({ enum: EXPORT_ENCODINGS, default: 'utf-8', description: 'CSV only: utf-8 (with a BOM, as Excel expects) or gb18030' })
  @IsOptional()
  @IsIn([...EXPORT_ENCODINGS])
  encoding?: ExportEncoding;

  @ApiPropertyOptional({ enum: ['zh', 'keys'], default: 'zh', description: 'The header row: Chinese names, or the column keys (`identity.name`)' })
  @IsOptional()
  @IsIn(['zh', 'keys'])
  headers?: 'zh' | 'keys';
}

export const EXPORTS_DEFAULT_LIMIT = 50;

export class ListExportsDto {
  @ApiPropertyOptional({ description: 'Only this staff account’s exports' }) @IsOptional() @IsString() @Length(1, 200) actor?: string;
  @ApiPropertyOptional({ description: 'One export, by the id its file carries' }) @IsOptional() @IsUUID() exportId?: string;
  @ApiPropertyOptional({ default: EXPORTS_DEFAULT_LIMIT, minimum: 1, maximum: 500 }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
  @ApiPropertyOptional({ description: 'nextCursor of the previous page' }) @IsOptional() @IsString() @Length(1, 400) cursor?: string;
}
