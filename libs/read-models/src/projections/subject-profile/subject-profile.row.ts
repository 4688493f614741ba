import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import type { BlindIndexKind, PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { ERASED } from '@pi-ledger/pii-vault/subject-event-codec';
import type { SubjectProfileDocument } from './subject-profile.document';
import { sealProfileData, StoredProfileData } from './profile-sealing';
import { phoneNumbers, primaryAddress, primaryPhone } from '@pi-ledger/ledger-domain/subject/contact';

/** A `subject_profile` row as written: the document plus its search keys and stats columns. */
export interface SubjectProfileRow {
  subject_id: string;
  version: number;
  status: SubjectProfileDocument['status'];
  created_at: string;
  updated_at: string;
  /** Sealed per category (profile-sealing.ts). */
  data: StoredProfileData;
  consents: SubjectProfileDocument['consents'];
  restrictions: SubjectProfileDocument['restrictions'];
  minor: boolean;
  /** Blind indexes of the name's search-key prefixes (1 to NAME_PREFIX_MAX characters): prefix search without the name in clear. */
  name_prefix_bidx: string[] | null;
  phone_bidx: string | null;
  email_bidx: string | null;
  id_number_bidx: string | null;
  gender: string | null;
  birth_year: number | null;
  province: string | null;
  categories: string[];
  department_id: string | null;
  health_manager_id: string | null;
  /** Blind indexes of every phone (contact.phones, or an older file's single phone): a search by any of them finds the customer. */
  phone_bidxs: string[] | null;
  /** Blind indexes of the customer's tags (labels may say more than a count should show). */
  tag_bidxs: string[] | null;
  /** The centre's classification and the lifecycle stage: generalised, in clear for filters and counts. */
  customer_type: string | null;
  tier: string | null;
  lifecycle_stage: string;
  lifecycle_changed_at: string | null;
}

/** Column → PostgreSQL type, for jsonb_to_recordset. */
export const PROFILE_COLUMNS: ReadonlyArray<readonly [keyof SubjectProfileRow, string]> = [
  ['subject_id', 'text'],
  ['version', 'integer'],
  ['status', 'text'],
  ['created_at', 'timestamptz'],
  ['updated_at', 'timestamptz'],
  ['data', 'jsonb'],
  ['consents', 'jsonb'],
  ['restrictions', 'jsonb'],
  ['minor', 'boolean'],
  ['name_prefix_bidx', 'text[]'],
  ['phone_bidx', 'text'],
  ['email_bidx', 'text'],
  ['id_number_bidx', 'text'],
  ['gender', 'text'],
  ['birth_year', 'integer'],
  ['province', 'text'],
  ['categories', 'text[]'],
  ['department_id', 'text'],
  ['health_manager_id', 'text'],
  ['phone_bidxs', 'text[]'],
  ['tag_bidxs', 'text[]'],
  ['customer_type', 'text'],
  ['tier', 'text'],
  ['lifecycle_stage', 'text'],
  ['lifecycle_changed_at', 'timestamptz'],
];

/**
 * The key a name is found by: one spelling whatever way it was typed (full-width forms, case,
 * spaces), so that "Zhang Wei", "zhangwei" and "ＺＨＡＮＧ ＷＥＩ" share prefixes.
 */
export function nameSearchKey(name: string): string {
  return name.normalize('NFKC').toLowerCase().replace(/\s+/g, '');
}

/**
 * Names are found by prefixes of NAME_PREFIX_MIN to NAME_PREFIX_MAX characters of their search
 * key. No one-character prefix is indexed: for a Chinese name it is the surname, and a keyed
 * digest of it would still show who shares a surname, and how often, to anyone with the table.
 */
export const NAME_PREFIX_MIN = 2;
export const NAME_PREFIX_MAX = 24;
/** 64 bits of the HMAC: chance collisions are negligible at any centre's size, the index stays small. */
const NAME_PREFIX_DIGEST_HEX = 16;

/** The blind indexes a name is found by: one per prefix of its search key (a shorter name: the whole of it). */
export function namePrefixIndexes(vault: PiiVault, name: string): string[] {
  const characters = [...nameSearchKey(name)].slice(0, NAME_PREFIX_MAX);
  const shortest = Math.min(NAME_PREFIX_MIN, characters.length);
  const indexes: string[] = [];
  for (let length = shortest; length <= characters.length; length++) indexes.push(namePrefixDigest(vault, characters.slice(0, length).join('')));
  return indexes;
}

/** The one blind index a search for names starting with `prefix` looks for; its length must be within the indexed ones. */
export function namePrefixQuery(vault: PiiVault, prefix: string): string {
  return namePrefixDigest(vault, nameSearchKey(prefix));
}

function namePrefixDigest(vault: PiiVault, key: string): string {
  return vault.blindIndex('name_prefix', key).slice(0, NAME_PREFIX_DIGEST_HEX);
}

/**
 * Search keys and statistics columns follow the values; an erased subject keeps none. The values
 * themselves are sealed: only blind indexes and generalised attributes (gender, birth year,
 * province, the categories held) are kept for searching and counting.
 */
export async function toProfileRow(document: SubjectProfileDocument, vault: PiiVault): Promise<SubjectProfileRow> {
  const identity = document.data.identity ?? {};
  const contact = document.data.contact ?? {};
  const idDocument = document.data.identity_document ?? {};
  const name = clear(identity.name);
  const idNumber = clear(idDocument.number);
  const address = primaryAddress(contact);
  const phones = [...new Set(phoneNumbers(contact).flatMap((phone) => blindIndex(vault, 'phone', phone) ?? []))];
  const crm = document.data.customer_profile ?? {};
  const tags = Array.isArray(crm.tags) ? [...new Set(crm.tags.flatMap((tag) => blindIndex(vault, 'tag', tag) ?? []))] : [];
  return {
    subject_id: document.subjectId,
    version: document.version,
    status: document.status,
    created_at: document.createdAt,
    updated_at: document.updatedAt,
    data: await sealProfileData(vault, document.subjectId, document.data),
    consents: document.consents,
    restrictions: document.restrictions,
    minor: document.minor,
    name_prefix_bidx: name && nameSearchKey(name) ? namePrefixIndexes(vault, name) : null,
    phone_bidx: blindIndex(vault, 'phone', primaryPhone(contact)),
    email_bidx: blindIndex(vault, 'email', contact.email),
    id_number_bidx: blindIndex(vault, 'id_number', idNumber),
    gender: clear(identity.gender) ?? null,
    birth_year: birthYear(clear(identity.birthDate), idNumber),
    province: address ? (clear(address.province as JsonValue) ?? null) : null,
    categories: Object.keys(document.data),
    department_id: document.assignment.departmentId,
    health_manager_id: document.assignment.healthManagerId,
    phone_bidxs: phones.length > 0 ? phones : null,
    tag_bidxs: tags.length > 0 ? tags : null,
    customer_type: clear(crm.customerType) ?? null,
    tier: clear(crm.tier) ?? null,
    lifecycle_stage: document.lifecycle.stage,
    lifecycle_changed_at: document.lifecycle.changedAt,
  };
}

/** A usable string value: not absent, not blank, not the mark of shredded data. */
function clear(value: JsonValue | undefined): string | undefined {
  return typeof value === 'string' && value !== ERASED && value.trim() !== '' ? value : undefined;
}

function blindIndex(vault: PiiVault, kind: BlindIndexKind, value: JsonValue | undefined): string | null {
  const text = clear(value);
  if (!text) return null;
  try {
    return vault.blindIndex(kind, text);
  } catch (error) {
    if (error instanceof TypeError) return null; // normalises to nothing: nothing to find it by
    throw error;
  }
}

/** From the birth date, else from a resident ID number (digits 7-10 are the birth year). */
function birthYear(birthDate: string | undefined, idNumber: string | undefined): number | null {
  const fromDate = birthDate && /^(\d{4})-\d{2}-\d{2}/.exec(birthDate);
  if (fromDate) return Number(fromDate[1]);
  const fromId = idNumber && /^\d{6}((?:18|19|20)\d{2})\d{7}[\dXx]$/.exec(idNumber);
  return fromId ? Number(fromId[1]) : null;
}
