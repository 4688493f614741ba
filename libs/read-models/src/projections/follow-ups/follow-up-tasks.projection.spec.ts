import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { followUpStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { applyTwice, recordedEvent } from '../projection.testing';
import { checkupVisitsProjection } from '../checkups/checkup-visits.projection';
import { FollowUpTasksProjection } from './follow-up-tasks.projection';
import { FollowUpTaskQueries } from './follow-up-tasks.queries';

const SEALED = { v: 1, kid: 'k', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const AT = '2026-06-01T02:00:00.000Z';

describe('records projections (PostgreSQL), each event applied twice', () => {
  let database: TestDatabase;
  let queries: FollowUpTaskQueries;
  const tasks = new FollowUpTasksProjection();
  const visits = checkupVisitsProjection();
  const [alice, bob] = [uuidv7(), uuidv7()];
  const task = uuidv7();
  const on = (version: number) => ({ streamId: followUpStream(task), streamVersion: version });

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new FollowUpTaskQueries(database.pool);
  });
  afterAll(async () => database.close());

  it('FollowUpOpened makes one open row with its sealed note', async () => {
    const opened = recordedEvent(
      'FollowUpOpened',
      {
        taskId: task,
        subjectId: alice,
        dueDate: '2026-06-03',
        assignee: 'hm-1',
        department: 'chronic',
        channel: 'phone',
        source: { kind: 'manual' },
        note: SEALED,
        openedBy: 'hm-1',
        openedAt: AT,
      },
      on(1),
    );
    const { once, twice } = await applyTwice(database.pool, tasks, [opened]);
    expect(twice).toEqual(once);
    expect(await queries.queue({ assignee: 'hm-1', today: '2026-06-01', limit: 10 })).toEqual([expect.objectContaining({ taskId: task, status: 'open', overdue: false })]);
    expect((await queries.bySubject(alice, '2026-06-01'))[0].sealed.note).toEqual(SEALED);
  });

  it('FollowUpReassigned and FollowUpCompleted move the row forward once, never back', async () => {
    const reassigned = recordedEvent('FollowUpReassigned', { taskId: task, subjectId: alice, assignee: 'hm-2', department: null, reassignedBy: 'm', reassignedAt: AT }, on(2));
    const completed = recordedEvent('FollowUpCompleted', { taskId: task, subjectId: alice, outcome: SEALED, completedBy: 'hm-2', completedAt: AT }, on(3));
    const { once, twice } = await applyTwice(database.pool, tasks, [reassigned, completed]);
    expect(twice).toEqual(once);
    // the reassignment replayed after the completion changes nothing
    await applyTwice(database.pool, tasks, [reassigned]);
    const [row] = await queries.bySubject(alice, '2027-01-01');
    expect(row).toMatchObject({ assignee: 'hm-2', department: null, status: 'done', closedBy: 'hm-2', overdue: false });
  });

  it('FollowUpCancelled closes a task with its sealed reason; an open task is overdue the day after it is due', async () => {
    const other = uuidv7();
    const events = [
      recordedEvent(
        'FollowUpOpened',
        {
          taskId: other,
          subjectId: bob,
          dueDate: '2026-06-03',
          assignee: 'hm-1',
          department: 'chronic',
          channel: 'sms',
          source: { kind: 'checkup', visitId: 'v1' },
          openedBy: 'x',
          openedAt: AT,
        },
        { streamId: followUpStream(other), streamVersion: 1 },
      ),
    ];
    await applyTwice(database.pool, tasks, events);
    expect(await queries.overdueByDepartment('2026-06-03')).toEqual(new Map());
    expect(await queries.overdueByDepartment('2026-06-04')).toEqual(new Map([['chronic', 1]]));
    const cancelled = recordedEvent(
      'FollowUpCancelled',
      { taskId: other, subjectId: bob, reason: SEALED, cancelledBy: 'x', cancelledAt: AT },
      { streamId: followUpStream(other), streamVersion: 2 },
    );
    const { once, twice } = await applyTwice(database.pool, tasks, [cancelled]);
    expect(twice).toEqual(once);
    expect((await queries.bySubject(bob, '2026-06-04'))[0]).toMatchObject({ status: 'cancelled', source: { kind: 'checkup', visitId: 'v1' }, sealed: { reason: SEALED } });
  });

  it('SubjectErased purges the customer’s rows when it reaches the category, and keeps them when it does not', async () => {
    const visit = recordedEvent(
      'CheckupRecorded',
      { visitId: uuidv7(), subjectId: alice, visitDate: '2026-05-20', recordedBy: 'hm', recordedAt: AT, visit: SEALED },
      { streamId: 'checkup-x', streamVersion: 1 },
    );
    await applyTwice(database.pool, visits, [visit]);
    const partial = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['contact'], retained: [], erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 5 },
    );
    await applyTwice(database.pool, tasks, [partial]);
    await applyTwice(database.pool, visits, [partial]);
    expect(await queries.bySubject(alice, '2026-06-01')).toHaveLength(1);
    const held = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['identity'], retained: [{ category: 'health_records', basis: 'x', until: '2040-01-01' }], whole: true, erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 6 },
    );
    await applyTwice(database.pool, tasks, [held]);
    await applyTwice(database.pool, visits, [held]);
    expect(await queries.bySubject(alice, '2026-06-01')).toEqual([]);
    expect((await database.pool.query(`SELECT count(*)::int AS n FROM checkup_visits WHERE subject_id = $1`, [alice])).rows[0].n).toBe(1); // kept under the hold
    expect(await queries.bySubject(bob, '2026-06-01')).toHaveLength(1);
  });
});
