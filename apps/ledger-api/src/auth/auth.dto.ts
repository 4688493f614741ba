import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, IsUUID, Matches, MaxLength, MinLength } from 'class-validator';

const STEP_TOKEN = { maxLength: 2048 } as const;

export class LoginDto {
  @ApiProperty({ example: 'li.na' })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  username: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  password: string;
}

export class MfaDto {
  @ApiProperty({ description: 'The challenge of POST /v1/auth/login' })
  @IsString()
  @MaxLength(STEP_TOKEN.maxLength)
  challenge: string;

  @ApiProperty({ example: '123456', description: 'The 6-digit code of the authenticator app' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code: string;
}

export class RefreshDto {
  @ApiPropertyOptional({ description: 'The refresh token; absent: the ledger_refresh cookie' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  refreshToken?: string;
}

export class EnrolDto {
  @ApiPropertyOptional({ description: 'The enrolment token of a sign-in; absent: the bearer access token’s account' })
  @IsOptional()
  @IsString()
  @MaxLength(STEP_TOKEN.maxLength)
  enrolmentToken?: string;
}

export class ConfirmEnrolmentDto extends EnrolDto {
  @ApiProperty({ example: '123456' })
  @IsString()
  @Matches(/^\d{6}$/, { message: 'must be 6 digits' })
  code: string;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password', description: 'At least 12 characters, not a common password, not containing the username' })
  @IsString()
  @MaxLength(256)
  newPassword: string;

  @ApiPropertyOptional({ description: 'The password token of a sign-in with a one-time password' })
  @IsOptional()
  @IsString()
  @MaxLength(STEP_TOKEN.maxLength)
  passwordToken?: string;

  @ApiPropertyOptional({ format: 'password', description: 'Required with a bearer access token instead of a password token' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  currentPassword?: string;
}

export class SessionsQueryDto {
  @ApiPropertyOptional({ description: 'admin: another account’s sessions' })
  @IsOptional()
  @IsUUID()
  staffId?: string;
}
