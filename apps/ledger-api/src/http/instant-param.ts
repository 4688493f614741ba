import { isISO8601 } from 'class-validator';
import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';

/** A query parameter that names an instant: an ISO 8601 date-time with a zone (400 naming `path` otherwise). */
export function instantParam(value: string, path: string): Date {
  if (!/T.*(Z|[+-]\d{2}:?\d{2})$/i.test(value) || !isISO8601(value, { strict: true })) {
    throw new InvalidInput([{ path, message: 'must be an ISO 8601 date-time with a time zone' }]);
  }
  return new Date(value);
}
