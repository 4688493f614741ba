import { Command, CommandRunner } from 'nest-commander';
import { ComplianceReportCommand } from './compliance-report.command';

@Command({ name: 'compliance', description: 'compliance audits (PIPL Art. 54): the report of a period', subCommands: [ComplianceReportCommand] })
export class ComplianceCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
