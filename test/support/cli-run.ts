import type { DynamicModule } from '@nestjs/common';
import { CommandFactory, CommandRunnerService } from 'nest-commander';

export interface CliRun {
  stdout: string;
  stderr: string;
  /** What nest-commander's error handler received (a refused option, a thrown error). */
  errors: Error[];
  /** The process.exitCode the command set, undefined when it set none (and it is set back). */
  exitCode: number | undefined;
}

/**
 * Runs one `ledger …` command in this process, through nest-commander's parser as the binary would,
 * with stdout and stderr captured: the specs' one way to drive the real CLI against a test database.
 */
export async function runCli(module: DynamicModule, args: readonly string[]): Promise<CliRun> {
  const errors: Error[] = [];
  const cli = await CommandFactory.createWithoutRunning(module, { logger: false, serviceErrorHandler: (error) => void errors.push(error) });
  const out: string[] = [];
  const err: string[] = [];
  const stdout = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => out.push(String(chunk)) > 0);
  const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => err.push(String(chunk)) > 0);
  const exitCodeBefore = process.exitCode;
  try {
    await cli.get(CommandRunnerService).run(['node', 'ledger', ...args]);
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
    await cli.close();
  }
  const exitCode = process.exitCode === exitCodeBefore ? undefined : (process.exitCode as number);
  process.exitCode = exitCodeBefore;
  return { stdout: out.join(''), stderr: err.join(''), errors, exitCode };
}
