import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { PlatformModule } from '@pi-ledger/platform/platform.module';
import { DbCommand } from './db/db.command';
import { DbMigrateCommand } from './db/db-migrate.command';
import { ProgramName } from './program-name';
import { CLI_APPLICATION_NAME } from './cli-application-name';
import { BACKUP_COMMANDS } from './backup/backup.commands';
import { EventStoreModule } from '@pi-ledger/event-store/event-store.module';
import { AuditModule } from '@pi-ledger/audit/audit.module';
import { ReadModelsModule } from '@pi-ledger/read-models/read-models.module';
import { AuditCommand } from './audit/audit.command';
import { AuditVerifyCommand } from './audit/audit-verify.command';
import { AuditExportCommand } from './audit/audit-export.command';
import { evidenceExporterProvider } from '@pi-ledger/audit/evidence/evidence-exporter.provider';
import { PROJECTIONS_COMMANDS } from './projections/projections.commands';
import { CliVault, cliProjectionsProvider } from './projections/cli-projections.provider';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { AuthCommand } from './auth/auth.command';
import { AuthTokenCommand } from './auth/auth-token.command';
import { AuthRevokeCommand } from './auth/auth-revoke.command';
import { RevocationCache } from '@pi-ledger/access-control/revocation/revocation-cache';
import { RevocationService } from '@pi-ledger/access-control/revocation/revocation.service';
import { KeysCommand } from './keys/keys.command';
import { RotateKekCommand } from './keys/keys-rotate-kek.command';
import { STAFF_COMMANDS } from './staff/staff.commands';
import { DEPARTMENTS_COMMANDS } from './departments/departments.commands';
import { ComplianceCommand } from './compliance/compliance.command';
import { ComplianceReportCommand } from './compliance/compliance-report.command';
import { complianceReportProvider } from '@pi-ledger/audit/compliance-report/compliance-report.provider';
import { IMPORT_COMMANDS } from './imports/import.commands';
import { EXPORT_COMMANDS } from './exports/export.commands';

@Module({})
export class LedgerCliModule {
  static forRoot(config: LedgerConfig, logger: Logger): DynamicModule {
    return {
      module: LedgerCliModule,
      imports: [
        PlatformModule.forRoot(config, logger, { migrateOnStart: false, applicationName: CLI_APPLICATION_NAME }),
        EventStoreModule,
        AuditModule,
        ReadModelsModule.forRoot({ projections: [CliVault, cliProjectionsProvider], run: false }),
      ],
      providers: [
        ProgramName,
        DbCommand,
        DbMigrateCommand,
        TokenService,
        AuthCommand,
        AuthTokenCommand,
        AuthRevokeCommand,
        RevocationCache,
        RevocationService,
        KeysCommand,
        RotateKekCommand,
        AuditCommand,
        AuditVerifyCommand,
        AuditExportCommand,
        evidenceExporterProvider,
        ...PROJECTIONS_COMMANDS,
        ...BACKUP_COMMANDS,
        ...STAFF_COMMANDS,
        ...DEPARTMENTS_COMMANDS,
        ComplianceCommand,
        ComplianceReportCommand,
        complianceReportProvider,
        ...IMPORT_COMMANDS,
        ...EXPORT_COMMANDS,
      ],
    };
  }
}
