import { ProblemException } from '@pi-ledger/platform/http/problem';

/** `If-Match: "7"` (or W/"7", or 7) → expected stream version 7; absent → undefined. */
export function expectedVersionFromIfMatch(header: string | string[] | undefined): number | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  if (!match) {
    throw new ProblemException(400, 'invalid-if-match', 'Invalid If-Match', 'If-Match must be an entity tag like "7" (the version from ETag)', [
      { path: 'headers.if-match', message: 'must be a quoted version number' },
    ]);
  }
  return Number(match[1]);
}

export const etag = (version: number) => `"${version}"`;
