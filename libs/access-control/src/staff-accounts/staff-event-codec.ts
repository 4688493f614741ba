import type { JsonValue, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { mapDeclaredPi, STAFF_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { DataErasedError, isEncryptedValue, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { ERASED } from '@pi-ledger/pii-vault/subject-event-codec';
import type { StaffAccountEvent } from '@pi-ledger/ledger-domain/staff/staff-account.events';
import type { StaffSigninEvent } from '@pi-ledger/ledger-domain/staff/staff-signin.events';

export type StaffEvent = StaffAccountEvent | StaffSigninEvent;

/**
 * Seals a staff event's declared values (STAFF_PI: the display name, a password hash, a TOTP
 * secret, an IP address) under the account's own vault keys before append, and opens them on read.
 * The AAD binds the event's own id, the account, the category and the field, so a sealed value
 * cannot be moved to another event or account.
 */
export class StaffEventCodec {
  constructor(private readonly vault: PiiVault) {}

  async seal<E extends StaffEvent>(event: E, eventId: string): Promise<E> {
    const data = await mapDeclaredPi(event.data, STAFF_PI[event.type], ({ value, category, field }) =>
      this.vault.encrypt({ eventId, subjectId: event.data.staffId, category, field }, value as JsonValue),
    );
    return { ...event, data };
  }

  /** The event with its sealed values opened ("[erased]" once the account's keys are destroyed). */
  async open<E extends StaffEvent>(recorded: RecordedEvent<E>): Promise<E> {
    const { eventId } = recorded;
    const event = { type: recorded.type, data: recorded.data } as E;
    const data = await mapDeclaredPi(event.data, STAFF_PI[event.type], async ({ value, category, field }) => {
      if (!isEncryptedValue(value)) return value;
      try {
        return await this.vault.decrypt({ eventId, subjectId: event.data.staffId, category, field }, value);
      } catch (error) {
        if (error instanceof DataErasedError) return ERASED;
        throw error;
      }
    });
    return { ...event, data };
  }
}
