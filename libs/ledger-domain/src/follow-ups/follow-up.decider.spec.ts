import { InvalidInput } from '../domain-error';
import { decideFollowUp, evolveFollowUp, FollowUpCommand, FollowUpState, initialFollowUpState, isEscalationDue, isOverdue } from './follow-up.decider';
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

  describe('escalation', () => {
    const escalate = (today: string, delayDays = 3): FollowUpCommand => ({
      ...at,
      today,
      actor: 'system:follow-up-sweep',
      type: 'EscalateFollowUp',
      delayDays,
      escalatedTo: 'mgr-qian',
    });

    it('raises an open task once it has been overdue longer than the delay: due 06-10, delay 3, from 06-14', () => {
      const state = given(...opened());
      expect(decideFollowUp(escalate('2026-06-13'), state)).toEqual([]);
      expect(decideFollowUp(escalate('2026-06-14'), state)).toEqual([
        {
          type: 'FollowUpTaskEscalated',
          data: {
            taskId: 't1',
            subjectId: 's1',
            department: 'dept-chronic',
            escalatedTo: 'mgr-qian',
            dueDate: '2026-06-10',
            delayDays: 3,
            escalatedBy: 'system:follow-up-sweep',
            escalatedAt: NOW,
          },
        },
      ]);
      expect(isEscalationDue(state, '2026-06-11', 0)).toBe(true);
      expect(isEscalationDue(state, '2026-06-10', 0)).toBe(false);
    });

    it('escalates a task once only, and never a closed one (the sweep may race a completion)', () => {
      const escalated = given(...opened(), ...decideFollowUp(escalate('2026-06-20'), given(...opened())));
      expect(escalated.status === 'open' && escalated.escalated).toBe(true);
      expect(decideFollowUp(escalate('2026-07-20'), escalated)).toEqual([]);
      const done = given(...opened(), ...decideFollowUp({ ...at, type: 'CompleteFollowUp', outcome: 'ok' }, given(...opened())));
      expect(decideFollowUp(escalate('2026-07-20'), done)).toEqual([]);
      expect(codeOf(() => decideFollowUp(escalate('2026-07-20'), given()))).toBe('follow-up-not-found');
    });

    it('keeps the task open and reassignable after escalation', () => {
      const escalated = given(...opened(), ...decideFollowUp(escalate('2026-06-20'), given(...opened())));
      expect(decideFollowUp({ ...at, type: 'ReassignFollowUp', assignee: 'hm-2', department: 'dept-chronic' }, escalated)).toHaveLength(1);
    });
  });

  describe('a plan’s occurrence', () => {
    it('may be opened already due (the sweep catching up), a task by hand may not', () => {
      const source = { kind: 'plan' as const, planId: 'p1', occurrence: 2 };
      expect(decideFollowUp(open({ dueDate: '2026-05-20', source }), given())[0].data).toMatchObject({ dueDate: '2026-05-20', source });
      expect(() => decideFollowUp(open({ dueDate: '2026-05-20' }), given())).toThrow(/dueDate/);
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
