import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { DbCommand } from './db/db.command';
import { DbMigrateCommand } from './db/db-migrate.command';
import { ProgramName } from './program-name';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { AuthCommand } from './auth/auth.command';
import { AuthTokenCommand } from './auth/auth-token.command';
import { KeysCommand } from './keys/keys.command';
import { RotateKekCommand } from './keys/keys-rotate-kek.command';

@Module({})
export class LedgerCliModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: LedgerCliModule,
      imports: [PlatformModule.forRoot(config, logger, { migrateOnStart: false })],
      providers: [ProgramName, DbCommand, DbMigrateCommand, TokenService, AuthCommand, AuthTokenCommand, KeysCommand, RotateKekCommand],
    };
  }
}
