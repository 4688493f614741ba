import { Global, Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { AccessGuard } from './access.guard';
import { BearerAuthentication } from './bearer-authentication';
import { TokenService } from './token.service';
import { RevocationCache } from './revocation/revocation-cache';
import { RevocationFeed } from './revocation/revocation-feed';
import { RevocationService } from './revocation/revocation.service';

// SubjectScopeError (assertMaySeeSubject) knows nothing of HTTP; the problem filter maps its code
registerProblemCodes({ forbidden: { status: 403, title: 'Forbidden' } });

/**
 * Bearer-token authentication and role checks on every route (AccessGuard, global), the
 * TokenService, and revocation (RevocationService; RevocationFeed keeps this process's cache in
 * step). Needs PlatformModule (config, logger, clock, pool) and EventStoreModule.
 */
@Global()
@Module({
  providers: [TokenService, BearerAuthentication, RevocationCache, RevocationService, RevocationFeed, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenService, RevocationService, BearerAuthentication],
})
export class AccessControlModule implements OnModuleInit {
  constructor(private readonly tokens: TokenService) {}

  /** Fail at start, not at the first request, when the keys cannot be loaded. */
  async onModuleInit(): Promise<void> {
    await this.tokens.ready();
  }
}
