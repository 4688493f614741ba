import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { Presets, SingleBar } from 'cli-progress';
import { Pool } from 'pg';
import { LEDGER_DATABASE, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { OpenDatabase } from '@pi-ledger/platform/database/ledger-database';
import { EVENT_STORE, GLOBAL_LOG } from '@pi-ledger/event-store/event-store.module';
import type { EventStore, GlobalLog } from '@pi-ledger/event-store/event-store.port';
import { ProjectionStatusService } from '@pi-ledger/read-models/read-models.module';
import { rebuildProjection } from '@pi-ledger/read-models/runner/projection-rebuild';
import { QuarantineEntry, replayStream } from '@pi-ledger/read-models/runner/projection-quarantine';

@SubCommand({ name: 'status', description: 'every projection: status, checkpoint, lag, quarantined streams, last error' })
export class ProjectionsStatusCommand extends CommandRunner {
  constructor(private readonly status: ProjectionStatusService) {
    super();
  }

  async run(_: string[], options: { json?: boolean }): Promise<void> {
    const views = await this.status.all();
    if (options.json) return void process.stdout.write(JSON.stringify(views, null, 2) + '\n');
    const rows = views.map((v) => [
      v.name,
      `v${v.version}/g${v.generation}`,
      v.status,
      String(v.checkpoint.position),
      String(v.lagEvents),
      String(v.quarantinedStreams),
      v.lastError ?? '',
    ]);
    printTable(['NAME', 'VERSION', 'STATUS', 'POSITION', 'LAG', 'QUARANTINED', 'LAST ERROR'], rows);
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
    const quarantined: string[] = [];
    let barStarted = false;
    try {
      const result = await rebuildProjection({
        ownerPool,
        store: this.store,
        projection,
        staleAfterMs: (options.staleAfter ?? 30) * 1000,
        onQuarantine: (streamId, position, failure) => {
          quarantined.push(`${streamId} (position ${position}, ${failure.code}: ${failure.description})`);
        },
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
      if (result.quarantined > 0) {
        process.stdout.write(`${name}: ${result.quarantined} streams quarantined (ledger projections quarantine ${name})\n`);
        for (const line of quarantined) process.stderr.write(`quarantined: ${line}\n`);
      }
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

@SubCommand({ name: 'quarantine', arguments: '<name>', description: 'the streams a projection has quarantined: first failing event, error code' })
export class ProjectionsQuarantineCommand extends CommandRunner {
  constructor(private readonly status: ProjectionStatusService) {
    super();
  }

  async run([name]: string[], options: { json?: boolean }): Promise<void> {
    if (!this.status.projection(name)) throw new Error(`no projection ${name}`);
    const entries: QuarantineEntry[] = await this.status.quarantine.list(name);
    if (options.json) return void process.stdout.write(JSON.stringify(entries, null, 2) + '\n');
    if (entries.length === 0) return void process.stdout.write(`${name}: no stream quarantined\n`);
    printTable(
      ['STREAM', 'POSITION', 'VERSION', 'EVENT', 'TYPE', 'CODE', 'DESCRIPTION', 'SINCE'],
      entries.map((e) => [e.streamId, String(e.position), String(e.streamVersion), e.eventId, e.eventType, e.code, e.description, e.quarantinedAt]),
    );
  }

  @Option({ flags: '--json', description: 'print JSON instead of a table' })
  parseJson(): boolean {
    return true;
  }
}

@SubCommand({
  name: 'replay',
  arguments: '<name>',
  description: 'replay a quarantined stream into a projection from its first event, lifting the quarantine (fails, changing nothing, if an event still fails)',
})
export class ProjectionsReplayCommand extends CommandRunner {
  constructor(
    private readonly status: ProjectionStatusService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {
    super();
  }

  async run([name]: string[], options: { stream?: string }): Promise<void> {
    const projection = this.status.projection(name);
    if (!projection) throw new Error(`no projection ${name}`);
    if (!options.stream) throw new Error('--stream <streamId> names the quarantined stream (ledger projections quarantine <name> lists them)');
    const { events } = await replayStream({ pool: this.pool, store: this.store, projection, streamId: options.stream });
    process.stdout.write(`${name}: replayed ${events} events of stream ${options.stream}; its quarantine is lifted\n`);
  }

  @Option({ flags: '--stream <streamId>', description: 'the quarantined stream', required: true })
  parseStream(value: string): string {
    return value;
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
  description: 'read models: status, rebuild, pause, resume, quarantined streams and their replay',
  subCommands: [ProjectionsStatusCommand, ProjectionsRebuildCommand, ProjectionsPauseCommand, ProjectionsResumeCommand, ProjectionsQuarantineCommand, ProjectionsReplayCommand],
})
export class ProjectionsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const PROJECTIONS_COMMANDS = [
  ProjectionsCommand,
  ProjectionsStatusCommand,
  ProjectionsRebuildCommand,
  ProjectionsPauseCommand,
  ProjectionsResumeCommand,
  ProjectionsQuarantineCommand,
  ProjectionsReplayCommand,
];

function printTable(header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  for (const row of [header, ...rows])
    process.stdout.write(
      row
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd() + '\n',
    );
}
