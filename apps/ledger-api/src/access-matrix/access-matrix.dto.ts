import { ApiProperty } from '@nestjs/swagger';
import { ArrayUnique, IsArray, IsIn } from 'class-validator';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';

export class SetRolePermissionsDto {
  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true, description: 'Categories the role may read' })
  @IsArray()
  @ArrayUnique()
  @IsIn(CATEGORY_NAMES, { each: true })
  read: Category[];

  @ApiProperty({ enum: CATEGORY_NAMES, isArray: true, description: 'Categories the role may write' })
  @IsArray()
  @ArrayUnique()
  @IsIn(CATEGORY_NAMES, { each: true })
  write: Category[];
}
