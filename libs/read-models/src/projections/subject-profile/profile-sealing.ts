import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import { isEncryptedValue, type PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DataErasedError } from '@pi-ledger/pii-vault/pii-vault.errors';
import { ERASED } from '@pi-ledger/pii-vault/subject-event-codec';
import type { SubjectProfileDocument } from './subject-profile.document';

/**
 * The profile read model keeps each category's values sealed, one AES-256-GCM value per category
 * under the subject's data key for it (the same key as the category's values in the log): no
 * personal data rests in clear in its heap, indexes or WAL, and destroying the keys (erasure)
 * makes every copy unreadable, backups and old row versions included. The AAD binds the value to
 * this read model, the subject and the category, so a value cannot be moved to another row.
 */
const PROFILE_CONTEXT = { eventId: 'subject_profile', field: '*' } as const;

export type ProfileData = SubjectProfileDocument['data'];
/** As stored: a sealed value per category (a row written before sealing holds the plain fields, until its rebuild). */
export type StoredProfileData = Record<string, unknown>;

/**
 * Seals each category. A category whose key is destroyed (a rebuild after a shred) holds no value
 * any more: it is kept as its field names marked "[erased]", which is no personal data, as before.
 */
export async function sealProfileData(vault: PiiVault, subjectId: string, data: ProfileData): Promise<StoredProfileData> {
  const sealed: StoredProfileData = {};
  await Promise.all(
    Object.entries(data).map(async ([category, fields]) => {
      if (!fields) return;
      if (!holdsValue(fields)) {
        sealed[category] = fields;
        return;
      }
      try {
        sealed[category] = await vault.encrypt({ ...PROFILE_CONTEXT, subjectId, category }, fields);
      } catch (error) {
        if (!(error instanceof DataErasedError)) throw error;
        sealed[category] = Object.fromEntries(Object.keys(fields).map((field) => [field, ERASED]));
      }
    }),
  );
  return sealed;
}

/** Opens what sealProfileData stored; a category whose key was destroyed since reads as absent. */
export async function openProfileData(vault: PiiVault, subjectId: string, stored: StoredProfileData): Promise<ProfileData> {
  const data: Record<string, Record<string, JsonValue>> = {};
  // the row's keys in one statement when the cache misses them, not one per category
  const sealedCategories = Object.entries(stored)
    .filter(([, value]) => isEncryptedValue(value))
    .map(([category]) => ({ subjectId, category }));
  if (sealedCategories.length > 1) await vault.prepareKeys(sealedCategories, false);
  await Promise.all(
    Object.entries(stored).map(async ([category, value]) => {
      if (!isEncryptedValue(value)) {
        data[category] = value as Record<string, JsonValue>; // erased fields, or a row written before the read model was sealed
        return;
      }
      try {
        data[category] = (await vault.decrypt({ ...PROFILE_CONTEXT, subjectId, category }, value)) as Record<string, JsonValue>;
      } catch (error) {
        if (!(error instanceof DataErasedError)) throw error;
        // shredded since it was sealed: the fields are unknown, the category reads as erased
        data[category] = {};
      }
    }),
  );
  // the category order of the stored object: heldCategories reads it
  return Object.fromEntries(
    Object.keys(stored)
      .filter((category) => category in data)
      .map((category) => [category, data[category]]),
  );
}

function holdsValue(fields: Record<string, JsonValue>): boolean {
  return Object.values(fields).some((value) => value !== ERASED && value !== null);
}
