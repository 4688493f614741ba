import { Inject } from '@nestjs/common';
import { InvalidArgumentError } from 'commander';
import { Command, CommandRunner, Option, SubCommand } from 'nest-commander';
import { isRole, ROLES } from '@pi-ledger/access-control/roles';
import { DEPARTMENT_ID_PATTERN } from '@pi-ledger/ledger-domain/staff/staff-account.decider';
import { StaffSessions } from '@pi-ledger/access-control/staff-accounts/staff-sessions';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { loadStream } from '@pi-ledger/event-store/command-handler';
import { assertAssignable } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { DEPARTMENTS_FOLD } from '@pi-ledger/ledger-domain/departments/department.decider';
import { DEPARTMENTS_STREAM } from '@pi-ledger/ledger-domain/departments/department.events';
import { CliStaffAccounts } from './cli-staff-accounts';

const STAFF_ROLE_LIST = ROLES.filter((role) => role !== 'data_subject');

interface CreateOptions {
  username: string;
  displayName: string;
  role: string[];
  department?: string;
}

/**
 * `ledger staff create --username … --display-name … --role … [--department <id or code>]`: the
 * account id and its one-time password on stdout. The department must exist and be active, as
 * through the API (`unknown-department`, `inactive-department`).
 */
@SubCommand({ name: 'create', description: 'create a staff account; prints its id and a one-time password (shown this once)' })
export class StaffCreateCommand extends CommandRunner {
  constructor(
    private readonly cli: CliStaffAccounts,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {
    super();
  }

  async run(_args: string[], options: CreateOptions): Promise<void> {
    const departmentId = options.department === undefined ? null : await this.department(options.department);
    const created = await (
      await this.cli.accounts()
    ).create({ username: options.username.trim().toLowerCase(), displayName: options.displayName, roles: options.role, departmentId }, this.cli.metadata());
    process.stdout.write(`${JSON.stringify({ staffId: created.staffId, username: options.username, oneTimePassword: created.oneTimePassword })}\n`);
  }

  @Option({ flags: '--username <name>', description: 'lower-case letters, digits, ".", "-", "_" (3 to 64)', required: true })
  parseUsername(value: string): string {
    return value;
  }

  @Option({ flags: '--display-name <name>', description: 'the name colleagues know the person by', required: true })
  parseDisplayName(value: string): string {
    return value;
  }

  @Option({ flags: '--role <role>', description: `a role, repeatable: ${STAFF_ROLE_LIST.join(', ')}`, required: true })
  parseRole(value: string, previous: string[] = []): string[] {
    if (!isRole(value) || value === 'data_subject') throw new InvalidArgumentError(`roles are ${STAFF_ROLE_LIST.join(', ')}`);
    return [...previous, value];
  }

  /** The id of the active department named by its id or its code. */
  private async department(idOrCode: string): Promise<string> {
    const { state } = await loadStream(this.store, DEPARTMENTS_STREAM, DEPARTMENTS_FOLD);
    const department = Object.hasOwn(state.departments, idOrCode) ? state.departments[idOrCode] : Object.values(state.departments).find((d) => d.code === idOrCode);
    assertAssignable(department, idOrCode);
    return department!.departmentId;
  }

  @Option({ flags: '--department <id>', description: 'the department, by id or code (must exist and be active)' })
  parseDepartment(value: string): string {
    if (!DEPARTMENT_ID_PATTERN.test(value)) throw new InvalidArgumentError('1 to 64 letters, digits, "-" or "_"');
    return value;
  }
}

/** `ledger staff bootstrap-admin <username>`: the first admin, only while there is none. */
@SubCommand({
  name: 'bootstrap-admin',
  arguments: '<username>',
  description: 'create the first admin account (only when no active admin exists); prints its one-time password once',
})
export class StaffBootstrapAdminCommand extends CommandRunner {
  constructor(private readonly cli: CliStaffAccounts) {
    super();
  }

  async run([username]: string[]): Promise<void> {
    const accounts = await this.cli.accounts();
    const admins = (await accounts.list()).filter(({ account }) => account.status === 'active' && account.roles.includes('admin'));
    if (admins.length > 0) {
      process.stderr.write(`an active admin exists already (${admins.map(({ account }) => account.username).join(', ')}): nothing was created\n`);
      process.exitCode = 3;
      return;
    }
    const name = username.trim().toLowerCase();
    const created = await accounts.create({ username: name, displayName: name, roles: ['admin'], departmentId: null }, this.cli.metadata());
    process.stderr.write('the first admin: sign in with this one-time password, choose a password and enrol TOTP\n');
    process.stdout.write(`${JSON.stringify({ staffId: created.staffId, username: name, oneTimePassword: created.oneTimePassword })}\n`);
  }
}

@SubCommand({ name: 'disable', arguments: '<usernameOrId>', description: 'disable an account: it can no longer sign in, and its sessions end at their next refresh' })
export class StaffDisableCommand extends CommandRunner {
  constructor(private readonly cli: CliStaffAccounts) {
    super();
  }

  async run([who]: string[]): Promise<void> {
    const staffId = await this.cli.resolve(who);
    const changed = await this.cli.change(staffId, { type: 'DisableAccount' }, 'account-disabled');
    process.stdout.write(`${JSON.stringify({ staffId, status: 'disabled', changed })}\n`);
  }
}

@SubCommand({ name: 'reset-mfa', arguments: '<usernameOrId>', description: 'remove the account’s TOTP enrolment (a lost phone); it enrols again at its next sign-in' })
export class StaffResetMfaCommand extends CommandRunner {
  constructor(private readonly cli: CliStaffAccounts) {
    super();
  }

  async run([who]: string[]): Promise<void> {
    const staffId = await this.cli.resolve(who);
    const changed = await this.cli.change(staffId, { type: 'ResetMfa' }, 'mfa-reset');
    process.stdout.write(`${JSON.stringify({ staffId, mfa: 'none', changed })}\n`);
  }
}

@SubCommand({ name: 'list', description: 'every staff account: id, username, roles, department, status (one JSON object a line)' })
export class StaffListCommand extends CommandRunner {
  constructor(private readonly cli: CliStaffAccounts) {
    super();
  }

  async run(): Promise<void> {
    for (const { account } of await (await this.cli.accounts()).list()) {
      const { staffId, username, roles, departmentId, status } = account;
      process.stdout.write(`${JSON.stringify({ staffId, username, roles, departmentId, status, mfa: account.mfa.status })}\n`);
    }
  }
}

@Command({
  name: 'staff',
  description: 'staff accounts',
  subCommands: [StaffCreateCommand, StaffBootstrapAdminCommand, StaffDisableCommand, StaffResetMfaCommand, StaffListCommand],
})
export class StaffCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}

export const STAFF_COMMANDS = [
  StaffSessions,
  CliStaffAccounts,
  StaffCommand,
  StaffCreateCommand,
  StaffBootstrapAdminCommand,
  StaffDisableCommand,
  StaffResetMfaCommand,
  StaffListCommand,
];
