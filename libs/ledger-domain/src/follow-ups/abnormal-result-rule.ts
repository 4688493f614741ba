import type { CheckupResult } from '../checkups/checkup.events';
import type { FollowUpChannel } from './follow-up.events';

/**
 * The configurable rule that opens a follow-up task when a check-up has an abnormal result: for any
 * indicator or only the listed codes, due some days after the recording, on a channel, assigned to
 * a named account or to whoever recorded the check-up. One stream (`follow-up-rules`), changed by
 * admins through the one command path; no customer's data in it.
 */
export interface AbnormalResultRule {
  enabled: boolean;
  /** Upper-case codes; null: every indicator. */
  indicatorCodes: string[] | null;
  dueInDays: number;
  channel: FollowUpChannel;
  /** null: the staff member who recorded the check-up. */
  assignee: string | null;
}

export interface AbnormalResultRuleSet {
  type: 'AbnormalResultRuleSet';
  data: AbnormalResultRule & { setAt: string };
}

export const FOLLOW_UP_RULES_STREAM = 'follow-up-rules';

/** Until an admin sets it: off, so a new installation opens no task nobody asked for. */
export const DEFAULT_ABNORMAL_RESULT_RULE: AbnormalResultRule = { enabled: false, indicatorCodes: null, dueInDays: 7, channel: 'phone', assignee: null };

export const initialAbnormalResultRule = (): AbnormalResultRule => ({ ...DEFAULT_ABNORMAL_RESULT_RULE });

export function evolveAbnormalResultRule(_state: AbnormalResultRule, event: AbnormalResultRuleSet): AbnormalResultRule {
  const { setAt: _setAt, ...rule } = event.data;
  return rule;
}

export function decideAbnormalResultRule(command: AbnormalResultRule & { now: string }, state: AbnormalResultRule): AbnormalResultRuleSet[] {
  const { now, ...wanted } = command;
  const rule = { ...wanted, indicatorCodes: wanted.indicatorCodes && [...new Set(wanted.indicatorCodes.map((code) => code.toUpperCase()))].sort() };
  if (JSON.stringify(rule) === JSON.stringify(state)) return [];
  return [{ type: 'AbnormalResultRuleSet', data: { ...rule, setAt: now } }];
}

/** The results the rule opens a task for: abnormal (given or computed) and, when the rule lists codes, listed. */
export function triggeringResults(rule: AbnormalResultRule, results: readonly CheckupResult[]): CheckupResult[] {
  if (!rule.enabled) return [];
  return results.filter((result) => result.abnormal === true && (rule.indicatorCodes === null || rule.indicatorCodes.includes(result.code.toUpperCase())));
}
