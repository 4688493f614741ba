import { Inject, Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import type { Logger } from 'pino';
import { LRUCache } from 'lru-cache';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, readWholeStream, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_CONFIG, LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import { LedgerConfig } from '@pi-ledger/platform/config/ledger-config';
import { LedgerMetrics } from '@pi-ledger/platform/metrics/ledger-metrics';
import {
  BulkLookupSuspected,
  decideLookupAlert,
  evolveLookupAlerts,
  initialLookupAlerts,
  LOOKUP_ALERTS_STREAM,
  LookupAlertEvent,
  LookupAlertState,
} from '@pi-ledger/ledger-domain/lookup-alert/lookup-alert.decider';
import { RequestContext, withMetadata } from './request-context';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** Actors tracked at once; the least recently active are forgotten first. */
const MAX_ACTORS = 10_000;

/** An actor made more personal-data look-ups in the last minute than the limit allows: 429, retry later. */
export class LookupRateExceeded extends Error {
  readonly code = 'lookup-rate-exceeded';
  readonly details: { retryAfterSeconds: number; limitPerMinute: number };
  constructor(limitPerMinute: number, retryAfterSeconds: number) {
    super(`more than ${limitPerMinute} personal-data look-ups within a minute; try again in ${retryAfterSeconds} s`);
    this.name = 'LookupRateExceeded';
    this.details = { retryAfterSeconds, limitPerMinute };
  }
}

interface ActorLookups {
  /** Times (ms) of the look-ups within the last minute, oldest first. */
  recent: number[];
  /** The clock hour being counted, and the look-ups in it. */
  hourStart: number;
  inHour: number;
  /** The hour's alert is recorded (or another instance had recorded it). */
  alerted: boolean;
}

const ALERTS_FOLD: StreamFold<LookupAlertState, LookupAlertEvent> = { initialState: initialLookupAlerts, evolve: evolveLookupAlerts };

/**
 * Watches each actor's personal-data look-ups. Look-up requests (profile reads and searches) past
 * the per-minute limit are refused (429). The customers' records shown to the actor (every access
 * record: each profile read, each search result, a history, an export) are counted per clock hour;
 * past the hourly threshold one BulkLookupSuspected alert is recorded for that actor and hour, for
 * the compliance report. Counting is per API instance (several instances each apply the limit and
 * count their own records); the alert is recorded once per actor and hour across instances. A data
 * subject reading its own record is not counted.
 */
@Injectable()
export class LookupMonitor {
  private readonly actors = new LRUCache<string, ActorLookups>({ max: MAX_ACTORS });
  private readonly refused: Counter;
  private readonly alerts: Counter;
  private readonly alertFailures: Counter;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CONFIG) private readonly config: LedgerConfig,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    metrics: LedgerMetrics,
  ) {
    this.refused = new Counter({ name: 'pi_ledger_lookups_refused_total', help: 'Personal-data look-ups refused by the per-actor limit', registers: [metrics.registry] });
    this.alerts = new Counter({ name: 'pi_ledger_lookup_alerts_total', help: 'Bulk-look-up alerts recorded', registers: [metrics.registry] });
    this.alertFailures = new Counter({
      name: 'pi_ledger_lookup_alert_failures_total',
      help: 'Bulk-look-up alerts that could not be recorded (tried again)',
      registers: [metrics.registry],
    });
  }

  /** Counts one look-up request (a profile read, a search) by the context's actor, or refuses it past the per-minute limit. */
  admit(context: RequestContext): void {
    if (context.actor.roles.includes('data_subject')) return;
    const now = this.clock().getTime();
    const lookups = this.lookupsOf(context.actor.id, now);
    lookups.recent = lookups.recent.filter((at) => at > now - MINUTE_MS);
    const limit = this.config.lookupLimitPerMinute;
    if (limit > 0 && lookups.recent.length >= limit) {
      this.refused.inc();
      throw new LookupRateExceeded(limit, Math.max(1, Math.ceil((lookups.recent[0] + MINUTE_MS - now) / 1000)));
    }
    lookups.recent.push(now);
  }

  /**
   * Counts the customers' records an actor was shown (every access record: a profile read, each
   * search result, a history, an export) and records the hour's alert once past the threshold.
   */
  async observe(context: RequestContext, records: number): Promise<void> {
    if (context.actor.roles.includes('data_subject') || records === 0) return;
    const now = this.clock().getTime();
    const actor = context.actor.id;
    const lookups = this.lookupsOf(actor, now);
    const hourStart = lookups.hourStart;
    lookups.inHour += records;
    const threshold = this.config.lookupAlertPerHour;
    if (threshold > 0 && lookups.inHour > threshold && !lookups.alerted) {
      // the look-up is served either way; an alert that could not be recorded is tried again on the next one
      try {
        await this.raise(context, hourStart, lookups.inHour, threshold);
        lookups.alerted = true;
      } catch (error) {
        this.alertFailures.inc();
        this.logger.error({ err: error, actor, windowStart: new Date(hourStart).toISOString() }, 'bulk-look-up alert not recorded; tried again on the next look-up');
      }
    }
  }

  /** The actor's counts, the hour's moved on to the current clock hour. */
  private lookupsOf(actor: string, now: number): ActorLookups {
    const hourStart = now - (now % HOUR_MS);
    const lookups = this.actors.get(actor) ?? { recent: [], hourStart, inHour: 0, alerted: false };
    if (lookups.hourStart !== hourStart) Object.assign(lookups, { hourStart, inHour: 0, alerted: false });
    this.actors.set(actor, lookups);
    return lookups;
  }

  /** The recorded alerts, newest first, optionally from an instant on. */
  async alertsSince(from?: Date): Promise<Array<BulkLookupSuspected['data']>> {
    const events = await readWholeStream<LookupAlertEvent>(this.store, LOOKUP_ALERTS_STREAM);
    const since = from?.toISOString();
    return events
      .map((event) => event.data)
      .filter((alert) => since === undefined || alert.raisedAt >= since)
      .reverse();
  }

  private async raise(context: RequestContext, hourStart: number, lookups: number, threshold: number): Promise<void> {
    const alert: BulkLookupSuspected['data'] = {
      alertId: uuidv7(),
      actor: context.actor.id,
      roles: [...context.actor.roles],
      windowStart: new Date(hourStart).toISOString(),
      windowEnd: new Date(hourStart + HOUR_MS).toISOString(),
      lookups,
      threshold,
      raisedAt: this.clock().toISOString(),
    };
    const { events } = await handleCommand(this.store, LOOKUP_ALERTS_STREAM, ALERTS_FOLD, ({ state }) => decideLookupAlert({ type: 'RaiseLookupAlert', alert }, state), {
      prepare: withMetadata(context),
    });
    if (events.length === 0) return;
    this.alerts.inc();
    this.logger.warn({ actor: alert.actor, lookups, threshold, windowStart: alert.windowStart }, 'bulk personal-data look-up suspected');
  }
}
