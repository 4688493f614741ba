import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { ArrayMaxSize, ArrayNotEmpty, ArrayUnique, IsArray, IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateIf } from 'class-validator';
import { DEPARTMENT_ID_PATTERN, USERNAME_PATTERN } from '@pi-ledger/ledger-domain/staff/staff-account.decider';
import { STAFF_ROLES, StaffRole } from './staff-roles';

const USERNAME_RULE = 'must be 3 to 64 lower-case letters, digits, ".", "-" or "_", starting with a letter or digit';
const DEPARTMENT_RULE = 'must be 1 to 64 letters, digits, "-" or "_"';

export class CreateStaffDto {
  @ApiProperty({ example: 'li.na', description: USERNAME_RULE })
  @IsString()
  @Matches(USERNAME_PATTERN, { message: USERNAME_RULE })
  username: string;

  @ApiProperty({ example: '李娜', description: 'The name colleagues know the person by (sealed like other personal information)' })
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  @Matches(/\S/, { message: 'must not be blank' })
  displayName: string;

  @ApiProperty({ enum: STAFF_ROLES, isArray: true })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayUnique()
  @ArrayMaxSize(STAFF_ROLES.length)
  @IsIn(STAFF_ROLES, { each: true })
  roles: StaffRole[];

  @ApiPropertyOptional({ type: String, nullable: true, description: DEPARTMENT_RULE })
  @IsOptional()
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Matches(DEPARTMENT_ID_PATTERN, { message: DEPARTMENT_RULE })
  departmentId?: string | null;
}

export class GrantRoleDto {
  @ApiProperty({ enum: STAFF_ROLES })
  @IsIn(STAFF_ROLES)
  role: StaffRole;
}

export class SetDepartmentDto {
  @ApiProperty({ type: String, nullable: true, description: `${DEPARTMENT_RULE}; null: none` })
  @ValidateIf((_, value) => value !== null)
  @IsString()
  @Matches(DEPARTMENT_ID_PATTERN, { message: DEPARTMENT_RULE })
  departmentId: string | null;
}

export class LoginHistoryQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 100 })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d{1,6}$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;
}
