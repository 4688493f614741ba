import { InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import type { RevocationEvent, RevocationKind } from './revocation.events';

export interface RevokeCommand {
  kind: RevocationKind;
  target: string;
  reason: string;
  /** Ledger clock, ISO 8601. */
  now: string;
  /** For an actor: the token clock's now, seconds since the epoch. */
  tokenClockNow: number;
}

/** A stream's state: whether it is revoked, and (for an actor) the latest cut-off. */
export interface RevocationState {
  revoked: boolean;
  issuedBefore?: number;
}

export const initialRevocation = (): RevocationState => ({ revoked: false });

export const REASON = /^[a-z][a-z0-9-]{0,63}$/;
const TARGET_MAX = 200;

export function evolveRevocation(state: RevocationState, event: RevocationEvent): RevocationState {
  switch (event.type) {
    case 'SessionRevoked':
    case 'TokenRevoked':
      return { revoked: true };
    case 'ActorRevoked':
      return { revoked: true, issuedBefore: Math.max(state.issuedBefore ?? 0, event.data.issuedBefore) };
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

/**
 * A session or token is revoked once (revoking it again changes nothing); an actor every time, each
 * revocation moving the cut-off to now, so tokens issued since the last one are refused too.
 */
export function decideRevocation(command: RevokeCommand, state: RevocationState): RevocationEvent[] {
  const problems = [];
  if (typeof command.target !== 'string' || command.target.trim() === '' || command.target.length > TARGET_MAX) {
    problems.push({ path: `${command.kind}Id`, message: `must be a non-empty id of at most ${TARGET_MAX} characters` });
  }
  if (typeof command.reason !== 'string' || !REASON.test(command.reason)) {
    problems.push({ path: 'reason', message: 'must be a short code: lower-case letters, digits and hyphens, starting with a letter (at most 64)' });
  }
  if (problems.length > 0) throw new InvalidInput(problems);
  const { reason, now: revokedAt } = command;
  switch (command.kind) {
    case 'session':
      return state.revoked ? [] : [{ type: 'SessionRevoked', data: { sessionId: command.target, reason, revokedAt } }];
    case 'token':
      return state.revoked ? [] : [{ type: 'TokenRevoked', data: { tokenId: command.target, reason, revokedAt } }];
    case 'actor':
      return [{ type: 'ActorRevoked', data: { actorId: command.target, reason, revokedAt, issuedBefore: command.tokenClockNow } }];
  }
}
