import { InvalidInput } from '../domain-error';
import { decideComplaintDeadlines, DEFAULT_COMPLAINT_DEADLINES, evolveComplaintDeadlines, initialComplaintDeadlines } from './complaint-deadline-policy';
import { ComplaintCommand, ComplaintState, decideComplaint, evolveComplaint, initialComplaintState, passedDeadlines } from './complaint.decider';
import { ComplaintEvent, ComplaintStatus } from './complaint.events';

const NOW = '2026-06-01T02:00:00.000Z';
const LATER = '2026-06-01T08:00:00.000Z';
const at = { complaintId: 'c1', actor: 'cs-1', now: NOW };
const policy = DEFAULT_COMPLAINT_DEADLINES;
const file = (overrides: Partial<Extract<ComplaintCommand, { type: 'FileComplaint' }>> = {}): ComplaintCommand => ({
  ...at,
  type: 'FileComplaint',
  subjectId: 's1',
  channel: 'phone',
  category: 'waiting_time',
  severity: 'high',
  description: '体检排队超过两小时',
  serviceRecordId: null,
  holdsHealthData: false,
  department: 'dept-cs',
  policy,
  ...overrides,
});
const given = (...events: ComplaintEvent[]): ComplaintState => events.reduce(evolveComplaint, initialComplaintState());
const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as { code: string }).code;
  }
  return undefined;
};

/** Each command once, as a given status would take it. */
const commands: Record<Exclude<ComplaintCommand['type'], 'FileComplaint'>, ComplaintCommand> = {
  AssignComplaint: { ...at, type: 'AssignComplaint', handler: 'cs-2', department: 'dept-cs' },
  StartComplaint: { ...at, type: 'StartComplaint' },
  NoteComplaint: { ...at, type: 'NoteComplaint', note: '已致电客户' },
  ReplyToComplaint: { ...at, type: 'ReplyToComplaint', reply: '已调整排班' },
  CloseComplaint: { ...at, type: 'CloseComplaint', satisfaction: 4 },
  ReopenComplaint: { ...at, type: 'ReopenComplaint', reason: '问题再次出现', policy },
  EscalateComplaint: { ...at, type: 'EscalateComplaint', managers: ['mgr-1'] },
  EscalateOverdueComplaint: { ...at, now: '2026-07-01T00:00:00.000Z', type: 'EscalateOverdueComplaint', managers: ['mgr-1'] },
};

/** The events that bring a complaint to each status. */
function history(status: ComplaintStatus): ComplaintEvent[] {
  const steps: ComplaintCommand[] = [file(), commands.AssignComplaint, commands.StartComplaint, commands.ReplyToComplaint, commands.CloseComplaint];
  const upTo = { received: 1, assigned: 2, in_progress: 3, replied: 4, closed: 5 }[status];
  return steps.slice(0, upTo).reduce<ComplaintEvent[]>((events, command) => [...events, ...decideComplaint(command, given(...events))], []);
}

/** What each status does with each command: the event it decides, or the code of its refusal. */
const expected: Record<ComplaintStatus, Record<keyof typeof commands, string>> = {
  received: {
    AssignComplaint: 'ComplaintAssigned',
    StartComplaint: 'complaint-invalid-transition',
    NoteComplaint: 'ComplaintNoted',
    ReplyToComplaint: 'complaint-invalid-transition',
    CloseComplaint: 'complaint-invalid-transition',
    ReopenComplaint: 'complaint-invalid-transition',
    EscalateComplaint: 'ComplaintEscalated',
    EscalateOverdueComplaint: 'ComplaintEscalated',
  },
  assigned: {
    AssignComplaint: '(nothing)',
    StartComplaint: 'ComplaintStarted',
    NoteComplaint: 'ComplaintNoted',
    ReplyToComplaint: 'complaint-invalid-transition',
    CloseComplaint: 'complaint-invalid-transition',
    ReopenComplaint: 'complaint-invalid-transition',
    EscalateComplaint: 'ComplaintEscalated',
    EscalateOverdueComplaint: 'ComplaintEscalated',
  },
  in_progress: {
    AssignComplaint: '(nothing)',
    StartComplaint: 'complaint-invalid-transition',
    NoteComplaint: 'ComplaintNoted',
    ReplyToComplaint: 'ComplaintReplied',
    CloseComplaint: 'complaint-invalid-transition',
    ReopenComplaint: 'complaint-invalid-transition',
    EscalateComplaint: 'ComplaintEscalated',
    EscalateOverdueComplaint: 'ComplaintEscalated',
  },
  replied: {
    AssignComplaint: 'complaint-invalid-transition',
    StartComplaint: 'complaint-invalid-transition',
    NoteComplaint: 'ComplaintNoted',
    ReplyToComplaint: 'complaint-invalid-transition',
    CloseComplaint: 'ComplaintClosed',
    ReopenComplaint: 'ComplaintReopened',
    EscalateComplaint: 'ComplaintEscalated',
    EscalateOverdueComplaint: 'ComplaintEscalated',
  },
  closed: {
    AssignComplaint: 'complaint-invalid-transition',
    StartComplaint: 'complaint-invalid-transition',
    NoteComplaint: 'complaint-invalid-transition',
    ReplyToComplaint: 'complaint-invalid-transition',
    CloseComplaint: 'complaint-invalid-transition',
    ReopenComplaint: 'ComplaintReopened',
    EscalateComplaint: 'complaint-invalid-transition',
    EscalateOverdueComplaint: 'complaint-invalid-transition',
  },
};

describe('complaint decider', () => {
  describe('no complaint', () => {
    it('receives one with deadlines by severity, its description to seal under service_interactions', () => {
      expect(decideComplaint(file(), given())).toEqual([
        {
          type: 'ComplaintReceived',
          data: {
            complaintId: 'c1',
            subjectId: 's1',
            channel: 'phone',
            category: 'waiting_time',
            severity: 'high',
            serviceRecordId: null,
            holdsHealthData: false,
            department: 'dept-cs',
            description: { category: 'service_interactions', text: '体检排队超过两小时' },
            replyDueAt: '2026-06-02T02:00:00.000Z',
            resolutionDueAt: '2026-06-08T02:00:00.000Z',
            receivedBy: 'cs-1',
            receivedAt: NOW,
          },
        },
      ]);
    });

    it('seals a complaint marked as holding health data under health_records, and every later text too', () => {
      const [received] = decideComplaint(file({ holdsHealthData: true, serviceRecordId: 'r1' }), given());
      expect(received.data).toMatchObject({ holdsHealthData: true, serviceRecordId: 'r1', description: { category: 'health_records' } });
      const state = given(received);
      expect(decideComplaint(commands.NoteComplaint, state)[0].data).toMatchObject({ note: { category: 'health_records', text: '已致电客户' } });
    });

    it('refuses every change of a complaint that does not exist', () => {
      for (const command of Object.values(commands)) expect(codeOf(() => decideComplaint(command, given()))).toBe('complaint-not-found');
    });
  });

  it('refuses to receive a complaint twice', () => {
    expect(codeOf(() => decideComplaint(file(), given(...history('received'))))).toBe('complaint-exists');
  });

  describe.each(Object.keys(expected) as ComplaintStatus[])('a %s complaint', (status) => {
    it.each(Object.keys(commands) as Array<keyof typeof commands>)('given %s', (type) => {
      const state = given(...history(status));
      expect(state.status).toBe(status);
      const outcome = codeOf(() => decideComplaint(commands[type], state)) ?? decideComplaint(commands[type], state)[0]?.type ?? '(nothing)';
      expect(outcome).toBe(expected[status][type]);
    });
  });

  describe('transitions', () => {
    it('assigns a handler and department; reassigning keeps the status', () => {
      const assigned = given(...history('received'), ...decideComplaint(commands.AssignComplaint, given(...history('received'))));
      expect(assigned).toMatchObject({ status: 'assigned', handler: 'cs-2', department: 'dept-cs' });
      const reassigned = decideComplaint({ ...at, type: 'AssignComplaint', handler: 'cs-3', department: 'dept-2' }, given(...history('in_progress')));
      expect(reassigned).toEqual([
        { type: 'ComplaintAssigned', data: { complaintId: 'c1', subjectId: 's1', handler: 'cs-3', department: 'dept-2', assignedBy: 'cs-1', assignedAt: NOW } },
      ]);
      expect(given(...history('in_progress'), ...reassigned).status).toBe('in_progress');
    });

    it('replies, which stops the reply deadline, and closes with the customer’s satisfaction or none', () => {
      const replied = given(...history('replied'));
      expect(replied).toMatchObject({ status: 'replied', awaitingReply: false });
      expect(decideComplaint({ ...at, type: 'CloseComplaint', satisfaction: null }, replied)[0].data).toMatchObject({ satisfaction: null, closedBy: 'cs-1' });
      for (const satisfaction of [0, 6, 2.5]) {
        expect(() => decideComplaint({ ...at, type: 'CloseComplaint', satisfaction }, replied)).toThrow(InvalidInput);
        expect(() => decideComplaint({ ...at, type: 'CloseComplaint', satisfaction }, replied)).toThrow(/satisfaction/);
      }
    });

    it('reopens a replied or closed complaint with a sealed reason and fresh deadlines from the reopening', () => {
      const [reopened] = decideComplaint({ ...commands.ReopenComplaint, now: LATER }, given(...history('closed')));
      expect(reopened).toEqual({
        type: 'ComplaintReopened',
        data: {
          complaintId: 'c1',
          subjectId: 's1',
          reason: { category: 'service_interactions', text: '问题再次出现' },
          replyDueAt: '2026-06-02T08:00:00.000Z',
          resolutionDueAt: '2026-06-08T08:00:00.000Z',
          reopenedBy: 'cs-1',
          reopenedAt: LATER,
        },
      });
      expect(given(...history('closed'), reopened)).toMatchObject({ status: 'in_progress', awaitingReply: true, handler: 'cs-2' });
    });

    it('names the status and command when it refuses a transition', () => {
      expect(() => decideComplaint(commands.CloseComplaint, given(...history('received')))).toThrow(
        expect.objectContaining({ code: 'complaint-invalid-transition', details: { complaintId: 'c1', complaintStatus: 'received', command: 'CloseComplaint' } }),
      );
    });
  });

  describe('escalation', () => {
    it('escalates each passed deadline once, to the managers given, and nothing before a deadline', () => {
      const state = given(...history('assigned'));
      const sweep = (now: string) => decideComplaint({ ...at, actor: 'system:complaint-escalation', now, type: 'EscalateOverdueComplaint', managers: ['mgr-1'] }, state);
      expect(sweep('2026-06-02T01:59:59.000Z')).toEqual([]);
      const replyLate = sweep('2026-06-02T02:00:01.000Z');
      expect(replyLate).toEqual([
        {
          type: 'ComplaintEscalated',
          data: {
            complaintId: 'c1',
            subjectId: 's1',
            trigger: 'reply_deadline',
            dueAt: '2026-06-02T02:00:00.000Z',
            department: 'dept-cs',
            escalatedTo: ['mgr-1'],
            escalatedBy: 'system:complaint-escalation',
            escalatedAt: '2026-06-02T02:00:01.000Z',
          },
        },
      ]);
      const after = given(...history('assigned'), ...replyLate);
      expect(passedDeadlines(after, '2026-06-05T00:00:00.000Z')).toEqual([]);
      expect(passedDeadlines(after, '2026-06-09T00:00:00.000Z')).toEqual([{ trigger: 'resolution_deadline', dueAt: '2026-06-08T02:00:00.000Z' }]);
    });

    it('does not escalate the reply deadline once replied, and escalates the deadlines of a reopening anew', () => {
      const replied = given(...history('replied'));
      expect(passedDeadlines(replied, '2026-06-03T00:00:00.000Z')).toEqual([]);
      const late = given(...history('in_progress'), ...decideComplaint(commands.EscalateOverdueComplaint, given(...history('in_progress'))));
      expect(passedDeadlines(late, '2026-07-01T00:00:00.000Z')).toEqual([]);
      const reopened = decideComplaint({ ...commands.ReopenComplaint, now: '2026-07-01T00:00:00.000Z' }, given(...history('replied')));
      expect(passedDeadlines(given(...history('replied'), ...reopened), '2026-07-02T00:00:01.000Z')).toEqual([{ trigger: 'reply_deadline', dueAt: '2026-07-02T00:00:00.000Z' }]);
    });

    it('escalates by hand with an optional sealed reason, as often as asked', () => {
      const state = given(...history('in_progress'));
      const [manual] = decideComplaint({ ...at, type: 'EscalateComplaint', managers: [], reason: '客户要求主管处理' }, state);
      expect(manual.data).toMatchObject({ trigger: 'manual', dueAt: null, escalatedTo: [], reason: { category: 'service_interactions', text: '客户要求主管处理' } });
      expect(given(...history('in_progress'), manual)).toEqual(state);
    });
  });
});

describe('complaint deadline policy', () => {
  const set = { replyHours: { low: 96, medium: 48, high: 12, critical: 2 }, resolutionDays: { low: 30, medium: 10, high: 5, critical: 1 }, now: NOW };

  it('is set once; the same policy again, in any order of members, changes nothing', () => {
    const [event] = decideComplaintDeadlines(set, initialComplaintDeadlines());
    expect(event).toEqual({ type: 'ComplaintDeadlinePolicySet', data: { replyHours: set.replyHours, resolutionDays: set.resolutionDays, setAt: NOW } });
    const state = evolveComplaintDeadlines(initialComplaintDeadlines(), event);
    expect(decideComplaintDeadlines({ ...state, now: LATER }, state)).toEqual([]);
    expect(decideComplaintDeadlines({ ...DEFAULT_COMPLAINT_DEADLINES, now: NOW }, initialComplaintDeadlines())).toEqual([]);
  });

  it('refuses a reply due after the resolution, naming the severity', () => {
    expect(() => decideComplaintDeadlines({ ...set, replyHours: { ...set.replyHours, critical: 25 } }, initialComplaintDeadlines())).toThrow(/replyHours\.critical/);
  });
});
