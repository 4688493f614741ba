import { Inject } from '@nestjs/common';
import { Presets, SingleBar } from 'cli-progress';
import { CommandRunner, Option, SubCommand } from 'nest-commander';
import { Pool } from 'pg';
import { LEDGER_CONFIG, LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import type { Logger } from '@pi-ledger/platform/logging/logger';
import { describeOutcome, rotateMasterKey } from './rotate-master-key';

interface RotateKekOptions {
  newKeyFile?: string;
  generate?: boolean;
  batchSize?: number;
}

@SubCommand({
  name: 'rotate-kek',
  description:
    're-wrap every data key and the blind-index key under a new master key (events are not touched); ' +
    'stop the API and the projector first; an interrupted run is resumed by running it again with the same key',
})
export class RotateKekCommand extends CommandRunner {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {
    super();
  }

  @Option({ flags: '--new-key-file <path>', description: 'the new master key: a file holding 32 bytes, base64-encoded' })
  parseNewKeyFile(path: string): string {
    return path;
  }

  @Option({ flags: '--generate', description: 'generate the new master key (printed on stdout when LEDGER_MASTER_KEY is in use)' })
  parseGenerate(): boolean {
    return true;
  }

  @Option({ flags: '--batch-size <n>', description: 'data keys re-wrapped per transaction (default 500)' })
  parseBatchSize(value: string): number {
    const size = Number(value);
    if (!Number.isInteger(size) || size < 1 || size > 100_000) throw new Error('--batch-size must be an integer from 1 to 100000');
    return size;
  }

  async run(_args: string[], options: RotateKekOptions = {}): Promise<void> {
    const bar = new SingleBar({ stream: process.stderr, format: 'rotating master key [{bar}] {percentage}% | {value}/{total} keys', hideCursor: true }, Presets.shades_classic);
    let started = false;
    const source = this.config.masterKey ? 'env' : 'file';
    try {
      const outcome = await rotateMasterKey(this.pool, this.config, this.logger, options, {
        out: (line) => process.stdout.write(`${line}\n`),
        note: (line) => process.stderr.write(`${line}\n`),
        progress: (done, total) => {
          if (!started) bar.start(total, done);
          else bar.setTotal(total);
          started = true;
          bar.update(done);
        },
      });
      bar.stop();
      started = false;
      const { out, note } = describeOutcome(outcome, source);
      for (const line of out) process.stdout.write(`${line}\n`);
      for (const line of note) process.stderr.write(`${line}\n`);
    } finally {
      if (started) bar.stop();
    }
  }
}
