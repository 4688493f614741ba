import { InvalidInput } from '../domain-error';
import { COMPLAINT_SEVERITIES, ComplaintSeverity } from './complaint.events';

/**
 * How soon a complaint must be replied to (hours) and resolved, that is closed (days), by
 * severity. One stream (`complaint-deadline-policy`), set by admins through the one command path;
 * a complaint takes its deadlines from the policy in force when it is received or reopened.
 */
export interface ComplaintDeadlinePolicy {
  replyHours: Record<ComplaintSeverity, number>;
  resolutionDays: Record<ComplaintSeverity, number>;
}

export interface ComplaintDeadlinePolicySet {
  type: 'ComplaintDeadlinePolicySet';
  data: ComplaintDeadlinePolicy & { setAt: string };
}

export const COMPLAINT_DEADLINE_POLICY_STREAM = 'complaint-deadline-policy';

/** Until an admin sets it: a critical complaint answered within 4 hours and resolved within 3 days, down to 3 days and 30 days for a low one. */
export const DEFAULT_COMPLAINT_DEADLINES: ComplaintDeadlinePolicy = {
  replyHours: { critical: 4, high: 24, medium: 48, low: 72 },
  resolutionDays: { critical: 3, high: 7, medium: 15, low: 30 },
};

export const initialComplaintDeadlines = (): ComplaintDeadlinePolicy => structuredClone(DEFAULT_COMPLAINT_DEADLINES);

export function evolveComplaintDeadlines(_state: ComplaintDeadlinePolicy, event: ComplaintDeadlinePolicySet): ComplaintDeadlinePolicy {
  return { replyHours: { ...event.data.replyHours }, resolutionDays: { ...event.data.resolutionDays } };
}

/** Sets the policy; the same policy again changes nothing. A reply due after the resolution is refused naming the severity. */
export function decideComplaintDeadlines(command: ComplaintDeadlinePolicy & { now: string }, state: ComplaintDeadlinePolicy): ComplaintDeadlinePolicySet[] {
  const problems = COMPLAINT_SEVERITIES.filter((severity) => command.replyHours[severity] > command.resolutionDays[severity] * 24).map((severity) => ({
    path: `replyHours.${severity}`,
    message: 'must not be later than the resolution deadline',
  }));
  if (problems.length > 0) throw new InvalidInput(problems);
  const policy = normalised(command);
  if (JSON.stringify(policy) === JSON.stringify(normalised(state))) return [];
  return [{ type: 'ComplaintDeadlinePolicySet', data: { ...policy, setAt: command.now } }];
}

/** The policy's members in one order (severities low to critical), so that equal policies compare equal. */
function normalised(policy: ComplaintDeadlinePolicy): ComplaintDeadlinePolicy {
  const bySeverity = (values: Record<ComplaintSeverity, number>) => Object.fromEntries(COMPLAINT_SEVERITIES.map((s) => [s, values[s]])) as Record<ComplaintSeverity, number>;
  return { replyHours: bySeverity(policy.replyHours), resolutionDays: bySeverity(policy.resolutionDays) };
}

/** The deadlines of a complaint of `severity` received (or reopened) at `now`. */
export function deadlinesFor(policy: ComplaintDeadlinePolicy, severity: ComplaintSeverity, now: string): { replyDueAt: string; resolutionDueAt: string } {
  const at = Date.parse(now);
  return {
    replyDueAt: new Date(at + policy.replyHours[severity] * 3_600_000).toISOString(),
    resolutionDueAt: new Date(at + policy.resolutionDays[severity] * 86_400_000).toISOString(),
  };
}
