import { Inject } from '@nestjs/common';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStream } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { decideDepartments, DEPARTMENTS_FOLD, existingDepartment, listDepartments } from '@pi-ledger/ledger-domain/departments/department.decider';
import { DEPARTMENTS_STREAM } from '@pi-ledger/ledger-domain/departments/department.events';
import { cliMetadata } from '../cli-metadata';
import { EXIT_USAGE } from '../program-name';

export interface CreateDepartmentOptions {
  code: string;
  name: string;
  manager?: string;
  actor?: string;
}

/** `ledger departments create --code <code> --name <name>`: the department as JSON on stdout (its id for `auth token --department`). */
@SubCommand({ name: 'create', description: 'create a department (recorded under the CLI user, or --actor)' })
export class CreateDepartmentCommand extends CommandRunner {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
  ) {
    super();
  }

  async run(_args: string[], options: CreateDepartmentOptions): Promise<void> {
    const departmentId = uuidv7();
    const command = {
      type: 'CreateDepartment' as const,
      departmentId,
      code: options.code,
      name: options.name,
      managerId: options.manager ?? null,
      now: this.clock().toISOString(),
    };
    const metadata = cliMetadata(options.actor);
    try {
      await handleCommand(this.store, DEPARTMENTS_STREAM, DEPARTMENTS_FOLD, ({ state }) => decideDepartments(command, state), {
        prepare: async (events) => ({ events: events.map((event) => ({ ...event, metadata })) }),
      });
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      process.stderr.write(`ledger: ${error.message}\n`);
      process.exitCode = EXIT_USAGE;
      return;
    }
    const { state } = await loadStream(this.store, DEPARTMENTS_STREAM, DEPARTMENTS_FOLD);
    process.stdout.write(`${JSON.stringify(existingDepartment(state, departmentId))}\n`);
  }

  @Option({ flags: '--code <code>', description: 'unique: lower-case letters, digits and hyphens (e.g. hm-1)', required: true })
  parseCode(value: string): string {
    return value;
  }

  @Option({ flags: '--name <name>', description: 'the department’s name', required: true })
  parseName(value: string): string {
    return value;
  }

  @Option({ flags: '--manager <staffId>', description: 'the staff account heading it' })
  parseManager(value: string): string {
    return value;
  }

  @Option({ flags: '--actor <id>', description: 'who the change is recorded under (default cli:<user>)' })
  parseActor(value: string): string {
    return value;
  }
}

/** `ledger departments list`: every department as one JSON object per line, by code. */
@SubCommand({ name: 'list', description: 'list the departments, one JSON object per line' })
export class ListDepartmentsCommand extends CommandRunner {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {
    super();
  }

  async run(): Promise<void> {
    const { state } = await loadStream(this.store, DEPARTMENTS_STREAM, DEPARTMENTS_FOLD);
    for (const department of listDepartments(state)) process.stdout.write(`${JSON.stringify(department)}\n`);
  }
}

@Command({ name: 'departments', description: 'the centre’s departments (customers are assigned to them)', subCommands: [CreateDepartmentCommand, ListDepartmentsCommand] })
export class DepartmentsCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const DEPARTMENTS_COMMANDS = [DepartmentsCommand, CreateDepartmentCommand, ListDepartmentsCommand];
