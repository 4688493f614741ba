import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { SERVICE_TYPES, ServiceType } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import { DATE, PURPOSE_ID } from '../checkups/checkups.dto';

/** Staff accounts as tokens name them (`sub`). */
export const STAFF_ID = /^[A-Za-z0-9][A-Za-z0-9._:@-]{0,99}$/;

export class RecordServiceDto {
  @ApiProperty({ example: '2026-06-01' }) @IsString() @Matches(DATE, { message: 'serviceDate must be YYYY-MM-DD' }) serviceDate: string;
  @ApiProperty({ enum: SERVICE_TYPES }) @IsIn(SERVICE_TYPES) serviceType: ServiceType;
  @ApiPropertyOptional({ description: 'The staff member who gave the service; absent: the caller' }) @IsOptional() @IsString() @Matches(STAFF_ID) staffId?: string;
  @ApiProperty({ example: '低盐低脂饮食指导，讲解食物交换份' }) @IsString() @Length(1, 4000) content: string;
  @ApiPropertyOptional({ description: 'Effect or outcome (服务效果)' }) @IsOptional() @IsString() @Length(1, 2000) outcome?: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}

export class ListServicesDto {
  @ApiPropertyOptional({ enum: SERVICE_TYPES }) @IsOptional() @IsIn(SERVICE_TYPES) serviceType?: ServiceType;
}
