import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { chinaDate } from '../../subjects/subject-data.dto';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Gauge } from 'prom-client';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { assertMaySeeSubject } from '@pi-ledger/access-control/subject-scope';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { RightsRequestQueries } from '@pi-ledger/read-models/projections/rights-requests/rights-requests.projection';
import { SubjectProfileQueries } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.queries';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { validationFailed } from '../../subjects/subject-data.validation';
import { AccessRecorder } from '../../access-log/access-recorder';
import { RegistryService } from '../../registry/registry.service';
import { ErasureService } from '../erasure/erasure.service';
import { ExtendRightsRequestDto, FileRightsRequestDto, ListRightsRequestsDto, RejectRightsRequestDto, VerifyRightsRequestDto } from './rights-requests.dto';
import { detailsProblems } from './rights-request-details';
import { RightsFulfilment } from './rights-fulfilment';
import { LiveRequest, RightsRequestsService } from './rights-requests.service';
import { exportedCategories, SubjectExport } from './subject-export';

@ApiTags('rights requests')
@ApiBearerAuth()
@Controller('v1/rights-requests')
export class RightsRequestsHttpController {
  constructor(
    private readonly requests: RightsRequestsService,
    private readonly queue: RightsRequestQueries,
    private readonly fulfilment: RightsFulfilment,
    private readonly exports: SubjectExport,
    private readonly erasure: ErasureService,
    private readonly profiles: SubjectProfileQueries,
    private readonly access: AccessRecorder,
    private readonly registry: RegistryService,
    metrics: LedgerMetrics,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly freshness: ProjectionFreshness,
  ) {
    const queries = this.queue;
    new Gauge({
      name: 'pi_ledger_rights_requests_overdue',
      help: 'Rights requests past their due date and not finished',
      registers: [metrics.registry],
      async collect() {
        this.set(await queries.overdueCount(clock()).catch(() => 0));
      },
    });
  }

  @Post()
  @Roles('staff', 'data_subject')
  @ApiOperation({ summary: 'File a rights request (PIPL Arts. 44–50); a subject files only for itself' })
  async file(@Body() body: FileRightsRequestDto, @Ctx() context: RequestContext) {
    const own = context.actor.roles.includes('data_subject');
    assertMaySeeSubject(context.actor, body.subjectId);
    if (own && body.requester.kind !== 'subject') throw validationFailed([{ path: 'requester.kind', message: 'a subject files as "subject"' }]);
    if (!own && body.requester.kind === 'subject') throw validationFailed([{ path: 'requester.kind', message: 'staff file as staff_on_behalf or next_of_kin' }]);
    const details = body.details ?? {};
    const problems = detailsProblems(body.type, details, chinaDate(this.clock()));
    if (problems.length) throw validationFailed(problems);
    const profile = await this.profiles.find(body.subjectId);
    // a subject the profile projection quarantined has no row, but may file (erasure purges it all the same)
    if (!profile && !(await this.freshness.isQuarantined('subject_profile', subjectStream(body.subjectId)))) throw new DomainError('subject-not-found', 'no such subject');
    const requestId = this.requests.newId();
    const registry = await this.registry.current();
    const { name, relation } = body.requester;
    const state = await this.requests.execute(requestId, context, (_, now) => ({
      type: 'FileRequest',
      requestId,
      subjectId: body.subjectId,
      requestType: body.type,
      details,
      channel: body.channel,
      requester: { kind: body.requester.kind, ...(relation ? { relation } : {}), ...(name ? { name } : {}) },
      filedBySubject: own,
      now,
      dueAt: this.requests.dueAt(new Date(now)),
      registry,
    }));
    return { requestId, status: state.status, receivedAt: state.receivedAt, dueAt: state.dueAt };
  }

  @Get()
  @Roles('staff', 'compliance_officer')
  @ApiOperation({ summary: 'The queue: by status, type, overdue, subject; ordered by due date' })
  list(@Query() query: ListRightsRequestsDto) {
    return this.queue.list({ ...query, now: this.clock(), limit: 200 });
  }

  @Get(':id')
  @Roles('staff', 'compliance_officer', 'data_subject')
  async get(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    return this.present(await this.own(id, context));
  }

  @Post(':id/verify')
  @Roles('staff', 'compliance_officer')
  @HttpCode(200)
  async verify(@Param('id', SubjectIdPipe) id: string, @Body() body: VerifyRightsRequestDto, @Ctx() context: RequestContext) {
    const state = await this.requests.execute(id, context, (_, now) => ({
      type: 'VerifyRequest',
      method: body.method,
      evidenceRef: body.evidenceRef,
      verifiedBy: context.actor.id,
      now,
    }));
    return this.present(state);
  }

  @Post(':id/reject')
  @Roles('compliance_officer')
  @HttpCode(200)
  async reject(@Param('id', SubjectIdPipe) id: string, @Body() body: RejectRightsRequestDto, @Ctx() context: RequestContext) {
    const state = await this.requests.execute(id, context, (_, now) => ({ type: 'RejectRequest', reasonCode: body.reasonCode, reason: body.reason, now }));
    return this.present(state);
  }

  @Post(':id/extend')
  @Roles('compliance_officer')
  @HttpCode(200)
  async extend(@Param('id', SubjectIdPipe) id: string, @Body() body: ExtendRightsRequestDto, @Ctx() context: RequestContext) {
    const state = await this.requests.execute(id, context, (_, now) => ({
      type: 'ExtendRequest',
      reason: body.reason,
      dueAt: new Date(body.dueAt).toISOString(),
      calendar: this.requests.calendar,
      now,
    }));
    return this.present(state);
  }

  /** Idempotent: fulfilling a fulfilled request answers 200 with the same result. */
  @Post(':id/fulfil')
  @Roles('compliance_officer')
  @HttpCode(200)
  async fulfil(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    const { state } = await this.requests.load(id);
    if (state.status === 'fulfilled') return this.present(state);
    await this.requests.execute(id, context, (_, now) => ({ type: 'StartRequest', now }));
    const result = await this.fulfilment.perform(state, context);
    const done = await this.requests.execute(id, context, (_, now) => ({ type: 'FulfilRequest', result, now }));
    return this.present(done);
  }

  @Get(':id/export')
  @Roles('compliance_officer', 'data_subject')
  @ApiOperation({ summary: 'The machine-readable copy (access, copy, portability); its generation is recorded' })
  async export(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    const state = await this.own(id, context);
    if (!['access', 'copy', 'portability'].includes(state.requestType))
      throw new ProblemException(404, 'no-export', 'No export', 'only access, copy and portability requests have an export');
    if (state.status !== 'fulfilled') throw new ProblemException(409, 'not-fulfilled', 'Not fulfilled', 'the request is not fulfilled yet');
    const body = await this.exports.build(state.subjectId, state.requestType === 'portability');
    const categories = exportedCategories(body);
    await this.access.record(context, [{ subjectId: state.subjectId, purposeId: null, categories, revealed: categories, via: 'export' }]);
    return { requestId: id, ...body };
  }

  @Get(':id/certificate')
  @Roles('compliance_officer', 'auditor', 'data_subject')
  @ApiOperation({ summary: 'The signed erasure certificate (Ed25519, the audit key, over RFC 8785 JSON without `signature`)' })
  async certificate(@Param('id', SubjectIdPipe) id: string, @Ctx() context: RequestContext) {
    await this.own(id, context);
    const certificate = await this.erasure.certificate(id);
    if (!certificate) throw new ProblemException(404, 'no-certificate', 'No certificate', 'this request has no erasure certificate (yet)');
    return certificate;
  }

  private present(request: LiveRequest) {
    return this.requests.view(request);
  }

  /** Loads a request; a data subject may see only its own. */
  private async own(id: string, context: RequestContext): Promise<LiveRequest> {
    const { state } = await this.requests.load(id);
    assertMaySeeSubject(context.actor, state.subjectId);
    return state;
  }
}
