import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { IdempotencyInterceptor } from '../../http/idempotency.interceptor';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { ApproveAssessmentDto, AssessmentContentDto, ListAssessmentsDto } from './assessments.dto';
import { AssessmentsService } from './assessments.service';

const content = (body: AssessmentContentDto) => ({ ...body, recipients: body.recipients.map(({ name, country, role }) => ({ name, country, role })) });

@ApiTags('compliance')
@ApiBearerAuth()
@Controller('v1/compliance/assessments')
@UseInterceptors(IdempotencyInterceptor)
export class AssessmentsHttpController {
  constructor(private readonly assessments: AssessmentsService) {}

  @Post()
  @Roles('compliance_officer')
  @ApiOperation({ summary: 'Record a personal-information protection impact assessment of one processing activity (PIPL Arts. 55–56), version 1' })
  record(@Body() body: AssessmentContentDto, @Ctx() context: RequestContext) {
    return this.assessments.record(undefined, content(body), context);
  }

  @Put(':assessmentId')
  @Roles('compliance_officer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Record a new version of an assessment (same purpose); it needs its own approval' })
  revise(@Param('assessmentId', SubjectIdPipe) assessmentId: string, @Body() body: AssessmentContentDto, @Ctx() context: RequestContext) {
    return this.assessments.record(assessmentId, content(body), context);
  }

  @Post(':assessmentId/approval')
  @Roles('compliance_officer')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve the latest version until `expiresAt`; the approver is the caller' })
  approve(@Param('assessmentId', SubjectIdPipe) assessmentId: string, @Body() body: ApproveAssessmentDto, @Ctx() context: RequestContext) {
    return this.assessments.approve(assessmentId, body.version, new Date(body.expiresAt).toISOString(), context);
  }

  @Get()
  @Roles('compliance_officer', 'auditor')
  @ApiOperation({ summary: 'Assessments, newest first, with their status (draft, approved, expired, not-acceptable) and retention' })
  async list(@Query() query: ListAssessmentsDto) {
    return { items: await this.assessments.list(query.purposeId) };
  }

  @Get(':assessmentId')
  @Roles('compliance_officer', 'auditor')
  find(@Param('assessmentId', SubjectIdPipe) assessmentId: string) {
    return this.assessments.find(assessmentId);
  }
}
