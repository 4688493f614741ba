import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, ValidateIf } from 'class-validator';

export class CreateDepartmentDto {
  @ApiProperty({ example: 'hm-1', description: 'Unique, 1-32 lower-case letters, digits or hyphens' }) @IsString() @Length(1, 32) code: string;
  @ApiProperty({ example: '健康管理一部' }) @IsString() @Length(1, 100) name: string;
  @ApiPropertyOptional({ description: 'The staff account heading it' }) @IsOptional() @IsString() @Length(1, 200) managerId?: string;
}

export class ChangeDepartmentDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 100) name?: string;
  @ApiPropertyOptional({ nullable: true, description: 'The staff account heading it; null: none' })
  @ValidateIf((_, value) => value !== null)
  @IsOptional()
  @IsString()
  @Length(1, 200)
  managerId?: string | null;
}
