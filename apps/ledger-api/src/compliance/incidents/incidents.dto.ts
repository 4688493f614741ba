import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayUnique, IsArray, IsIn, IsISO8601, IsOptional, IsString, Length, Matches } from 'class-validator';
import { CATEGORY_NAMES, Category } from '@pi-ledger/ledger-domain/registry/categories';
import { INCIDENT_KINDS, IncidentKind, NOTIFICATION_AUDIENCES, NotificationAudience } from '@pi-ledger/ledger-domain/incidents/incident.events';

/** Account and system identifiers, channel and reference codes: plain tokens, so no free text (and no PI) reaches the record. */
const TOKEN = /^[A-Za-z0-9][A-Za-z0-9._:@/-]{0,127}$/;
const TOKEN_MESSAGE = 'must be an identifier (letters, digits and . _ : @ / -, up to 128)';

export class RecordIncidentDto {
  @ApiProperty({ enum: INCIDENT_KINDS }) @IsIn([...INCIDENT_KINDS]) kind: IncidentKind;
  @ApiProperty({ description: 'When the incident was detected (ISO 8601)' }) @IsISO8601({ strict: true }) detectedAt: string;
  @ApiProperty({ description: 'Start of the window in which data was exposed' }) @IsISO8601({ strict: true }) from: string;
  @ApiProperty({ description: 'End of the window' }) @IsISO8601({ strict: true }) to: string;
  @ApiProperty({ isArray: true, type: String, description: 'Compromised staff accounts (token subjects)' })
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(TOKEN, { each: true, message: TOKEN_MESSAGE })
  actors: string[];
  @ApiPropertyOptional({ isArray: true, type: String, description: 'Exposed systems or data stores (identifiers)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(100)
  @ArrayUnique()
  @Matches(TOKEN, { each: true, message: TOKEN_MESSAGE })
  systems?: string[];
  @ApiPropertyOptional({ enum: CATEGORY_NAMES, isArray: true, description: 'Only these categories were exposed; absent: all' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(CATEGORY_NAMES, { each: true })
  categories?: Category[];
}

export class RecordNotificationDto {
  @ApiProperty({ enum: NOTIFICATION_AUDIENCES }) @IsIn([...NOTIFICATION_AUDIENCES]) audience: NotificationAudience;
  @ApiProperty({ example: 'cac-online-report' }) @IsString() @Matches(TOKEN, { message: TOKEN_MESSAGE }) channel: string;
  @ApiPropertyOptional({ description: 'The regulator’s case number or the message template id' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  @Matches(TOKEN, { message: TOKEN_MESSAGE })
  reference?: string;
  @ApiProperty() @IsISO8601({ strict: true }) notifiedAt: string;
}
