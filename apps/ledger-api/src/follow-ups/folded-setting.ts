import { AnyDomainEvent, EventStore } from '@pi-ledger/event-store/event-store.port';
import { CachedStreamFold, handleCommand, StreamFold } from '@pi-ledger/event-store/command-handler';
import type { LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { RequestContext, withMetadata } from '../application/request-context';

/**
 * A workflow setting kept as one small stream (the abnormal-result rule, the escalation policy):
 * read from a fold kept in memory and in step with the stream, changed by admins through the one
 * command path, each change an event with its actor.
 */
export class FoldedSetting<S, E extends AnyDomainEvent> {
  private readonly folded: CachedStreamFold<S, E>;

  constructor(
    private readonly store: EventStore,
    private readonly clock: LedgerClock,
    private readonly streamId: string,
    private readonly fold: StreamFold<S, E>,
  ) {
    this.folded = new CachedStreamFold(store, streamId, fold);
  }

  current(): Promise<S> {
    return this.folded.current();
  }

  async change(decide: (state: S, now: string) => E[], context: RequestContext): Promise<{ state: S; version: number; position: number }> {
    const now = this.clock().toISOString();
    const handled = await handleCommand(this.store, this.streamId, this.fold, ({ state }) => decide(state, now), { prepare: withMetadata(context) });
    return { state: handled.state, version: handled.version, position: handled.position };
  }
}
