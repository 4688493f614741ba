import { DomainError, InvalidInput } from '../domain-error';
import { CheckupEvent } from './checkup.events';
import { CheckupState, decideCheckup, evolveCheckup, initialCheckupState, RecordCheckup, withAbnormalFlag } from './checkup.decider';

const NOW = '2026-06-01T02:00:00.000Z';
const record = (overrides: Partial<RecordCheckup> = {}): RecordCheckup => ({
  type: 'RecordCheckup',
  visitId: 'v1',
  subjectId: 's1',
  visitDate: '2026-05-20',
  package: '标准体检套餐',
  institution: '某某体检中心',
  results: [{ code: 'GLU', name: '空腹血糖', value: 7.2, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } }],
  conclusions: ['空腹血糖偏高，建议复查'],
  recordedBy: 'hm-1',
  now: NOW,
  today: '2026-06-01',
  ...overrides,
});
const given = (...events: CheckupEvent[]): CheckupState => events.reduce(evolveCheckup, initialCheckupState());
const problemsOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    if (error instanceof InvalidInput) return error.errors.map((problem) => problem.path);
    throw error;
  }
  return [];
};

describe('check-up decider', () => {
  describe('a new visit', () => {
    it('records the visit with each result flagged and the time of the decision', () => {
      const [event] = decideCheckup(record(), given());
      expect(event).toEqual({
        type: 'CheckupRecorded',
        data: {
          visitId: 'v1',
          subjectId: 's1',
          visitDate: '2026-05-20',
          recordedBy: 'hm-1',
          recordedAt: NOW,
          visit: {
            package: '标准体检套餐',
            institution: '某某体检中心',
            results: [
              { code: 'GLU', name: '空腹血糖', value: 7.2, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 }, abnormal: true, abnormalSource: 'computed', direction: 'high' },
            ],
            conclusions: ['空腹血糖偏高，建议复查'],
          },
        },
      });
    });

    it('refuses a visit dated after today, naming visitDate', () => {
      expect(problemsOf(() => decideCheckup(record({ visitDate: '2026-06-02' }), given()))).toEqual(['visitDate']);
      expect(problemsOf(() => decideCheckup(record({ visitDate: '2026-02-30' }), given()))).toEqual(['visitDate']);
    });

    it('refuses an indicator twice and a range upside down, naming each', () => {
      const results = [
        { code: 'GLU', name: 'a', value: 1 },
        { code: 'glu', name: 'b', value: 2 },
        { code: 'TC', name: 'c', value: 3, referenceRange: { low: 5, high: 2 } },
      ];
      expect(problemsOf(() => decideCheckup(record({ results }), given()))).toEqual(['results[1].code', 'results[2].referenceRange']);
    });
  });

  describe('a recorded visit', () => {
    it('refuses to record it again', () => {
      const recorded = decideCheckup(record(), given());
      expect(() => decideCheckup(record(), given(...recorded))).toThrow(expect.objectContaining({ code: 'checkup-exists' }) as unknown as DomainError);
    });
  });

  describe('the abnormal flag', () => {
    it('takes the report’s flag over the range', () => {
      expect(withAbnormalFlag({ code: 'X', name: 'x', value: 5, referenceRange: { low: 1, high: 3 }, abnormal: false })).toMatchObject({
        abnormal: false,
        abnormalSource: 'given',
      });
    });

    it('computes low, high and normal from a numeric range, bounds included as normal', () => {
      const at = (value: number) => withAbnormalFlag({ code: 'X', name: 'x', value, referenceRange: { low: 1, high: 3 } });
      expect(at(0.9)).toMatchObject({ abnormal: true, direction: 'low' });
      expect(at(1)).toMatchObject({ abnormal: false, abnormalSource: 'computed' });
      expect(at(3)).toMatchObject({ abnormal: false });
      expect(at(3.1)).toMatchObject({ abnormal: true, direction: 'high' });
    });

    it('leaves a text value or a missing range unknown', () => {
      expect(withAbnormalFlag({ code: 'HBSAG', name: '乙肝表面抗原', value: '阴性' })).toMatchObject({ abnormal: null, abnormalSource: 'unknown' });
      expect(withAbnormalFlag({ code: 'X', name: 'x', value: 4 })).toMatchObject({ abnormal: null, abnormalSource: 'unknown' });
    });
  });
});
