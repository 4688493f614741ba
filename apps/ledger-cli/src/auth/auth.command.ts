import { Command, CommandRunner } from 'nest-commander';
import { AuthRevokeCommand } from './auth-revoke.command';
import { AuthTokenCommand } from './auth-token.command';

@Command({ name: 'auth', description: 'bearer tokens for the API', subCommands: [AuthTokenCommand, AuthRevokeCommand] })
export class AuthCommand extends CommandRunner {
  async run(): Promise<void> {
    this.command.help();
  }
}
