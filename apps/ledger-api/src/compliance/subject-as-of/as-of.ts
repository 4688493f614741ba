import { isISO8601 } from 'class-validator';
import { ProblemException } from '@pi-ledger/platform/http/problem';

/** `?asOf=` as an instant: an ISO 8601 date-time with a zone (a bare date or local time is ambiguous). */
export function parseAsOf(value: unknown): Date {
  const zoned = typeof value === 'string' && /T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) && isISO8601(value, { strict: true });
  const at = zoned ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime())) {
    throw new ProblemException(400, 'validation-failed', 'The request is invalid', 'asOf: must be an ISO 8601 date-time with a time zone, e.g. 2025-11-23T08:15:30.123Z', [
      { path: 'query.asOf', message: 'must be an ISO 8601 date-time with a time zone' },
    ]);
  }
  return at;
}
