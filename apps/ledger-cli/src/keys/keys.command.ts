import { Command, CommandRunner } from 'nest-commander';
import { RotateKekCommand } from './keys-rotate-kek.command';

@Command({ name: 'keys', description: 'master key and data keys of the PII vault', subCommands: [RotateKekCommand] })
export class KeysCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
