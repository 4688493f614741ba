import { Command, CommandRunner } from 'nest-commander';
import { AuthTokenCommand } from './auth-token.command';

@Command({ name: 'auth', description: 'bearer tokens for the API', subCommands: [AuthTokenCommand] })
export class AuthCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
