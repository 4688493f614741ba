import { Injectable, OnModuleInit } from '@nestjs/common';
import { Command } from 'commander';
import { InjectCommander } from 'nest-commander';

/** Usage lines say `ledger`, the name the README uses, rather than the entry file's name. */
@Injectable()
export class ProgramName implements OnModuleInit {
  constructor(@InjectCommander() private readonly program: Command) {}

  onModuleInit(): void {
    this.program.name('ledger').description('pi-ledger ops CLI: results on stdout, logs and progress on stderr');
  }
}
