import { Command, CommandRunner } from 'nest-commander';
import { AuditExportCommand } from './audit-export.command';
import { AuditVerifyCommand } from './audit-verify.command';

@Command({ name: 'audit', description: 'the verifiable audit trail (RFC 6962 Merkle tree, signed tree heads)', subCommands: [AuditVerifyCommand, AuditExportCommand] })
export class AuditCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
