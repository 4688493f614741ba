import { writeFileSync } from 'node:fs';
import { Inject } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { validate as isUuid } from 'uuid';
import { cliMetadata } from '../cli-metadata';
import { EvidenceExporter } from '@pi-ledger/audit/evidence/evidence-exporter';
import { EXIT_USAGE } from '../program-name';

export { EXIT_USAGE } from '../program-name';

export interface AuditExportOptions {
  subject: string;
  from?: Date;
  to?: Date;
  out?: string;
}

/**
 * `ledger audit export --subject <id>`: an evidence package (docs/audit.md, "Evidence packages")
 * as JSON on stdout or in --out; a summary on stderr. Signs a fresh tree head first.
 */
@SubCommand({
  name: 'export',
  description:
    'export a verifiable evidence package of one subject’s events (commitments and inclusion proofs under a freshly signed tree head, no PI); ' +
    'check it offline with node verify-evidence.mjs <file>',
})
export class AuditExportCommand extends CommandRunner {
  constructor(@Inject(EvidenceExporter) private readonly exporter: EvidenceExporter) {
    super();
  }

  @Option({ flags: '--subject <id>', description: 'the subject (UUID)', required: true })
  parseSubject(value: string): string {
    if (!isUuid(value)) throw new InvalidArgumentError('a subject id (UUID) is expected');
    return value.toLowerCase();
  }

  @Option({ flags: '--from <time>', description: 'only events recorded at or after this ISO 8601 time' })
  parseFrom(value: string): Date {
    return instant(value);
  }

  @Option({ flags: '--to <time>', description: 'only events recorded before this ISO 8601 time' })
  parseTo(value: string): Date {
    return instant(value);
  }

  @Option({ flags: '--out <file>', description: 'write the package to this file instead of stdout' })
  parseOut(value: string): string {
    return value;
  }

  async run(_args: string[], options: AuditExportOptions): Promise<void> {
    if (options.from && options.to && options.from.getTime() > options.to.getTime()) {
      process.stderr.write('ledger: --from must not be after --to\n');
      process.exitCode = EXIT_USAGE;
      return;
    }
    const evidence = await this.exporter.export(options.subject, { from: options.from, to: options.to }, cliMetadata());
    const text = `${JSON.stringify(evidence, null, 2)}\n`;
    if (options.out) writeFileSync(options.out, text);
    else process.stdout.write(text);
    const head = evidence.treeHead;
    const pending = evidence.pendingEvents > 0 ? `; ${evidence.pendingEvents} events not in the tree yet are not covered (is the projector running?)` : '';
    process.stderr.write(
      `evidence for subject ${evidence.subjectId}: ${evidence.entries.length} events under the tree head of size ${head.treeSize} (root ${head.rootHash}, key ${head.keyId})${pending}` +
        `${options.out ? `; written to ${options.out}` : ''}\n`,
    );
  }
}

function instant(value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}(T.*(Z|[+-]\d{2}:?\d{2}))?$/i.test(value) || Number.isNaN(at.getTime())) {
    throw new InvalidArgumentError('an ISO 8601 date, or date-time with a time zone, is expected (e.g. 2025-11-23T08:00:00Z)');
  }
  return at;
}
