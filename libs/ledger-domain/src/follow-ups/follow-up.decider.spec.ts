import { InvalidInput } from '../domain-error';
import { decideFollowUp, evolveFollowUp, FollowUpCommand, FollowUpState, initialFollowUpState, isOverdue } from './follow-up.decider';
import { FollowUpEvent } from './follow-up.events';

const NOW = '2026-06-01T02:00:00.000Z';
const at = { taskId: 't1', actor: 'hm-1', now: NOW, today: '2026-06-01' };
const open = (overrides: Partial<Extract<FollowUpCommand, { type: 'OpenFollowUp' }>> = {}): FollowUpCommand => ({
  ...at,
  type: 'OpenFollowUp',
  subjectId: 's1',
  dueDate: '2026-06-10',
  assignee: 'hm-1',
  department: 'dept-chronic',
  channel: 'phone',
  source: { kind: 'manual' },
  note: '询问血糖复查结果',
  ...overrides,
});
const given = (...events: FollowUpEvent[]): FollowUpState => events.reduce(evolveFollowUp, initialFollowUpState());
const opened = () => decideFollowUp(open(), given());
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return undefined;
};

describe('follow-up decider', () => {
  describe('no task', () => {
    it('opens one, due, assigned, with its note to seal', () => {
      expect(opened()).toEqual([
        {
          type: 'FollowUpOpened',
          data: {
            taskId: 't1',
            subjectId: 's1',
            dueDate: '2026-06-10',
            assignee: 'hm-1',
            department: 'dept-chronic',
            channel: 'phone',
            source: { kind: 'manual' },
            note: '询问血糖复查结果',
            openedBy: 'hm-1',
            openedAt: NOW,
          },
        },
      ]);
    });

    it('accepts today as the due date, refuses yesterday and unreal dates naming dueDate', () => {
      expect(decideFollowUp(open({ dueDate: '2026-06-01' }), given())).toHaveLength(1);
      for (const dueDate of ['2026-05-31', '2026-02-30']) {
        expect(() => decideFollowUp(open({ dueDate }), given())).toThrow(InvalidInput);
        expect(() => decideFollowUp(open({ dueDate }), given())).toThrow(/dueDate/);
      }
    });

    it('refuses every change of a task that does not exist', () => {
      expect(codeOf(() => decideFollowUp({ ...at, type: 'CompleteFollowUp', outcome: 'x' }, given()))).toBe('follow-up-not-found');
    });
  });

  describe('an open task', () => {
    it('refuses to be opened again', () => {
      expect(codeOf(() => decideFollowUp(open(), given(...opened())))).toBe('follow-up-exists');
    });

    it('is reassigned, and reassigning it to whom it has changes nothing', () => {
      const state = given(...opened());
      expect(decideFollowUp({ ...at, type: 'ReassignFollowUp', assignee: 'hm-2', department: 'dept-chronic' }, state)).toEqual([
        { type: 'FollowUpReassigned', data: { taskId: 't1', subjectId: 's1', assignee: 'hm-2', department: 'dept-chronic', reassignedBy: 'hm-1', reassignedAt: NOW } },
      ]);
      expect(decideFollowUp({ ...at, type: 'ReassignFollowUp', assignee: 'hm-1', department: 'dept-chronic' }, state)).toEqual([]);
    });

    it('is done with an outcome, or cancelled with a reason', () => {
      const state = given(...opened());
      expect(decideFollowUp({ ...at, type: 'CompleteFollowUp', outcome: '已复查，血糖正常' }, state)[0]).toMatchObject({
        type: 'FollowUpCompleted',
        data: { outcome: '已复查，血糖正常' },
      });
      expect(decideFollowUp({ ...at, type: 'CancelFollowUp', reason: '客户拒绝回访' }, state)[0]).toMatchObject({ type: 'FollowUpCancelled', data: { reason: '客户拒绝回访' } });
    });

    it('is overdue from the day after its due date', () => {
      const state = given(...opened());
      expect(isOverdue(state, '2026-06-10')).toBe(false);
      expect(isOverdue(state, '2026-06-11')).toBe(true);
    });
  });

  describe('a closed task', () => {
    it('refuses further changes and is never overdue', () => {
      const done = given(...opened(), ...decideFollowUp({ ...at, type: 'CompleteFollowUp', outcome: 'ok' }, given(...opened())));
      expect(done.status).toBe('done');
      expect(codeOf(() => decideFollowUp({ ...at, type: 'CancelFollowUp', reason: 'x' }, done))).toBe('follow-up-not-open');
      expect(codeOf(() => decideFollowUp({ ...at, type: 'ReassignFollowUp', assignee: 'hm-2', department: null }, done))).toBe('follow-up-not-open');
      expect(isOverdue(done, '2027-01-01')).toBe(false);
    });
  });
});
