import { JsonValue } from '@pi-ledger/event-store/event-store.port';
import { DataErasedError, FieldContext, isEncryptedValue, PiiVault } from './pii-vault';
import { mapDeclaredPi, PiDeclaration } from './event-pi-declarations';
import { ERASED } from './subject-event-codec';

/** An event of a stream that belongs to one subject (`data.subjectId`) and is named by an id (`data.requestId`, or the declaration's `aadId`). */
export interface SubjectScopedEvent {
  type: string;
  data: { subjectId: string } & Record<string, unknown>;
}

/**
 * Seals and opens events by their types' PI declarations (event-pi-declarations.ts): each declared
 * value under the subject's data key for the declared category, AAD binding the request, subject,
 * category and field. Opening yields "[erased]" once the key is shredded, and leaves clear values
 * clear: events written before their type declared a field (they are not migrated) read as stored.
 */
export class DeclaredEventCodec<E extends SubjectScopedEvent> {
  constructor(
    private readonly vault: PiiVault,
    private readonly declarations: { readonly [T in E['type']]: PiDeclaration },
  ) {}

  async seal(event: E): Promise<E> {
    const declaration = this.declarationOf(event);
    const data = await mapDeclaredPi(event.data, declaration, ({ value, category, field }) =>
      this.vault.encrypt(this.context(event, declaration, category, field), value as JsonValue),
    );
    return { ...event, data };
  }

  async open(event: E): Promise<E> {
    const declaration = this.declarationOf(event);
    const data = await mapDeclaredPi(event.data, declaration, async ({ value, category, field }) => {
      if (!isEncryptedValue(value)) return value;
      try {
        return await this.vault.decrypt(this.context(event, declaration, category, field), value);
      } catch (error) {
        if (error instanceof DataErasedError) return ERASED;
        throw error;
      }
    });
    return { ...event, data };
  }

  sealAll(events: readonly E[]): Promise<E[]> {
    return Promise.all(events.map((event) => this.seal(event)));
  }

  openAll(events: readonly E[]): Promise<E[]> {
    return Promise.all(events.map((event) => this.open(event)));
  }

  private declarationOf(event: E): PiDeclaration {
    const declaration = Object.hasOwn(this.declarations, event.type) ? this.declarations[event.type as E['type']] : undefined;
    // the mapped type makes this unreachable for typed events; a stored type no declaration knows must not pass unsealed
    if (!declaration) throw new TypeError(`event type ${event.type} declares no PI fields`);
    return declaration;
  }

  private context(event: E, declaration: PiDeclaration, category: string, field: string): FieldContext {
    return { eventId: `${String(event.data[declaration.aadId ?? 'requestId'])}${declaration.aadSuffix}`, subjectId: event.data.subjectId, category, field };
  }
}
