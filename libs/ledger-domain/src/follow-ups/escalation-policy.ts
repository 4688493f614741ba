import { InvalidInput } from '../domain-error';

/**
 * When an overdue follow-up task is raised to the head of its department: once it has been overdue
 * longer than `delayDays` days. One stream (`follow-up-escalation-policy`), changed by admins through
 * the one command path, each change an event with its actor; no customer's data in it.
 */
export interface EscalationPolicy {
  enabled: boolean;
  delayDays: number;
}

export interface EscalationPolicySet {
  type: 'FollowUpEscalationPolicySet';
  data: EscalationPolicy & { setAt: string };
}

export const ESCALATION_POLICY_STREAM = 'follow-up-escalation-policy';
export const MAX_ESCALATION_DELAY_DAYS = 90;

/** Until an admin changes it: on, three days after a task became overdue (issue #14 asks for escalation, so a new centre has it). */
export const DEFAULT_ESCALATION_POLICY: EscalationPolicy = { enabled: true, delayDays: 3 };

export const initialEscalationPolicy = (): EscalationPolicy => ({ ...DEFAULT_ESCALATION_POLICY });

export function evolveEscalationPolicy(_state: EscalationPolicy, event: EscalationPolicySet): EscalationPolicy {
  return { enabled: event.data.enabled, delayDays: event.data.delayDays };
}

export function decideEscalationPolicy(command: EscalationPolicy & { now: string }, state: EscalationPolicy): EscalationPolicySet[] {
  const { enabled, delayDays, now } = command;
  if (!Number.isInteger(delayDays) || delayDays < 0 || delayDays > MAX_ESCALATION_DELAY_DAYS) {
    throw new InvalidInput([{ path: 'delayDays', message: `must be a whole number from 0 to ${MAX_ESCALATION_DELAY_DAYS}` }]);
  }
  if (enabled === state.enabled && delayDays === state.delayDays) return [];
  return [{ type: 'FollowUpEscalationPolicySet', data: { enabled, delayDays, setAt: now } }];
}
