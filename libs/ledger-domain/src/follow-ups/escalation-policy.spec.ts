import { InvalidInput } from '../domain-error';
import { decideEscalationPolicy, DEFAULT_ESCALATION_POLICY, evolveEscalationPolicy } from './escalation-policy';

const NOW = '2026-06-01T02:00:00.000Z';

describe('escalation policy', () => {
  it('is on, three days, until an admin changes it; a change is one event, the same again none', () => {
    expect(DEFAULT_ESCALATION_POLICY).toEqual({ enabled: true, delayDays: 3 });
    const events = decideEscalationPolicy({ enabled: true, delayDays: 5, now: NOW }, DEFAULT_ESCALATION_POLICY);
    expect(events).toEqual([{ type: 'FollowUpEscalationPolicySet', data: { enabled: true, delayDays: 5, setAt: NOW } }]);
    const state = evolveEscalationPolicy(DEFAULT_ESCALATION_POLICY, events[0]);
    expect(decideEscalationPolicy({ ...state, now: NOW }, state)).toEqual([]);
    expect(decideEscalationPolicy({ enabled: false, delayDays: 5, now: NOW }, state)).toHaveLength(1);
  });

  it('refuses a delay outside 0–90 whole days, naming delayDays', () => {
    for (const delayDays of [-1, 91, 1.5]) {
      expect(() => decideEscalationPolicy({ enabled: true, delayDays, now: NOW }, DEFAULT_ESCALATION_POLICY)).toThrow(InvalidInput);
      expect(() => decideEscalationPolicy({ enabled: true, delayDays, now: NOW }, DEFAULT_ESCALATION_POLICY)).toThrow(/delayDays/);
    }
  });
});
