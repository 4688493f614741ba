import { Controller, Get, Headers, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { admittedPurpose } from '@pi-ledger/ledger-domain/subject/processing-rules';
import { ConsentRegisterQueries } from '@pi-ledger/read-models/projections/consent-register/consent-register.queries';
import { DisclosureRegisterQueries } from '@pi-ledger/read-models/projections/disclosure-register/disclosure-register.queries';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { ProjectionFreshness } from '../../application/projection-freshness';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';
import { ReadsProjections } from '../../http/min-position';
import { SubjectIdPipe } from '../../http/subject-id.pipe';
import { RegistryService } from '../../registry/registry.service';
import { purposeOfReading } from '../../http/processing-purpose';

/**
 * A subject's consent and disclosure registers (PIPL Arts. 14-15, 23). They hold facts about
 * processing, not PI values, so they answer under any known purpose, legal basis or not: they are
 * how staff find out whether a basis still stands.
 */
@ApiTags('subjects')
@ApiBearerAuth()
@Controller('v1/subjects/:id')
export class SubjectRegistersHttpController {
  constructor(
    private readonly consentRegister: ConsentRegisterQueries,
    private readonly disclosureRegister: DisclosureRegisterQueries,
    private readonly registry: RegistryService,
    private readonly freshness: ProjectionFreshness,
  ) {}

  @Get('consents')
  @Roles('staff', 'compliance_officer', 'data_subject')
  @ReadsProjections('consent_register')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required for staff and compliance officers' })
  @ApiOperation({ summary: 'Every consent of a subject, active or withdrawn, with its notice version' })
  async consents(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    await this.authorise(context, id, purpose);
    // a register that set this subject's stream aside would show consents as they were: 503, not a stale list
    await this.freshness.assertNotQuarantined('consent_register', subjectStream(id));
    return { items: (await this.consentRegister.bySubject(id)).map(({ subjectId: _subjectId, ...consent }) => consent) };
  }

  @Get('disclosures')
  @Roles('staff', 'compliance_officer', 'data_subject')
  @ReadsProjections('disclosure_register')
  @ApiHeader({ name: 'X-Processing-Purpose', required: false, description: 'Required for staff and compliance officers' })
  @ApiOperation({ summary: 'Every provision of the subject’s PI to another handler: recipient, purpose, categories, consent' })
  async disclosures(@Param('id', SubjectIdPipe) id: string, @Headers('x-processing-purpose') purpose: string | undefined, @Ctx() context: RequestContext) {
    await this.authorise(context, id, purpose);
    await this.freshness.assertNotQuarantined('disclosure_register', subjectStream(id));
    return { items: (await this.disclosureRegister.bySubject(id)).map(({ subjectId: _subjectId, ...disclosure }) => disclosure) };
  }

  private async authorise(context: RequestContext, subjectId: string, purpose: string | undefined): Promise<void> {
    const purposeId = purposeOfReading(context, subjectId, purpose);
    if (purposeId !== undefined) admittedPurpose(await this.registry.current(), purposeId);
  }
}
