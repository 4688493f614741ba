import { InvalidInput } from '../domain-error';
import { decideFollowUpPlan, dueOccurrence, evolveFollowUpPlan, FollowUpPlanCommand, FollowUpPlanState, initialFollowUpPlanState } from './follow-up-plan.decider';
import { FollowUpPlanEvent } from './follow-up-plan.events';
import { addToDate, dueDateOf, PlanSchedule } from './plan-schedule';

const NOW = '2026-06-01T02:00:00.000Z';
const at = (today = '2026-06-01') => ({ planId: 'p1', actor: 'hm-1', now: NOW, today });
const schedule = (overrides: Partial<PlanSchedule> = {}): PlanSchedule => ({
  every: 3,
  unit: 'months',
  startDate: '2026-06-15',
  endDate: null,
  occurrences: null,
  leadDays: 0,
  ...overrides,
});
const create = (overrides: Partial<PlanSchedule> = {}): FollowUpPlanCommand => ({
  ...at(),
  type: 'CreateFollowUpPlan',
  subjectId: 's1',
  schedule: schedule(overrides),
  channel: 'phone',
  assignee: 'hm-1',
  department: 'chronic',
  purposeId: 'health-management',
  reason: '2型糖尿病季度随访',
});
const given = (...events: FollowUpPlanEvent[]): FollowUpPlanState => events.reduce(evolveFollowUpPlan, initialFollowUpPlanState());
const created = (overrides: Partial<PlanSchedule> = {}) => decideFollowUpPlan(create(overrides), given());
/** Applies a command to a state, returning the new state and the events. */
const step = (state: FollowUpPlanState, command: FollowUpPlanCommand) => {
  const events = decideFollowUpPlan(command, state);
  return { events, state: events.reduce(evolveFollowUpPlan, state) };
};
const record = (state: FollowUpPlanState, occurrence: number, today = '2026-06-01') =>
  step(state, { ...at(today), type: 'RecordPlanOccurrence', occurrence, taskId: `t${occurrence}` });
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return undefined;
};

describe('plan schedule arithmetic', () => {
  it('adds months from the start, landing on the month’s last day when it lacks the start’s day, without drifting', () => {
    const monthly = schedule({ every: 1, startDate: '2026-01-31' });
    expect([1, 2, 3, 4, 14].map((k) => dueDateOf(monthly, k))).toEqual(['2026-01-31', '2026-02-28', '2026-03-31', '2026-04-30', '2027-02-28']);
    expect(addToDate('2028-01-31', 1, 'months')).toBe('2028-02-29');
    expect(addToDate('2026-11-30', 3, 'months')).toBe('2027-02-28');
    expect(addToDate('2026-03-31', -1, 'months')).toBe('2026-02-28');
  });

  it('adds days and weeks across month and year ends', () => {
    expect(addToDate('2026-12-30', 3, 'days')).toBe('2027-01-02');
    expect(addToDate('2026-02-26', 1, 'weeks')).toBe('2026-03-05');
    expect(addToDate('2026-03-01', -1, 'days')).toBe('2026-02-28');
  });
});

describe('follow-up plan decider', () => {
  describe('no plan', () => {
    it('creates an active plan with its reason to seal', () => {
      expect(created()).toEqual([
        {
          type: 'FollowUpPlanCreated',
          data: {
            planId: 'p1',
            subjectId: 's1',
            schedule: schedule(),
            channel: 'phone',
            assignee: 'hm-1',
            department: 'chronic',
            purposeId: 'health-management',
            reason: '2型糖尿病季度随访',
            createdBy: 'hm-1',
            createdAt: NOW,
          },
        },
      ]);
      expect(given(...created())).toMatchObject({ status: 'active', nextOccurrence: 1 });
    });

    it('refuses a start before today, an unreal date, an end before the start and counts below one, naming each field', () => {
      const problems = (overrides: Partial<PlanSchedule>) => {
        try {
          created(overrides);
        } catch (error) {
          expect(error).toBeInstanceOf(InvalidInput);
          return (error as InvalidInput).errors.map((problem) => problem.path);
        }
        return [];
      };
      expect(problems({ startDate: '2026-05-31' })).toEqual(['startDate']);
      expect(problems({ startDate: '2026-02-30' })).toEqual(['startDate']);
      expect(problems({ endDate: '2026-06-14' })).toEqual(['endDate']);
      expect(problems({ occurrences: 0, every: 0, leadDays: -1 })).toEqual(['every', 'occurrences', 'leadDays']);
      expect(created({ startDate: '2026-06-01' })).toHaveLength(1);
    });

    it('refuses every change of a plan that does not exist', () => {
      expect(codeOf(() => decideFollowUpPlan({ ...at(), type: 'PauseFollowUpPlan' }, given()))).toBe('follow-up-plan-not-found');
    });
  });

  describe('an active plan', () => {
    it('refuses to be created again', () => {
      expect(codeOf(() => decideFollowUpPlan(create(), given(...created())))).toBe('follow-up-plan-exists');
    });

    it('has an occurrence due from its open date (leadDays before the due date), one at a time', () => {
      const state = given(...created({ leadDays: 3 }));
      expect(dueOccurrence(state, '2026-06-11')).toBeUndefined();
      expect(dueOccurrence(state, '2026-06-12')).toEqual({ occurrence: 1, dueDate: '2026-06-15' });
      const after = record(state, 1).state;
      expect(dueOccurrence(after, '2026-06-12')).toBeUndefined();
      expect(dueOccurrence(after, '2026-09-12')).toEqual({ occurrence: 2, dueDate: '2026-09-15' });
    });

    it('records each occurrence once: the same occurrence again, or an old one, changes nothing', () => {
      const first = record(given(...created()), 1);
      expect(first.events).toEqual([
        {
          type: 'FollowUpPlanOccurrenceOpened',
          data: { planId: 'p1', subjectId: 's1', occurrence: 1, taskId: 't1', dueDate: '2026-06-15', openedBy: 'hm-1', openedAt: NOW },
        },
      ]);
      expect(record(first.state, 1).events).toEqual([]);
      expect(record(first.state, 3).events).toEqual([]);
    });

    it('ends by its count with the last occurrence', () => {
      let state = given(...created({ occurrences: 2 }));
      state = record(state, 1).state;
      const last = record(state, 2);
      expect(last.events.map((event) => event.type)).toEqual(['FollowUpPlanOccurrenceOpened', 'FollowUpPlanEnded']);
      expect(last.events[1].data).toMatchObject({ cause: 'count-reached' });
      expect(dueOccurrence(last.state, '2030-01-01')).toBeUndefined();
    });

    it('ends by its end date with the last occurrence due on or before it', () => {
      let state = given(...created({ every: 1, unit: 'months', startDate: '2026-06-30', endDate: '2026-08-30' }));
      state = record(state, 1).state; // 2026-06-30
      const second = record(state, 2); // 2026-07-30; the third would be 2026-08-30, still within
      expect(second.events).toHaveLength(1);
      const third = record(second.state, 3);
      expect(third.events.map((event) => event.type)).toEqual(['FollowUpPlanOccurrenceOpened', 'FollowUpPlanEnded']);
      expect(third.events[1].data).toMatchObject({ cause: 'end-date-reached' });
    });
  });

  describe('pause and resume', () => {
    it('pauses (again: nothing), opens nothing while paused, and resumes from the first occurrence due today or later', () => {
      const monthly = given(...created({ every: 1, startDate: '2026-06-15' }));
      const paused = step(monthly, { ...at(), type: 'PauseFollowUpPlan' });
      expect(paused.events).toEqual([{ type: 'FollowUpPlanPaused', data: { planId: 'p1', subjectId: 's1', pausedBy: 'hm-1', pausedAt: NOW } }]);
      expect(step(paused.state, { ...at(), type: 'PauseFollowUpPlan' }).events).toEqual([]);
      expect(dueOccurrence(paused.state, '2026-08-01')).toBeUndefined();
      // resumed on 2026-08-20: June 15 and July 15 fell due while paused and are skipped; August 15 too (before today)
      const resumed = step(paused.state, { ...at('2026-08-20'), type: 'ResumeFollowUpPlan' });
      expect(resumed.events).toEqual([{ type: 'FollowUpPlanResumed', data: { planId: 'p1', subjectId: 's1', nextOccurrence: 4, resumedBy: 'hm-1', resumedAt: NOW } }]);
      expect(dueOccurrence(resumed.state, '2026-09-15')).toEqual({ occurrence: 4, dueDate: '2026-09-15' });
      expect(step(resumed.state, { ...at(), type: 'ResumeFollowUpPlan' }).events).toEqual([]);
    });

    it('resumed with nothing left before its end, ends at once', () => {
      const paused = step(given(...created({ every: 1, startDate: '2026-06-15', occurrences: 2 })), { ...at(), type: 'PauseFollowUpPlan' }).state;
      const resumed = step(paused, { ...at('2026-09-01'), type: 'ResumeFollowUpPlan' });
      expect(resumed.events.map((event) => event.type)).toEqual(['FollowUpPlanResumed', 'FollowUpPlanEnded']);
      expect(resumed.state.status).toBe('ended');
    });

    it('a task the sweep opened just as the plan was paused is still recorded, and does not end a paused plan', () => {
      const paused = step(given(...created({ occurrences: 1 })), { ...at(), type: 'PauseFollowUpPlan' }).state;
      expect(record(paused, 1).events.map((event) => event.type)).toEqual(['FollowUpPlanOccurrenceOpened']);
    });
  });

  describe('an ended plan', () => {
    it('refuses pause, resume and end, but an erasure’s end changes nothing', () => {
      const ended = step(given(...created()), { ...at(), type: 'EndFollowUpPlan', cause: 'ended' });
      expect(ended.events[0]).toMatchObject({ type: 'FollowUpPlanEnded', data: { cause: 'ended' } });
      for (const type of ['PauseFollowUpPlan', 'ResumeFollowUpPlan'] as const)
        expect(codeOf(() => decideFollowUpPlan({ ...at(), type }, ended.state))).toBe('follow-up-plan-ended');
      expect(codeOf(() => decideFollowUpPlan({ ...at(), type: 'EndFollowUpPlan', cause: 'ended' }, ended.state))).toBe('follow-up-plan-ended');
      expect(decideFollowUpPlan({ ...at(), type: 'EndFollowUpPlan', cause: 'subject-erased' }, ended.state)).toEqual([]);
      expect(dueOccurrence(ended.state, '2030-01-01')).toBeUndefined();
    });
  });
});
