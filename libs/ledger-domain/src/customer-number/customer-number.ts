import { InvalidInput } from '../domain-error';

/**
 * A customer's human-readable number (客户编号): `C`, the year of allocation (China time), and a
 * sequence of at least six digits that counts that year's allocations from 1, e.g. `C2026000123`.
 * The numbers of one year are one stream (`customer-numbers-<year>`) whose every event carries the
 * sequence it allocated: the next number is the last event's plus one, appended with the version it
 * was read at, so two registrations racing for a number cannot both take it (one is decided again),
 * and a number exists only once its event is committed (a failed registration takes none: no gap).
 */
export interface CustomerNumberAllocated {
  type: 'CustomerNumberAllocated';
  data: { subjectId: string; year: number; sequence: number; customerNumber: string; allocatedAt: string };
}

export type CustomerNumberEvent = CustomerNumberAllocated;

export interface CustomerNumberState {
  /** The last sequence allocated in the stream's year; 0 before the first. */
  last: number;
}

export interface AllocateCustomerNumber {
  type: 'AllocateCustomerNumber';
  subjectId: string;
  /** The decision's time (the ledger clock). */
  now: string;
}

export const CUSTOMER_NUMBER_PATTERN = /^C(\d{4})(\d{6,})$/;
const SEQUENCE_DIGITS = 6;

export const customerNumberStream = (year: number) => `customer-numbers-${year}`;

/** The year of an instant in China time (UTC+8, no daylight saving): the year a customer's number carries. */
export function chinaYear(instant: string | Date): number {
  const time = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  return new Date(time + 8 * 3_600_000).getUTCFullYear();
}

export function formatCustomerNumber(year: number, sequence: number): string {
  return `C${year}${String(sequence).padStart(SEQUENCE_DIGITS, '0')}`;
}

/** A number as typed (case and surrounding spaces do not matter), or a 400 naming `path`. */
export function parseCustomerNumber(text: string, path: string): string {
  const number = text.trim().toUpperCase();
  if (!CUSTOMER_NUMBER_PATTERN.test(number)) throw new InvalidInput([{ path, message: 'must be a customer number such as C2026000123' }]);
  return number;
}

export const initialCustomerNumberState = (): CustomerNumberState => ({ last: 0 });

export function evolveCustomerNumbers(state: CustomerNumberState, event: CustomerNumberEvent): CustomerNumberState {
  switch (event.type) {
    case 'CustomerNumberAllocated':
      return { last: Math.max(state.last, event.data.sequence) };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export function decideCustomerNumber(command: AllocateCustomerNumber, state: CustomerNumberState): CustomerNumberEvent[] {
  const year = chinaYear(command.now);
  const sequence = state.last + 1;
  return [
    {
      type: 'CustomerNumberAllocated',
      data: { subjectId: command.subjectId, year, sequence, customerNumber: formatCustomerNumber(year, sequence), allocatedAt: command.now },
    },
  ];
}
