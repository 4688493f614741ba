import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { BREAK_GLASS_PI, mapDeclaredPi } from '@pi-ledger/pii-vault/event-pi-declarations';
import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import type { Assignment } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { BREAK_GLASS_STREAM, BREAK_GLASS_USED, BreakGlassUsed } from '@pi-ledger/ledger-domain/assignment/break-glass.events';
import { eventMetadata, RequestContext } from '../../application/request-context';

/**
 * Records each break-glass access (a customer reached outside the caller's assignment) as a
 * BreakGlassUsed event on the `break-glass` stream, before the read is answered or the change
 * appended, counts it (`pi_ledger_break_glass_total`) and logs a warning with ids and the reason
 * code only. The note is sealed under the customer's free-text key.
 */
@Injectable()
export class BreakGlassRecorder {
  private readonly used: Counter<'reason' | 'access'>;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    metrics: LedgerMetrics,
  ) {
    this.used = new Counter({
      name: 'pi_ledger_break_glass_total',
      help: 'Customers reached outside the caller’s assignment by break-glass, by reason and access',
      labelNames: ['reason', 'access'] as const,
      registers: [metrics.registry],
    });
  }

  async record(context: RequestContext, subjectId: string, assignment: Assignment, access: 'read' | 'write'): Promise<string> {
    const breakGlass = context.breakGlass;
    if (!breakGlass) throw new Error('a break-glass access without a stated reason');
    const breakGlassId = uuidv7();
    const plain: BreakGlassUsed<JsonValue>['data'] = {
      breakGlassId,
      subjectId,
      actor: context.actor.id,
      roles: [...context.actor.roles],
      actorDepartmentId: context.actor.departmentId ?? null,
      assignment,
      reason: breakGlass.reason,
      ...(breakGlass.note ? { note: breakGlass.note } : {}),
      access,
      usedAt: this.clock().toISOString(),
    };
    const data = await mapDeclaredPi(plain, BREAK_GLASS_PI, ({ value, category, field }) =>
      this.vault.encrypt({ eventId: breakGlassId, subjectId, category, field }, value as JsonValue),
    );
    await this.store.appendToStream(BREAK_GLASS_STREAM, [{ eventId: breakGlassId, type: BREAK_GLASS_USED, data, metadata: eventMetadata(context) }]);
    this.used.inc({ reason: breakGlass.reason, access });
    this.logger.warn({ breakGlassId, actor: context.actor.id, subjectId, reason: breakGlass.reason, access }, 'break-glass access to a customer outside the assignment');
    return breakGlassId;
  }
}
