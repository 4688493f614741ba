import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { followUpPlanStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.events';
import { followUpStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { applyTwice, recordedEvent } from '../projection.testing';
import { FollowUpPlansProjection } from './follow-up-plans.projection';
import { FollowUpPlanQueries } from './follow-up-plans.queries';
import { FollowUpTasksProjection } from './follow-up-tasks.projection';
import { FollowUpTaskQueries } from './follow-up-tasks.queries';

const SEALED = { v: 1, kid: 'k', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const AT = '2026-06-01T02:00:00.000Z';

describe('follow-up plans and escalations projected (PostgreSQL), each event applied twice', () => {
  let database: TestDatabase;
  let plans: FollowUpPlanQueries;
  let tasks: FollowUpTaskQueries;
  const projection = new FollowUpPlansProjection();
  const taskProjection = new FollowUpTasksProjection();
  const [alice, bob] = [uuidv7(), uuidv7()];
  const plan = uuidv7();
  const on = (version: number) => ({ streamId: followUpPlanStream(plan), streamVersion: version });
  const created = (planId: string, subjectId: string, version = 1) =>
    recordedEvent(
      'FollowUpPlanCreated',
      {
        planId,
        subjectId,
        schedule: { every: 1, unit: 'months', startDate: '2026-01-31', endDate: null, occurrences: 3, leadDays: 2 },
        channel: 'phone',
        assignee: null,
        department: 'chronic',
        purposeId: 'health-management',
        reason: SEALED,
        createdBy: 'hm-1',
        createdAt: AT,
      },
      { streamId: followUpPlanStream(planId), streamVersion: version },
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    plans = new FollowUpPlanQueries(database.pool);
    tasks = new FollowUpTaskQueries(database.pool);
  });
  afterAll(async () => database.close());

  it('FollowUpPlanCreated makes an active row with its first occurrence’s dates and the sealed reason', async () => {
    const { once, twice } = await applyTwice(database.pool, projection, [created(plan, alice)]);
    expect(twice).toEqual(once);
    expect(await plans.find(plan)).toMatchObject({ status: 'active', nextOccurrence: 1, nextDueDate: '2026-01-31', sealed: { reason: SEALED }, version: 1 });
    expect(await plans.due('2026-01-28', '', 10)).toEqual([]);
    expect(await plans.due('2026-01-29', '', 10)).toEqual([plan]); // two days ahead of the due date
  });

  it('FollowUpPlanOccurrenceOpened moves to the next occurrence (month end kept), Paused and Resumed change the status', async () => {
    const opened = recordedEvent(
      'FollowUpPlanOccurrenceOpened',
      { planId: plan, subjectId: alice, occurrence: 1, taskId: 't1', dueDate: '2026-01-31', openedBy: 'system', openedAt: AT },
      on(2),
    );
    const paused = recordedEvent('FollowUpPlanPaused', { planId: plan, subjectId: alice, pausedBy: 'hm-1', pausedAt: AT }, on(3));
    let applied = await applyTwice(database.pool, projection, [opened, paused]);
    expect(applied.twice).toEqual(applied.once);
    expect(await plans.find(plan)).toMatchObject({ status: 'paused', nextOccurrence: 2, nextDueDate: '2026-02-28', lastTaskId: 't1' });
    expect(await plans.due('2026-12-31', '', 10)).toEqual([]);
    const resumed = recordedEvent('FollowUpPlanResumed', { planId: plan, subjectId: alice, nextOccurrence: 3, resumedBy: 'hm-1', resumedAt: AT }, on(4));
    applied = await applyTwice(database.pool, projection, [resumed]);
    expect(applied.twice).toEqual(applied.once);
    expect(await plans.find(plan)).toMatchObject({ status: 'active', nextOccurrence: 3, nextDueDate: '2026-03-31' });
    // a replayed older event changes nothing
    await applyTwice(database.pool, projection, [paused]);
    expect((await plans.find(plan))?.status).toBe('active');
  });

  it('FollowUpPlanEnded ends the row with its cause and no next date', async () => {
    const ended = recordedEvent('FollowUpPlanEnded', { planId: plan, subjectId: alice, cause: 'count-reached', endedBy: 'system', endedAt: AT }, on(5));
    const { once, twice } = await applyTwice(database.pool, projection, [ended]);
    expect(twice).toEqual(once);
    expect(await plans.find(plan)).toMatchObject({ status: 'ended', endCause: 'count-reached', nextDueDate: null });
    expect(await plans.unendedOf(alice)).toEqual([]);
  });

  it('FollowUpTaskEscalated marks the task escalated, to whom, once; the queues filter by it', async () => {
    const task = uuidv7();
    const stream = { streamId: followUpStream(task) };
    const opened = recordedEvent(
      'FollowUpOpened',
      {
        taskId: task,
        subjectId: alice,
        dueDate: '2026-06-03',
        assignee: 'hm-1',
        department: 'chronic',
        channel: 'phone',
        source: { kind: 'plan', planId: plan, occurrence: 2 },
        openedBy: 'system',
        openedAt: AT,
      },
      { ...stream, streamVersion: 1 },
    );
    const escalated = recordedEvent(
      'FollowUpTaskEscalated',
      {
        taskId: task,
        subjectId: alice,
        department: 'chronic',
        escalatedTo: 'mgr-qian',
        dueDate: '2026-06-03',
        delayDays: 3,
        escalatedBy: 'system',
        escalatedAt: '2026-06-07T01:00:00.000Z',
      },
      { ...stream, streamVersion: 2 },
    );
    expect(await tasks.escalationCandidates('2026-06-04', undefined, 10)).toEqual([]);
    await applyTwice(database.pool, taskProjection, [opened]);
    expect(await tasks.escalationCandidates('2026-06-04', undefined, 10)).toEqual([{ taskId: task, dueDate: '2026-06-03', department: 'chronic' }]);
    const { once, twice } = await applyTwice(database.pool, taskProjection, [escalated]);
    expect(twice).toEqual(once);
    expect(await tasks.queue({ escalated: true, escalatedTo: 'mgr-qian', today: '2026-06-07', limit: 10 })).toEqual([
      expect.objectContaining({ taskId: task, escalatedTo: 'mgr-qian', escalatedAt: '2026-06-07T01:00:00.000Z', source: { kind: 'plan', planId: plan, occurrence: 2 } }),
    ]);
    expect(await tasks.queue({ escalated: false, today: '2026-06-07', limit: 10 })).toEqual([]);
    expect(await tasks.escalationCandidates('2026-06-30', undefined, 10)).toEqual([]);
    expect(await tasks.escalatedByDepartment()).toEqual(new Map([['chronic', 1]]));
  });

  it('SubjectErased purges the customer’s plans when it reaches service_interactions, and only theirs', async () => {
    const other = uuidv7();
    await applyTwice(database.pool, projection, [created(other, bob)]);
    const partial = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['contact'], retained: [], erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 5 },
    );
    await applyTwice(database.pool, projection, [partial]);
    expect(await plans.bySubject(alice)).toHaveLength(1);
    const whole = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['identity'], retained: [], whole: true, erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 6 },
    );
    const { once, twice } = await applyTwice(database.pool, projection, [whole]);
    expect(twice).toEqual(once);
    expect(await plans.bySubject(alice)).toEqual([]);
    expect(await plans.bySubject(bob)).toEqual([expect.objectContaining({ planId: other, status: 'active' })]);
  });
});
