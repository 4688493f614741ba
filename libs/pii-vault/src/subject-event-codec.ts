import { JsonValue } from '@pi-ledger/event-store/event-store.port';
import type { AlongsideInsert } from '@pi-ledger/event-store/postgres/postgres-event-store.port';
import { DataErasedError, EncryptedValue, KeyDraft, KeyRef, PiiVault } from './pii-vault';
import { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';

export const ERASED = '[erased]';

type Transform<From, To> = (value: From, category: string, field: string) => Promise<To>;

/** A command's events sealed for one append, and what the append must carry and do for their keys. */
export interface SealedAppend {
  events: Array<SubjectEvent<EncryptedValue>>;
  /** The subject's new keys, for the append to store with the events (AppendOptions.alongside). */
  alongside?: AlongsideInsert;
  /** Call once the append has committed. */
  appended(): void;
}

/**
 * The one place that knows where PI sits in each subject event. Sealing encrypts those values with
 * the subject's data key for the category (AAD: event id, subject, category, field); opening
 * decrypts them, or yields "[erased]" once the key is shredded.
 */
export class SubjectEventCodec {
  constructor(private readonly vault: PiiVault) {}

  seal(event: SubjectEvent, eventId: string, draft?: KeyDraft): Promise<SubjectEvent<EncryptedValue>> {
    const subjectId = event.data.subjectId;
    return mapPi(event, (value, category, field) => this.vault.encrypt({ eventId, subjectId, category, field }, value as JsonValue, draft));
  }

  /**
   * Seals a command's events for one append. When they open a subject's stream (`firstEvents`)
   * and none of their keys is cached, the subject has no keys stored: they are made here and
   * stored by the append itself (`alongside`), keys and events committing together in one
   * statement. Otherwise as sealAll. If the append fails with AlongsideConflict (the subject had
   * keys after all), seal again with `firstEvents` false.
   */
  async sealForAppend(events: readonly SubjectEvent[], eventIds: readonly string[], firstEvents: boolean): Promise<SealedAppend> {
    const refs = firstEvents ? await keyRefsOf(events) : [];
    const subjectId = refs[0]?.subjectId;
    if (!subjectId || refs.some((ref) => ref.subjectId !== subjectId) || !this.vault.canDraftKeys(refs)) {
      return { events: await this.sealAll(events, eventIds), appended: () => undefined };
    }
    const draft = this.vault.draftKeys(
      subjectId,
      refs.map((ref) => ref.category),
    );
    return {
      events: await Promise.all(events.map((event, index) => this.seal(event, eventIds[index], draft))),
      alongside: draft.row,
      appended: () => this.vault.adopt(draft),
    };
  }

  /** Seals a command's events (`eventIds[i]` is the id of `events[i]`), their keys loaded or created in one statement per subject. */
  async sealAll(events: readonly SubjectEvent[], eventIds: readonly string[]): Promise<Array<SubjectEvent<EncryptedValue>>> {
    await this.vault.prepareKeys(await keyRefsOf(events), true);
    return Promise.all(events.map((event, index) => this.seal(event, eventIds[index])));
  }

  /** Opens many events (a subject's history, a projection's batch), their keys loaded in one SELECT. */
  async openAll(events: ReadonlyArray<SubjectEvent<EncryptedValue>>, eventIds: readonly string[]): Promise<Array<SubjectEvent<JsonValue>>> {
    await this.vault.prepareKeys(await keyRefsOf(events), false);
    return Promise.all(events.map((event, index) => this.open(event, eventIds[index])));
  }

  open(event: SubjectEvent<EncryptedValue>, eventId: string): Promise<SubjectEvent<JsonValue>> {
    const subjectId = event.data.subjectId;
    return mapPi(event, async (value, category, field) => {
      try {
        return await this.vault.decrypt({ eventId, subjectId, category, field }, value);
      } catch (error) {
        if (error instanceof DataErasedError) return ERASED;
        throw error;
      }
    });
  }
}

/** Categories of the vault for PI that is not category data. */
export const GUARDIAN_CATEGORY = 'guardian';
export const FREE_TEXT_CATEGORY = 'free_text';

/** The (subject, category) pairs whose data keys seal the PI of these events. */
async function keyRefsOf<V>(events: ReadonlyArray<SubjectEvent<V>>): Promise<KeyRef[]> {
  const refs = new Map<string, KeyRef>();
  for (const event of events) {
    const subjectId = event.data.subjectId;
    await mapPi(event, async (value, category) => {
      refs.set(`${subjectId}\n${category}`, { subjectId, category });
      return value;
    });
  }
  return [...refs.values()];
}

async function mapPi<A, B>(event: SubjectEvent<A>, transform: Transform<A, B>): Promise<SubjectEvent<B>> {
  switch (event.type) {
    case 'DataCollected':
      return { ...event, data: { ...event.data, fields: await mapFields(event.data.fields, event.data.category, transform) } };
    case 'DataUpdated':
    case 'DataCorrected':
    case 'DataSupplemented': {
      const set: Record<string, B | null> = {};
      for (const [field, value] of Object.entries(event.data.set)) set[field] = value === null ? null : await transform(value, event.data.category, field);
      return { ...event, data: { ...event.data, set } };
    }
    case 'DataItemAdded':
      return { ...event, data: { ...event.data, item: await transform(event.data.item, event.data.category, event.data.field) } };
    case 'ConsentGranted': {
      const { guardian, ...rest } = event.data;
      return { ...event, data: { ...rest, ...(guardian === undefined ? {} : { guardian: await transform(guardian, GUARDIAN_CATEGORY, 'guardian') }) } };
    }
    case 'ProcessingRestricted':
      return { ...event, data: { ...event.data, reason: await transform(event.data.reason, FREE_TEXT_CATEGORY, 'reason') } };
    case 'SubjectRegistered':
    case 'ConsentWithdrawn':
    case 'RestrictionLifted':
    case 'DisclosedToThirdParty':
    case 'SubjectAssigned':
    case 'RelationshipEnded':
    case 'LifecycleStageChanged':
    case 'SubjectErased':
    case 'SubjectMerged':
    case 'SubjectMergedInto':
      return event;
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

async function mapFields<A, B>(fields: Record<string, A>, category: string, transform: Transform<A, B>): Promise<Record<string, B>> {
  const out: Record<string, B> = {};
  for (const [field, value] of Object.entries(fields)) out[field] = await transform(value, category, field);
  return out;
}
