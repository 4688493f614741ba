import { writeFileSync } from 'node:fs';
import { Inject } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { ComplianceReport } from '@pi-ledger/audit/compliance-report/compliance-report';
import { EXIT_USAGE } from '../program-name';

export interface ComplianceReportOptions {
  from?: string;
  to?: string;
  out?: string;
}

/**
 * `ledger compliance report --from --to`: the compliance-audit report of a period (the same as
 * GET /v1/compliance/audit-report) as JSON on stdout or in --out; a summary on stderr.
 */
@SubCommand({
  name: 'report',
  description: 'the compliance-audit report of a period (PI Protection Compliance Audit Measures, 2025) as JSON: figures without PI, their event positions, a signed tree head',
})
export class ComplianceReportCommand extends CommandRunner {
  constructor(@Inject(ComplianceReport) private readonly report: ComplianceReport) {
    super();
  }

  @Option({ flags: '--from <time>', description: 'start of the period, inclusive (ISO 8601 date or date-time with a zone)', required: true })
  parseFrom(value: string): string {
    return instant(value);
  }

  @Option({ flags: '--to <time>', description: 'end of the period, exclusive', required: true })
  parseTo(value: string): string {
    return instant(value);
  }

  @Option({ flags: '--out <file>', description: 'write the report to this file instead of stdout' })
  parseOut(value: string): string {
    return value;
  }

  async run(_args: string[], options: ComplianceReportOptions): Promise<void> {
    if (!options.from || !options.to || options.from >= options.to) {
      process.stderr.write('ledger: --from and --to are required, --from before --to\n');
      process.exitCode = EXIT_USAGE;
      return;
    }
    const report = await this.report.build({ from: options.from, to: options.to });
    const text = `${JSON.stringify(report, null, 2)}\n`;
    if (options.out) writeFileSync(options.out, text, { mode: 0o600 });
    else process.stdout.write(text);
    const { treeHead, verification, pending } = report.auditTrail;
    process.stderr.write(
      `compliance report ${options.from} – ${options.to}: ${report.consents.given.count} consents given, ${report.rightsRequests.received} rights requests ` +
        `(${report.rightsRequests.overdue.count} overdue), ${report.erasures.count} erasures, ${report.disclosures.count} disclosures, ${report.incidents.count} incidents; ` +
        `trail ${verification.ok ? 'verified' : 'NOT intact'}, tree head ${treeHead.treeSize}` +
        `${pending.length > 0 ? `; ${pending.length} cited events not in the tree yet (is the projector running?)` : ''}` +
        `${options.out ? `; written to ${options.out}, check it offline with node verify-evidence.mjs ${options.out}` : ''}\n`,
    );
  }
}

function instant(value: string): string {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:?\d{2}))?$/i.test(value) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('an ISO 8601 date, or date-time with a time zone, is expected (e.g. 2026-01-01T00:00:00+08:00)');
  }
  return at.toISOString();
}
