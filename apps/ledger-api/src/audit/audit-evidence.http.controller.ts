import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsUUID } from 'class-validator';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { EvidenceExporter } from '@pi-ledger/audit/evidence/evidence-exporter';
import { EvidencePackage } from '@pi-ledger/audit/evidence/evidence-package';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { ReadsProjections } from '../http/min-position';
import { Ctx } from '../http/ctx.decorator';
import { eventMetadata, RequestContext } from '../application/request-context';

export class EvidenceParams {
  @IsUUID() subjectId: string;
  /** Inclusive. */
  @IsOptional() @IsISO8601({ strict: true }) from?: string;
  /** Exclusive. */
  @IsOptional() @IsISO8601({ strict: true }) to?: string;
}

/**
 * Evidence packages for a subject (docs/audit.md, "Evidence packages"): commitments and inclusion
 * proofs under a freshly signed head, checked offline by verify-evidence.mjs. No PI, so auditors
 * may export too; every export is recorded as an EvidenceExported event.
 */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/audit/evidence')
@Roles('compliance_officer', 'auditor')
export class AuditEvidenceHttpController {
  constructor(private readonly exporter: EvidenceExporter) {}

  @Get()
  @ReadsProjections('audit_trail')
  @ApiOperation({ summary: 'A verifiable evidence package of a subject’s events in a time range: commitments, inclusion proofs, the signed head and the public key' })
  export(@Query() query: EvidenceParams, @Ctx() context: RequestContext): Promise<EvidencePackage> {
    const from = query.from === undefined ? undefined : new Date(query.from);
    const to = query.to === undefined ? undefined : new Date(query.to);
    if (from && to && from.getTime() > to.getTime()) {
      throw new ProblemException(400, 'validation-failed', 'The request is invalid', 'from: must not be after to', [{ path: 'from', message: 'must not be after to' }]);
    }
    return this.exporter.export(query.subjectId, { from, to }, eventMetadata(context));
  }
}
