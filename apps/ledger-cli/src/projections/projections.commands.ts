import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { Presets, SingleBar } from 'cli-progress';
import { Pool } from 'pg';
import { LEDGER_DATABASE } from '@pi-ledger/platform/config/config.tokens';
import { OpenDatabase } from '@pi-ledger/platform/database/ledger-database';
import { GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import type { GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { ProjectionStatusService } from '@pi-ledger/read-models/read-models.module';
import { rebuildProjection } from '@pi-ledger/read-models/runner/projection-rebuild';

@SubCommand({ name: 'status', description: 'every projection: status, checkpoint, lag, last error' })
export class ProjectionsStatusCommand extends CommandRunner {
  constructor(private readonly status: ProjectionStatusService) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const views = await this.status.all();
    if (options.json) return void process.stdout.write(JSON.stringify(views, null, 2) + '\n');
    const rows = views.map((v) => [v.name, `v${v.version}/g${v.generation}`, v.status, String(v.checkpoint.position), String(v.lagEvents), v.lastError ?? '']);
    const header = ['NAME', 'VERSION', 'STATUS', 'POSITION', 'LAG', 'LAST ERROR'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const row of [header, ...rows])
      process.stdout.write(
        row
          .map((cell, i) => cell.padEnd(widths[i]))
          .join('  ')
          .trimEnd() + '\n',
      );
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({ name: 'rebuild', arguments: '<name>', description: 'rebuild a projection beside the live one, then switch atomically (the API keeps serving)' })
export class ProjectionsRebuildCommand extends CommandRunner {
  constructor(
    private readonly status: ProjectionStatusService,
    @Inject(GLOBAL_LOG) private readonly store: GlobalLog,
    @Inject(LEDGER_DATABASE) private readonly database: OpenDatabase,
  ) {
    super();
  }

  async run([name]: string[], options: { staleAfter?: number }): Promise<void> {
    const projection = this.status.projection(name);
    if (!projection) throw new Error(`no projection ${name}; known: ${(await this.status.all()).map((v) => v.name).join(', ')}`);
    // DDL (new generation, view switch, drop) needs the owner, not the service's restricted role
    const ownerPool = new Pool({ connectionString: this.database.url, max: 2, application_name: 'pi-ledger-rebuild' });
    const bar = new SingleBar(
      { format: `${name} [{bar}] {percentage}% | {value}/{total} events | {speed} events/s | ETA {eta_formatted}`, stream: process.stderr, etaBuffer: 50 },
      Presets.shades_classic,
    );
    const started = Date.now();
    let barStarted = false;
    try {
      const result = await rebuildProjection({
        ownerPool,
        store: this.store,
        projection,
        staleAfterMs: (options.staleAfter ?? 30) * 1000,
        onProgress: (done, total) => {
          const speed = Math.round(done / Math.max(0.001, (Date.now() - started) / 1000));
          if (!barStarted) {
            bar.start(total, done, { speed });
            barStarted = true;
          }
          bar.setTotal(total);
          bar.update(done, { speed });
        },
      });
      bar.stop();
      const seconds = (Date.now() - started) / 1000;
      process.stdout.write(`${name}: rebuilt ${result.events} events into generation ${result.generation}${result.resumed ? ' (resumed)' : ''} in ${seconds.toFixed(1)} s\n`);
    } finally {
      if (barStarted) bar.stop();
      await ownerPool.end();
    }
  }

  @Option({ flags: '--stale-after <seconds>', description: 'take over (and resume) a rebuild whose process has not reported for this long (default 30)' })
  parseStaleAfter(value: string): number {
    const seconds = Number(value);
    if (!Number.isFinite(seconds) || seconds < 0) throw new Error('--stale-after takes a number of seconds');
    return seconds;
  }
}

@SubCommand({ name: 'pause', arguments: '<name>', description: 'stop applying events to a projection (its read model stays as it is)' })
export class ProjectionsPauseCommand extends CommandRunner {
  constructor(private readonly status: ProjectionStatusService) {
    super();
  }
  async run([name]: string[]): Promise<void> {
    await setStatus(this.status, name, 'paused');
  }
}

@SubCommand({ name: 'resume', arguments: '<name>', description: 'resume a paused or failed projection (a failed one retries its event)' })
export class ProjectionsResumeCommand extends CommandRunner {
  constructor(private readonly status: ProjectionStatusService) {
    super();
  }
  async run([name]: string[]): Promise<void> {
    await setStatus(this.status, name, 'running');
  }
}

async function setStatus(status: ProjectionStatusService, name: string, to: 'running' | 'paused'): Promise<void> {
  if (!status.projection(name)) throw new Error(`no projection ${name}`);
  await status.all(); // registers rows of projections never run yet
  await status.checkpoints.setStatus(name, to);
  process.stdout.write(`${name}: ${to}\n`);
}

@Command({
  name: 'projections',
  description: 'read models: status, rebuild, pause, resume',
  subCommands: [ProjectionsStatusCommand, ProjectionsRebuildCommand, ProjectionsPauseCommand, ProjectionsResumeCommand],
})
export class ProjectionsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const PROJECTIONS_COMMANDS = [ProjectionsCommand, ProjectionsStatusCommand, ProjectionsRebuildCommand, ProjectionsPauseCommand, ProjectionsResumeCommand];
