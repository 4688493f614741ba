import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { complaintStream } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { JsonObject } from '@pi-ledger/event-store/event-store.port';
import { applyTwice, recordedEvent } from '../projection.testing';
import { ComplaintsProjection } from './complaints.projection';
import { ComplaintQueries } from './complaints.queries';

const SEALED = { v: 1, kid: 'k', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const AT = '2026-06-01T02:00:00.000Z';
const REPLY_DUE = '2026-06-02T02:00:00.000Z';
const RESOLUTION_DUE = '2026-06-08T02:00:00.000Z';

describe('complaints projection (PostgreSQL), each event applied twice', () => {
  let database: TestDatabase;
  let queries: ComplaintQueries;
  const projection = new ComplaintsProjection();
  const [alice, bob] = [uuidv7(), uuidv7()];
  const [complaint, healthComplaint] = [uuidv7(), uuidv7()];
  const versions = new Map<string, number>();
  const next = (type: string, id: string, subjectId: string, data: JsonObject) => {
    const version = (versions.get(id) ?? 0) + 1;
    versions.set(id, version);
    return recordedEvent(type, { complaintId: id, subjectId, ...data }, { streamId: complaintStream(id), streamVersion: version });
  };
  const received = (id: string, subjectId: string, category: string) =>
    next('ComplaintReceived', id, subjectId, {
      channel: 'phone',
      category: 'waiting_time',
      severity: 'high',
      serviceRecordId: null,
      holdsHealthData: category === 'health_records',
      department: 'cs',
      description: { category, text: SEALED },
      replyDueAt: REPLY_DUE,
      resolutionDueAt: RESOLUTION_DUE,
      receivedBy: 'cs-1',
      receivedAt: AT,
    });
  const row = async (subjectId: string) => (await queries.bySubject(subjectId, AT))[0];
  const twiceTheSame = async (...events: ReturnType<typeof recordedEvent>[]) => {
    const { once, twice } = await applyTwice(database.pool, projection, events);
    expect(twice).toEqual(once);
  };

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new ComplaintQueries(database.pool);
  });
  afterAll(async () => database.close());

  it('ComplaintReceived makes one received row with its sealed description and deadlines', async () => {
    await twiceTheSame(received(complaint, alice, 'service_interactions'));
    expect(await row(alice)).toMatchObject({
      complaintId: complaint,
      status: 'received',
      severity: 'high',
      department: 'cs',
      handler: null,
      holdsHealthData: false,
      replyDueAt: REPLY_DUE,
      overdue: false,
      sealed: { description: SEALED, reply: null },
    });
  });

  it('ComplaintAssigned sets handler and department and moves a received complaint to assigned', async () => {
    await twiceTheSame(next('ComplaintAssigned', complaint, alice, { handler: 'cs-2', department: 'cs', assignedBy: 'mgr', assignedAt: AT }));
    expect(await row(alice)).toMatchObject({ status: 'assigned', handler: 'cs-2' });
  });

  it('ComplaintEscalated counts an escalation and marks its deadline escalated, once', async () => {
    const later = '2026-06-02T03:00:00.000Z';
    expect(await queries.dueForEscalation(later, '', 10)).toEqual([complaint]);
    await twiceTheSame(
      next('ComplaintEscalated', complaint, alice, {
        trigger: 'reply_deadline',
        dueAt: REPLY_DUE,
        department: 'cs',
        escalatedTo: ['mgr'],
        escalatedBy: 'system',
        escalatedAt: later,
      }),
    );
    expect(await row(alice)).toMatchObject({ escalations: 1, lastEscalatedAt: later });
    expect(await queries.dueForEscalation(later, '', 10)).toEqual([]);
    expect(await queries.overdueCounts(later)).toEqual([{ department: 'cs', severity: 'high', n: 1 }]);
  });

  it('ComplaintStarted, ComplaintReplied and ComplaintClosed move the row forward once, never back', async () => {
    const started = next('ComplaintStarted', complaint, alice, { startedBy: 'cs-2', startedAt: AT });
    const replied = next('ComplaintReplied', complaint, alice, { reply: { category: 'service_interactions', text: SEALED }, repliedBy: 'cs-2', repliedAt: AT });
    const closed = next('ComplaintClosed', complaint, alice, { satisfaction: 4, closedBy: 'cs-2', closedAt: AT });
    await twiceTheSame(started, replied, closed);
    await applyTwice(database.pool, projection, [started]);
    expect(await row(alice)).toMatchObject({ status: 'closed', satisfaction: 4, repliedAt: AT, closedAt: AT, sealed: { reply: SEALED }, overdue: false });
  });

  it('ComplaintReopened opens it again with fresh deadlines, counting the reopening once', async () => {
    const due = '2026-06-20T02:00:00.000Z';
    await twiceTheSame(
      next('ComplaintReopened', complaint, alice, {
        reason: { category: 'service_interactions', text: SEALED },
        replyDueAt: due,
        resolutionDueAt: due,
        reopenedBy: 'cs-1',
        reopenedAt: AT,
      }),
    );
    expect(await row(alice)).toMatchObject({ status: 'in_progress', reopened: 1, closedAt: null, resolutionDueAt: due });
    expect(await queries.queue({ now: AT, status: 'in_progress', handler: 'cs-2', limit: 10 })).toEqual([expect.objectContaining({ complaintId: complaint })]);
    expect(await queries.queue({ now: AT, scope: { department: 'other', handler: 'nobody' }, limit: 10 })).toEqual([]);
  });

  it('SubjectErased purges the rows of the categories it reaches, and keeps those a hold keeps', async () => {
    await twiceTheSame(received(healthComplaint, alice, 'health_records'), received(uuidv7(), bob, 'service_interactions'));
    const held = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['identity'], retained: [{ category: 'health_records', basis: 'x', until: '2040-01-01' }], whole: true, erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 6 },
    );
    await twiceTheSame(held);
    expect((await queries.bySubject(alice, AT)).map((c) => c.complaintId)).toEqual([healthComplaint]);
    const whole = recordedEvent(
      'SubjectErased',
      { subjectId: alice, erasedCategories: ['health_records'], retained: [], erasedAt: AT },
      { streamId: subjectStream(alice), streamVersion: 7 },
    );
    await twiceTheSame(whole);
    expect(await queries.bySubject(alice, AT)).toEqual([]);
    expect(await queries.bySubject(bob, AT)).toHaveLength(1);
  });
});
