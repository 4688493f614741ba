import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { MESSAGE_CHANNELS, MESSAGE_KINDS, MessageChannel, MessageKind } from '@pi-ledger/ledger-domain/messages/message.events';
import { PURPOSE_ID } from '../checkups/checkups.dto';

export class SendMessageDto {
  @ApiProperty({ enum: MESSAGE_KINDS }) @IsIn(MESSAGE_KINDS) kind: MessageKind;
  @ApiPropertyOptional({ enum: MESSAGE_CHANNELS, description: 'Absent: email when the customer has an address, else SMS; for marketing, a channel the customer chose' })
  @IsOptional()
  @IsIn(MESSAGE_CHANNELS)
  channel?: MessageChannel;
  @ApiProperty({ example: '体检提醒' }) @IsString() @Length(1, 200) subject: string;
  @ApiProperty({ example: '您好，您预约的年度体检在下周一上午八点，请空腹前来。' }) @IsString() @Length(1, 4000) body: string;
  @ApiProperty({ example: 'health-management', description: '`marketing` for marketing messages (and only for them)' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
}
