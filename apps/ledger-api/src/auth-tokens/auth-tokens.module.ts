import { Module } from '@nestjs/common';
import { RevokeTokenHttpController } from './revoke-token.http.controller';

/** Machine tokens (issued by the CLI): revocation by id. RevocationService comes from the global AccessControlModule. */
@Module({ controllers: [RevokeTokenHttpController] })
export class AuthTokensModule {}
