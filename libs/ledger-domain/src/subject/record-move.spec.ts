import { decideRecordMove, effectiveEvents, followingMoves, MoveRecord } from './record-move';

const SURVIVOR = 'survivor-1';
const DUPLICATE = 'duplicate-1';
const at = (version: number) => ({ streamVersion: version, position: 100 + version, recordedAt: new Date(Date.UTC(2026, 0, version)) });
const opened = { type: 'FollowUpOpened', data: { taskId: 't-1', subjectId: DUPLICATE, note: '复查血压', dueDate: '2026-02-01' }, ...at(1) };
const reassigned = { type: 'FollowUpReassigned', data: { taskId: 't-1', subjectId: DUPLICATE, assignee: 'hm-2' }, ...at(2) };
const move = (events: MoveRecord['events'] = [opened, reassigned]) =>
  decideRecordMove({ streamId: 'follow-up-t-1', events, survivorId: SURVIVOR, duplicateId: DUPLICATE, actor: 'staff-1', now: '2026-03-01T00:00:00.000Z' });

describe('moving a record to the survivor of a merge', () => {
  it('restates every event of the duplicate’s record for the survivor, each where it stood in the log', () => {
    const [moved] = move();
    expect(moved).toEqual({
      type: 'RecordMoved',
      data: {
        streamId: 'follow-up-t-1',
        subjectId: SURVIVOR,
        fromSubjectId: DUPLICATE,
        events: [
          { type: 'FollowUpOpened', data: { ...opened.data, subjectId: SURVIVOR }, streamVersion: 1, position: 101, recordedAt: at(1).recordedAt.toISOString() },
          { type: 'FollowUpReassigned', data: { ...reassigned.data, subjectId: SURVIVOR }, streamVersion: 2, position: 102, recordedAt: at(2).recordedAt.toISOString() },
        ],
        movedBy: 'staff-1',
        movedAt: '2026-03-01T00:00:00.000Z',
      },
    });
  });

  it('moves nothing once the record is the survivor’s (a resumed merge), nor a record of someone else, nor an empty stream', () => {
    const [moved] = move();
    expect(move(effectiveEvents([{ ...moved, ...at(3) }]))).toEqual([]);
    expect(move([{ ...opened, data: { ...opened.data, subjectId: 'someone-else' } }])).toEqual([]);
    expect(move([])).toEqual([]);
  });

  it('reads a moved stream as the events it carries followed by those after it, and folds it so', () => {
    const [moved] = move();
    const completed = { type: 'FollowUpCompleted', data: { taskId: 't-1', subjectId: SURVIVOR, outcome: '已复查' }, ...at(4) };
    const stream = [opened, reassigned, { ...moved, ...at(3) }, completed];
    const effective = effectiveEvents(stream);
    expect(effective.map((event) => [event.type, event.data.subjectId, event.streamVersion, event.position])).toEqual([
      ['FollowUpOpened', SURVIVOR, 1, 101],
      ['FollowUpReassigned', SURVIVOR, 2, 102],
      ['FollowUpCompleted', SURVIVOR, 4, 104],
    ]);
    expect(effective[0].recordedAt).toEqual(at(1).recordedAt);
    const fold = followingMoves({
      initialState: () => [] as string[],
      evolve: (seen: string[], event: { type: string; data: { subjectId: string } }) => [...seen, `${event.type}:${event.data.subjectId}`],
    });
    expect(stream.reduce(fold.evolve, fold.initialState())).toEqual([`FollowUpOpened:${SURVIVOR}`, `FollowUpReassigned:${SURVIVOR}`, `FollowUpCompleted:${SURVIVOR}`]);
  });

  it('follows a record moved twice (a survivor merged into a third file later)', () => {
    const [first] = move();
    const afterFirst = effectiveEvents([{ ...first, ...at(3) }]);
    const [second] = decideRecordMove({
      streamId: 'follow-up-t-1',
      events: afterFirst,
      survivorId: 'third-1',
      duplicateId: SURVIVOR,
      actor: 'staff-2',
      now: '2026-04-01T00:00:00.000Z',
    });
    expect(second.data.fromSubjectId).toBe(SURVIVOR);
    expect(effectiveEvents([opened, reassigned, { ...first, ...at(3) }, { ...second, ...at(4) }]).map((event) => [event.data.subjectId, event.streamVersion])).toEqual([
      ['third-1', 1],
      ['third-1', 2],
    ]);
  });
});
