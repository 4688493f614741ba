import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import type { EventMetadata } from '@pi-ledger/event-store/event-store.port';

/** What the CLI appends is recorded under the operating-system user who ran it (or the actor named). */
export function cliMetadata(actor?: string): EventMetadata {
  if (actor) return { actor, roles: [], correlationId: randomUUID() };
  let user: string;
  try {
    user = userInfo().username;
  } catch {
    user = process.env.USER ?? 'unknown';
  }
  return { actor: `cli:${user}`, roles: [], correlationId: randomUUID() };
}
