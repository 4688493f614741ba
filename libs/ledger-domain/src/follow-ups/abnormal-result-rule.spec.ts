import { CheckupResult } from '../checkups/checkup.events';
import { decideAbnormalResultRule, DEFAULT_ABNORMAL_RESULT_RULE, evolveAbnormalResultRule, triggeringResults } from './abnormal-result-rule';

const NOW = '2026-06-01T02:00:00.000Z';
const result = (code: string, abnormal: boolean | null): CheckupResult => ({ code, name: code, value: 1, abnormal, abnormalSource: 'given' });

describe('abnormal-result rule', () => {
  it('is off until set, and opens nothing while off', () => {
    expect(triggeringResults(DEFAULT_ABNORMAL_RESULT_RULE, [result('GLU', true)])).toEqual([]);
  });

  it('is set with its codes upper-cased, once: setting it again as it is changes nothing', () => {
    const [set] = decideAbnormalResultRule(
      { enabled: true, indicatorCodes: ['glu', 'TC', 'GLU'], dueInDays: 3, channel: 'phone', assignee: null, now: NOW },
      DEFAULT_ABNORMAL_RESULT_RULE,
    );
    expect(set.data).toEqual({ enabled: true, indicatorCodes: ['GLU', 'TC'], dueInDays: 3, channel: 'phone', assignee: null, setAt: NOW });
    const state = evolveAbnormalResultRule(DEFAULT_ABNORMAL_RESULT_RULE, set);
    expect(decideAbnormalResultRule({ ...state, now: NOW }, state)).toEqual([]);
  });

  it('takes abnormal results only, of the listed codes when it lists any', () => {
    const results = [result('GLU', true), result('tc', true), result('ALT', true), result('HB', false), result('X', null)];
    expect(triggeringResults({ ...DEFAULT_ABNORMAL_RESULT_RULE, enabled: true }, results).map((r) => r.code)).toEqual(['GLU', 'tc', 'ALT']);
    expect(triggeringResults({ ...DEFAULT_ABNORMAL_RESULT_RULE, enabled: true, indicatorCodes: ['GLU', 'TC'] }, results).map((r) => r.code)).toEqual(['GLU', 'tc']);
  });
});
