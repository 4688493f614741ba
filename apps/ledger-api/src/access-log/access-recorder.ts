import { LookupMonitor } from '../application/lookup-monitor';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { Inject, Injectable } from '@nestjs/common';
import { purposeOf } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { accessStream, PersonalDataAccessed } from '@pi-ledger/read-models/projections/access-log/personal-data-accessed.event';
import { eventMetadata, RequestContext } from '../application/request-context';
import { RegistryService } from '../registry/registry.service';

/** One subject's PI as one response showed it. */
export interface AccessRead {
  subjectId: string;
  purposeId: string | null;
  categories: string[];
  revealed: string[];
  via: PersonalDataAccessed['data']['via'];
  /** The basis of a reserved purpose the registry does not hold (a compliance audit's legal obligation). */
  legalBasis?: 'legal_obligation';
  revealReason?: string;
  /** The break-glass reason when the read reached a customer outside the reader's assignment. */
  breakGlass?: string;
  /** The bulk export whose file holds this customer's row. */
  exportId?: string;
}

/**
 * Records reads of PI in the ledger itself (PIPL Art. 51): a `PersonalDataAccessed` event on the
 * subject's access stream, appended before the response leaves, so a read that cannot be recorded
 * fails instead of going unrecorded.
 */
@Injectable()
export class AccessRecorder {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    private readonly registry: RegistryService,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    private readonly lookups: LookupMonitor,
  ) {}

  async record(context: RequestContext, reads: readonly AccessRead[]): Promise<void> {
    if (reads.length === 0) return;
    await this.lookups.observe(context, reads.length);
    const { purposes } = await this.registry.current();
    const accessedAt = this.clock().toISOString();
    await Promise.all(
      reads.map((read) => {
        const purpose = read.purposeId ? purposeOf({ purposes }, read.purposeId) : undefined;
        const data: PersonalDataAccessed['data'] = {
          subjectId: read.subjectId,
          actor: context.actor.id,
          roles: [...context.actor.roles],
          purposeId: read.purposeId,
          categories: read.categories,
          revealed: read.revealed,
          accessedAt,
          via: read.via,
          ...(read.revealReason ? { revealReason: read.revealReason } : {}),
          ...(read.breakGlass ? { breakGlass: read.breakGlass } : {}),
          ...(read.exportId ? { exportId: read.exportId } : {}),
        };
        const basis = purpose
          ? { id: purpose.id, legalBasis: purpose.legalBasis }
          : read.purposeId && read.legalBasis
            ? { id: read.purposeId, legalBasis: read.legalBasis }
            : undefined;
        const metadata = eventMetadata(context, basis);
        return this.store.appendToStream(accessStream(read.subjectId), [{ eventId: uuidv7(), type: 'PersonalDataAccessed' as const, data, metadata }]);
      }),
    );
  }
}
