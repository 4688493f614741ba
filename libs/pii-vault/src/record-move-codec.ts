import type { CarriedEvent, RecordMoved } from '@pi-ledger/ledger-domain/subject/record-move';
import { DeclaredEventCodec } from './declared-event-codec';
import { piSealingOf } from './event-pi-declarations';
import type { PiiVault } from './pii-vault';

/**
 * Seals and opens a RecordMoved: each event it carries by its own type's declaration, under the
 * keys of the subject it now names (the survivor), with the AAD the original had but that subject.
 * A carried type no declaration knows is refused, never carried in clear.
 */
export class RecordMoveCodec {
  private readonly codecs = new Map<string, DeclaredEventCodec<CarriedEvent>>();

  constructor(private readonly vault: PiiVault) {}

  async seal(event: RecordMoved): Promise<RecordMoved> {
    return { ...event, data: { ...event.data, events: await Promise.all(event.data.events.map((carried) => this.codecOf(carried.type).seal(carried))) } };
  }

  async open(event: RecordMoved): Promise<RecordMoved> {
    return { ...event, data: { ...event.data, events: await this.openEach(event.data.events) } };
  }

  /** Events of a record's stream, each opened by its own type's declaration ("[erased]" where the key is shredded). */
  openEach<T extends { type: string; data: CarriedEvent['data'] }>(events: readonly T[]): Promise<T[]> {
    return Promise.all(events.map(async (event) => ({ ...event, data: (await this.codecOf(event.type).open(event as unknown as CarriedEvent)).data })));
  }

  private codecOf(type: string): DeclaredEventCodec<CarriedEvent> {
    const known = this.codecs.get(type);
    if (known) return known;
    const sealing = piSealingOf(type);
    if (!sealing || !('declared' in sealing)) throw new TypeError(`a record move cannot carry ${type}: its type declares no PI fields`);
    const codec = new DeclaredEventCodec<CarriedEvent>(this.vault, { [type]: sealing.declared });
    this.codecs.set(type, codec);
    return codec;
  }
}
