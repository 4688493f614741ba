import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { ErasureCertificate } from './erasure-certificate';
import { ErasureService, ReappliedErasure } from './erasure.service';
import { ErasureCertificateDto } from './erasure-reapply.dto';
import { Ctx } from '../../http/ctx.decorator';
import { RequestContext } from '../../application/request-context';

const REQUEST_ID = /^[\w.:-]{1,200}$/;

/**
 * Any erasure's certificate by its request id, including erasures no rights request asked for
 * (retention: `retention-<subjectId>-<date>`). Certificates hold no PI.
 */
@ApiTags('erasure')
@Controller('v1/erasure-certificates')
export class ErasureCertificatesHttpController {
  constructor(private readonly erasure: ErasureService) {}

  @Post('reapply')
  @HttpCode(200)
  @Roles('compliance_officer')
  @ApiOperation({
    summary:
      'Erase again what a certificate of this ledger proves was erased, after a restore from a backup taken before that erasure ' +
      '(status erased); a request erased already, or a subject not in this ledger, changes nothing (already-erased, absent)',
  })
  reapply(@Body() body: ErasureCertificateDto, @Ctx() context: RequestContext): Promise<ReappliedErasure> {
    return this.erasure.reapply(body, context);
  }

  @Get(':requestId')
  @Roles('compliance_officer', 'auditor')
  @ApiOperation({ summary: 'The signed certificate of an erasure (Ed25519 with the audit key over its RFC 8785 JSON without `signature`)' })
  async certificate(@Param('requestId') requestId: string): Promise<ErasureCertificate> {
    if (!REQUEST_ID.test(requestId)) {
      throw new ProblemException(400, 'validation-failed', 'The request is invalid', 'requestId: 1-200 letters, digits, _ . : -', [{ path: 'requestId', message: 'invalid' }]);
    }
    const certificate = await this.erasure.certificate(requestId);
    if (!certificate) throw new DomainError('erasure-certificate-not-found', `no erasure certificate for request ${requestId}`, { requestId });
    return certificate;
  }
}
