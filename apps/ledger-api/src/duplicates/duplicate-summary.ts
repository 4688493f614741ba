import type { JsonValue } from '@pi-ledger/event-store/event-store.port';
import type { Category } from '@pi-ledger/ledger-domain/registry/categories';
import type { Assignment } from '@pi-ledger/ledger-domain/assignment/assignment-scope';
import { primaryPhone } from '@pi-ledger/ledger-domain/subject/contact';
import type { MatchReason } from '@pi-ledger/read-models/projections/duplicates/match-keys';
import { maskIdNumber, maskPhone } from '../subjects/read-subject/masking';

/** One customer of a pair as the list shows it: every value masked, never one in clear. */
export interface DuplicateSubjectSummary {
  subjectId: string;
  customerNumber: string | null;
  status: string;
  assignment: Assignment;
  /** `张*`, `欧**`: the first character. */
  name?: string;
  birthYear?: number;
  phone?: string;
  email?: string;
  idNumber?: string;
}

/** The categories a reason reads: a pair is shown only where the caller may read them of both customers. */
export const REASON_CATEGORIES: Record<MatchReason, Category> = {
  id_number: 'identity_document',
  phone: 'contact',
  email: 'contact',
  name_birth_date: 'identity',
  name_variant_birth_date: 'identity',
};

/** The masked values of the categories opened, and which categories they came from (for the access log). */
export function maskedValues(data: Partial<Record<Category, Record<string, JsonValue>>>): {
  values: Omit<DuplicateSubjectSummary, 'subjectId' | 'customerNumber' | 'status' | 'assignment'>;
  shown: Category[];
} {
  const values: Omit<DuplicateSubjectSummary, 'subjectId' | 'customerNumber' | 'status' | 'assignment'> = {};
  const shown = new Set<Category>();
  const text = (value: JsonValue | undefined) => (typeof value === 'string' && value.trim() !== '' && value !== '[erased]' ? value : undefined);
  const name = text(data.identity?.name);
  if (name) values.name = maskName(name);
  const birthDate = text(data.identity?.birthDate);
  if (birthDate && /^\d{4}-/.test(birthDate)) values.birthYear = Number(birthDate.slice(0, 4));
  if (name || values.birthYear) shown.add('identity');
  const phone = data.contact ? text(primaryPhone(data.contact)) : undefined;
  if (phone) values.phone = maskPhone(phone);
  const email = text(data.contact?.email);
  if (email) values.email = maskEmail(email);
  if (phone || email) shown.add('contact');
  const idNumber = text(data.identity_document?.number);
  if (idNumber) {
    values.idNumber = maskIdNumber(idNumber);
    shown.add('identity_document');
  }
  return { values, shown: [...shown] };
}

/** `张伟` → `张*`; `Zhang Wei` → `Z********`. */
export function maskName(name: string): string {
  const characters = [...name.trim()];
  return characters.length <= 1 ? '*' : characters[0] + '*'.repeat(characters.length - 1);
}

/** `zhang.wei@example.cn` → `z***@example.cn`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 1 ? '***' : `${[...email][0]}***${email.slice(at)}`;
}
