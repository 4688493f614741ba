import { Injectable, OnApplicationBootstrap, OnModuleInit } from '@nestjs/common';
import { Command, CommanderError } from 'commander';
import { InjectCommander } from 'nest-commander';

/** Exit status of a command line commander refuses (unknown command or option, missing argument). */
export const EXIT_USAGE = 2;
const HELP = ['commander.helpDisplayed', 'commander.help', 'commander.version'];

/** The exit status for an error commander threw instead of exiting; undefined when it is not one. */
export function usageExitCode(error: unknown): number | undefined {
  if (!(error instanceof CommanderError)) return undefined;
  return HELP.includes(error.code) ? 0 : EXIT_USAGE;
}

/**
 * Usage lines say `ledger`, the name the README uses, rather than the entry file's name. And every
 * command, subcommands included, throws its usage errors instead of calling process.exit(1):
 * commander sets that per command, and nest-commander only on the root. The error then reaches
 * the service error handler, which exits 2 once the application (and the database) is closed.
 */
@Injectable()
export class ProgramName implements OnModuleInit, OnApplicationBootstrap {
  constructor(@InjectCommander() private readonly program: Command) {}

  onModuleInit(): void {
    this.program.name('ledger').description('pi-ledger ops CLI: results on stdout, logs and progress on stderr');
  }

  onApplicationBootstrap(): void {
    const throwOnUsageErrors = (command: Command): void => {
      command.exitOverride();
      command.commands.forEach(throwOnUsageErrors);
    };
    throwOnUsageErrors(this.program);
  }
}
