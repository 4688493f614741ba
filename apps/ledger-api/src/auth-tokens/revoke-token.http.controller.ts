import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { RequestContext } from '../application/request-context';
import { Ctx } from '../http/ctx.decorator';
import { SubjectIdPipe } from '../http/subject-id.pipe';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/auth/tokens')
export class RevokeTokenHttpController {
  constructor(private readonly revocations: RevocationService) {}

  /** Tokens are not stored, so any well-formed id is accepted: revoking an unknown or already revoked id changes nothing more. */
  @Delete(':tokenId')
  @Roles('admin', 'ops')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token issued by `ledger auth token` by its id (jti, printed on stderr at issue): every API process refuses it within 2 s' })
  @ApiNoContentResponse({ description: 'revoked (also when it was already)' })
  async revoke(@Param('tokenId', SubjectIdPipe) tokenId: string, @Ctx() context: RequestContext): Promise<void> {
    await this.revocations.revokeToken(tokenId, 'operator', context);
  }
}
