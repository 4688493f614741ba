import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, Matches, ValidateNested, IsInt, Min, IsUUID } from 'class-validator';
import { QUESTION_KINDS, QuestionKind } from '@pi-ledger/ledger-domain/surveys/survey-definition';
import { MESSAGE_CHANNELS, MessageChannel } from '@pi-ledger/ledger-domain/messages/message.events';
import { DATE, PURPOSE_ID } from '../checkups/checkups.dto';

export class SurveyQuestionDto {
  @ApiProperty({ example: 'overall' }) @IsString() @Matches(/^[A-Za-z][A-Za-z0-9_-]{0,39}$/) id: string;
  @ApiProperty({ enum: QUESTION_KINDS, description: 'scale: 1–5 (CSAT); nps: 0–10; text: free text (sealed)' }) @IsIn(QUESTION_KINDS) kind: QuestionKind;
  @ApiProperty({ example: '您对本次服务的总体满意度？' }) @IsString() @Length(1, 500) text: string;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() required?: boolean;
}

export class SurveyDefinitionDto {
  @ApiProperty({ example: '服务满意度调查' }) @IsString() @Length(1, 200) title: string;
  @ApiProperty({ type: [SurveyQuestionDto] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => SurveyQuestionDto)
  questions: SurveyQuestionDto[];
}

export class SurveyVersionQueryDto {
  @ApiPropertyOptional({ description: 'A version; absent: the latest' }) @IsOptional() @Type(() => Number) @IsInt() @Min(1) version?: number;
}

export class DispatchSurveyDto {
  @ApiProperty() @IsUUID() surveyId: string;
  @ApiProperty({ example: 'health-management' }) @IsString() @Matches(PURPOSE_ID) purposeId: string;
  @ApiPropertyOptional({ default: true, description: 'false: no invitation is sent (answers collected on paper or by phone, entered by staff)' })
  @IsOptional()
  @IsBoolean()
  invite?: boolean;
  @ApiPropertyOptional({ enum: MESSAGE_CHANNELS }) @IsOptional() @IsIn(MESSAGE_CHANNELS) channel?: MessageChannel;
}

export class AnswerSurveyDto {
  @ApiProperty({ example: { overall: 5, recommend: 9, comment: '护士很耐心' }, description: 'By question id: scale 1–5, nps 0–10, text' })
  @IsObject()
  answers: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Staff: the purpose the answers are recorded under (default health-management); the customer: none' })
  @IsOptional()
  @IsString()
  @Matches(PURPOSE_ID)
  purposeId?: string;
}

export class SurveyResultsDto {
  @ApiProperty({ example: '2026-01-01', description: 'Services dated from (inclusive)' }) @IsString() @Matches(DATE, { message: 'from must be YYYY-MM-DD' }) from: string;
  @ApiProperty({ example: '2026-12-31', description: 'Services dated to (inclusive)' }) @IsString() @Matches(DATE, { message: 'to must be YYYY-MM-DD' }) to: string;
  @ApiProperty({ enum: ['serviceType', 'staff', 'month'] }) @IsIn(['serviceType', 'staff', 'month']) by: 'serviceType' | 'staff' | 'month';
}
