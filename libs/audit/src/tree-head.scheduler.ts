import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuditLog } from './audit-log';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';

const EVERY_MS = 30_000;

/** Signs a tree head every 30 s when the tree grew, where the projector runs. */
@Injectable()
export class TreeHeadScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly log: AuditLog,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    @Inject('PROJECTOR_ENABLED') private readonly enabled: boolean,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.enabled) return;
    this.timer = setInterval(() => {
      this.log.createTreeHead().catch((error) => this.logger.warn({ err: error }, 'could not sign a tree head'));
    }, EVERY_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.timer);
  }
}
