import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { followUpStream } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import { checkupStream } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import { applyEvents, applyTwice, recordedEvent, snapshot } from '../projection.testing';
import { checkupVisitsProjection } from '../checkups/checkup-visits.projection';
import { FollowUpTasksProjection } from '../follow-ups/follow-up-tasks.projection';
import { FollowUpTaskQueries } from '../follow-ups/follow-up-tasks.queries';
import { followingMoves } from './record-moves';

const [OLD, NEW] = [
  { v: 1, kid: 'duplicate-key', iv: 'aXY=', ct: 'b2xk', tag: 'dGFn' },
  { v: 1, kid: 'survivor-key', iv: 'aXY=', ct: 'bmV3', tag: 'dGFn' },
];
const AT = '2026-06-01T02:00:00.000Z';

describe('records projections following a merge’s moves (PostgreSQL)', () => {
  let database: TestDatabase;
  const tasks = followingMoves(new FollowUpTasksProjection());
  const visits = followingMoves(checkupVisitsProjection());
  const [duplicate, survivor] = [uuidv7(), uuidv7()];
  const task = uuidv7();
  const on = (version: number, position: number) => ({ streamId: followUpStream(task), streamVersion: version, position, recordedAt: new Date(AT) });
  const openedData = (subjectId: string, note: typeof OLD) => ({
    taskId: task,
    subjectId,
    dueDate: '2026-06-03',
    assignee: 'hm-1',
    department: null,
    channel: 'phone',
    source: { kind: 'manual' },
    note,
    openedBy: 'hm-1',
    openedAt: AT,
  });
  const opened = recordedEvent('FollowUpOpened', openedData(duplicate, OLD), on(1, 9001));
  const reassigned = recordedEvent(
    'FollowUpReassigned',
    { taskId: task, subjectId: duplicate, assignee: 'hm-2', department: null, reassignedBy: 'm', reassignedAt: AT },
    on(2, 9002),
  );
  const moved = recordedEvent(
    'RecordMoved',
    {
      streamId: followUpStream(task),
      subjectId: survivor,
      fromSubjectId: duplicate,
      events: [
        { type: 'FollowUpOpened', data: openedData(survivor, NEW), streamVersion: 1, position: 9001, recordedAt: AT },
        { type: 'FollowUpReassigned', data: { ...reassigned.data, subjectId: survivor }, streamVersion: 2, position: 9002, recordedAt: AT },
      ],
      movedBy: 'staff-1',
      movedAt: AT,
    },
    on(3, 9003),
  );
  const completed = recordedEvent('FollowUpCompleted', { taskId: task, subjectId: survivor, outcome: NEW, completedBy: 'hm-2', completedAt: AT }, on(4, 9004));

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.close());

  it('restates the record for the survivor, sealed under its key, and takes its later steps; replayed in order, the same', async () => {
    const { once, twice } = await applyTwice(database.pool, tasks, [opened, reassigned, moved, completed]);
    expect(twice).toEqual(once);
    const queries = new FollowUpTaskQueries(database.pool);
    expect(await queries.bySubject(duplicate, '2026-06-01')).toEqual([]);
    const [row] = await queries.bySubject(survivor, '2026-06-01');
    expect(row).toMatchObject({ taskId: task, assignee: 'hm-2', status: 'done' });
    expect(row.sealed.note).toEqual(NEW);
  });

  it('leaves a projection of another kind of record alone', async () => {
    const before = await snapshot(database.pool, visits);
    const visit = uuidv7();
    const recorded = recordedEvent(
      'CheckupRecorded',
      { visitId: visit, subjectId: duplicate, visitDate: '2026-05-01', recordedBy: 'hm-1', recordedAt: AT, visit: OLD },
      { streamId: checkupStream(visit), streamVersion: 1 },
    );
    await applyEvents(database.pool, visits, [moved]);
    expect(await snapshot(database.pool, visits)).toEqual(before);
    await applyEvents(database.pool, visits, [recorded]);
    const visitMoved = recordedEvent(
      'RecordMoved',
      {
        streamId: checkupStream(visit),
        subjectId: survivor,
        fromSubjectId: duplicate,
        events: [{ type: 'CheckupRecorded', data: { ...recorded.data, subjectId: survivor, visit: NEW }, streamVersion: 1, position: recorded.position, recordedAt: AT }],
        movedBy: 'staff-1',
        movedAt: AT,
      },
      { streamId: checkupStream(visit), streamVersion: 2 },
    );
    await applyEvents(database.pool, visits, [visitMoved]);
    const { rows } = await database.pool.query(`SELECT subject_id, visit, position FROM checkup_visits WHERE visit_id = $1`, [visit]);
    expect(rows).toEqual([{ subject_id: survivor, visit: NEW, position: String(recorded.position) }]);
  });
});
