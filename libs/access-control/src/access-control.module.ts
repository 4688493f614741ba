import { Global, Module, OnModuleInit } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { registerProblemCodes } from '@pi-ledger/platform/http/problem';
import { AccessGuard } from './access.guard';
import { TokenService } from './token.service';

// SubjectScopeError (assertMaySeeSubject) knows nothing of HTTP; the problem filter maps its code
registerProblemCodes({ forbidden: { status: 403, title: 'Forbidden' } });

/**
 * Bearer-token authentication and role checks on every route (AccessGuard, global), and the
 * TokenService. Needs PlatformModule (LEDGER_CONFIG, LEDGER_LOGGER).
 */
@Global()
@Module({
  providers: [TokenService, { provide: APP_GUARD, useClass: AccessGuard }],
  exports: [TokenService],
})
export class AccessControlModule implements OnModuleInit {
  constructor(private readonly tokens: TokenService) {}

  /** Fail at start, not at the first request, when the keys cannot be loaded. */
  async onModuleInit(): Promise<void> {
    await this.tokens.ready();
  }
}
