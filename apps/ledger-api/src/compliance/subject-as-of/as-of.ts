import { isISO8601 } from 'class-validator';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';

/** `?asOf=` as an instant: an ISO 8601 date-time with a zone (a bare date or local time is ambiguous). */
export function parseAsOf(value: unknown): Date {
  const zoned = typeof value === 'string' && /T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) && isISO8601(value, { strict: true });
  const at = zoned ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new InvalidInput(
      [{ path: 'query.asOf', message: 'must be an ISO 8601 date-time with a time zone' }],
      'asOf: must be an ISO 8601 date-time with a time zone, e.g. 2025-11-23T08:15:30.123Z',
    );
  }
  return at;
}
