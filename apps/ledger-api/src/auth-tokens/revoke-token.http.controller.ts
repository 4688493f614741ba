import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { STAFF_ID } from '@pi-ledger/ledger-domain/departments/department.decider';
import { ApiBearerAuth, ApiNoContentResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { Roles } from '@pi-ledger/access-control/roles.decorator';
import { RequestContext } from '../application/request-context';
import { Ctx } from '../http/ctx.decorator';
import { SubjectIdPipe } from '../http/subject-id.pipe';

@ApiTags('auth')
@ApiBearerAuth()
@Controller('v1/auth')
export class RevokeTokenHttpController {
  constructor(private readonly revocations: RevocationService) {}

  /** Tokens are not stored, so any well-formed id is accepted: revoking an unknown or already revoked id changes nothing more. */
  @Delete('tokens/:tokenId')
  @Roles('admin', 'ops')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a token issued by `ledger auth token` by its id (jti, printed on stderr at issue): every API process refuses it within 2 s' })
  @ApiNoContentResponse({ description: 'revoked (also when it was already)' })
  async revoke(@Param('tokenId', SubjectIdPipe) tokenId: string, @Ctx() context: RequestContext): Promise<void> {
    await this.revocations.revokeToken(tokenId, 'operator', context);
  }

  /**
   * Every token of one actor issued until now, on every API process within 2 s: for a machine whose
   * tokens leaked, or tokens without an id (an external IdP's, or issued before ids). Admin only.
   */
  @Delete('actors/:actorId')
  @Roles('admin')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke every token of one actor (the tokens’ sub) issued until now; a token issued afterwards is accepted' })
  @ApiNoContentResponse({ description: 'revoked' })
  async revokeActor(@Param('actorId') actorId: string, @Ctx() context: RequestContext): Promise<void> {
    if (!STAFF_ID.test(actorId)) throw new InvalidInput([{ path: 'actorId', message: 'must be an actor id (letters, digits and . _ : @ -)' }]);
    await this.revocations.revokeActor(actorId, 'operator', context);
  }
}
