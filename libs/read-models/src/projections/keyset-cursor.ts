import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';

/**
 * Opaque pagination cursors: the sort key of the last item of a page, as base64url JSON. Clients
 * pass them back unchanged; anything else decodes to undefined (a 400 at the HTTP edge).
 */
export function encodeCursor(key: readonly string[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): string[] | undefined {
  if (!/^[A-Za-z0-9_-]{1,400}$/.test(cursor)) return undefined;
  try {
    const key: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    return Array.isArray(key) && key.length === arity && key.every((part) => typeof part === 'string' && part.length > 0 && part.length <= 200) ? key : undefined;
  } catch {
    return undefined;
  }
}

/** The key of a cursor a client passed back (undefined when none), or a 400 naming `query.cursor`. */
export function cursorKey(cursor: string | undefined, arity: number): string[] | undefined {
  if (cursor === undefined) return undefined;
  const key = decodeCursor(cursor, arity);
  if (!key) throw new InvalidInput([{ path: 'query.cursor', message: 'not a cursor this endpoint returned' }]);
  return key;
}
