import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { handleCommand, loadStreamHead, RetryPolicy, StreamFold } from '@pi-ledger/event-store/command-handler';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { LEDGER_LOGGER } from '@pi-ledger/platform/config/config.tokens';
import {
  chinaYear,
  customerNumberStream,
  CustomerNumberEvent,
  CustomerNumberState,
  decideCustomerNumber,
  evolveCustomerNumbers,
  initialCustomerNumberState,
} from '@pi-ledger/ledger-domain/customer-number/customer-number';
import { CustomerNumberQueries } from '@pi-ledger/read-models/projections/customer-numbers/customer-numbers.projection';
import { eventMetadata, RequestContext, withMetadata } from '../../application/request-context';

const NUMBERS_FOLD: StreamFold<CustomerNumberState, CustomerNumberEvent> = { initialState: initialCustomerNumberState, evolve: evolveCustomerNumbers };

/**
 * Every registration of a year contends for the same stream: a lost race is decided again at once
 * (one indexed read of the stream's head), many more times than a subject's command would be.
 */
export const ALLOCATION_RETRY: RetryPolicy = { maxAttempts: 40, baseDelayMs: 1, maxDelayMs: 25 };

/** A registration's own allocation runs right after its append; a back-fill leaves subjects younger than this to it. */
const BACKFILL_GRACE_MS = 60_000;

export interface Allocated {
  customerNumber: string;
  position: number;
}

/** Allocates customer numbers on the one command path, and back-fills subjects registered before numbers existed. */
@Injectable()
export class CustomerNumbersService {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
    readonly queries: CustomerNumberQueries,
  ) {}

  async allocate(subjectId: string, context: RequestContext): Promise<Allocated> {
    const now = this.clock().toISOString();
    const handled = await handleCommand(
      this.store,
      customerNumberStream(chinaYear(now)),
      NUMBERS_FOLD,
      ({ state }) => decideCustomerNumber({ type: 'AllocateCustomerNumber', subjectId, now }, state),
      { prepare: withMetadata(context), load: loadStreamHead, retry: ALLOCATION_RETRY },
    );
    return { customerNumber: handled.events[0].data.customerNumber, position: handled.position };
  }

  /**
   * Numbers several subjects in one append to the year's stream, in the order given: one decision
   * and one race for a batch of an import's rows instead of one for each. Each event carries the
   * metadata of its own subject's request (an import's row).
   */
  async allocateAll(requests: ReadonlyArray<{ subjectId: string; context: RequestContext }>): Promise<Allocated[]> {
    if (requests.length === 0) return [];
    const now = this.clock().toISOString();
    const handled = await handleCommand(
      this.store,
      customerNumberStream(chinaYear(now)),
      NUMBERS_FOLD,
      ({ state }) => {
        const events: CustomerNumberEvent[] = [];
        for (const { subjectId } of requests) {
          const [event] = decideCustomerNumber({ type: 'AllocateCustomerNumber', subjectId, now }, state);
          events.push(event);
          state = evolveCustomerNumbers(state, event);
        }
        return events;
      },
      {
        prepare: async (events) => ({ events: events.map((event, index) => ({ ...event, metadata: eventMetadata(requests[index].context) })) }),
        load: loadStreamHead,
        retry: ALLOCATION_RETRY,
      },
    );
    return handled.events.map((event) => ({ customerNumber: event.data.customerNumber, position: handled.position }));
  }

  /**
   * A registration whose allocation failed (every race lost, or the process stopped between the two
   * appends) still stands, without a number: it is logged, and the back-fill numbers it later.
   */
  async allocateOrDefer(subjectId: string, context: RequestContext): Promise<Allocated | undefined> {
    try {
      return await this.allocate(subjectId, context);
    } catch (error) {
      this.logger.warn({ subjectId, err: error }, 'customer number not allocated at registration: the back-fill will number this subject');
      return undefined;
    }
  }

  /**
   * Numbers, in order of registration, up to `limit` subjects (not erased) that have none; returns
   * how many it numbered and how many are left. Run it until nothing is left
   * (`POST /v1/customer-numbers/backfill`).
   */
  async backfill(context: RequestContext, limit: number): Promise<{ numbered: number; remaining: number }> {
    const before = new Date(this.clock().getTime() - BACKFILL_GRACE_MS);
    const subjectIds = await this.queries.unnumbered(before, limit + 1);
    const work = subjectIds.slice(0, limit);
    for (const subjectId of work) await this.allocate(subjectId, context);
    if (work.length > 0) this.logger.info({ numbered: work.length }, 'customer numbers back-filled');
    return { numbered: work.length, remaining: subjectIds.length - work.length };
  }
}
