import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { messageStream } from '@pi-ledger/ledger-domain/messages/message.events';
import { subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { applyTwice, recordedEvent } from '../projection.testing';
import { OutboxMessagesProjection } from './outbox-messages.projection';
import { OutboxQueries } from './outbox-messages.queries';

const SEALED = { v: 1, kid: 'k', iv: 'aXY=', ct: 'Y3Q=', tag: 'dGFn' };
const AT = '2026-06-01T02:00:00.000Z';
const LATER = '2026-06-01T02:01:00.000Z';

describe('outbox_messages projection (PostgreSQL), each event applied twice', () => {
  let database: TestDatabase;
  let queries: OutboxQueries;
  const outbox = new OutboxMessagesProjection();
  const [alice, bob] = [uuidv7(), uuidv7()];
  const queued = (messageId: string, subjectId: string, kind = 'birthday_care', category = 'service_interactions') =>
    recordedEvent(
      'MessageQueued',
      {
        messageId,
        subjectId,
        kind,
        channel: 'email',
        purposeId: 'health-management',
        category,
        source: { kind: 'birthday', date: '2026-06-01' },
        recipient: SEALED,
        content: SEALED,
        queuedBy: 'system:care',
        queuedAt: AT,
      },
      { streamId: messageStream(messageId), streamVersion: 1 },
    );

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new OutboxQueries(database.pool);
  });
  afterAll(async () => database.close());

  it('MessageQueued makes a due row with its sealed values; MessageFailed defers it; MessageSent closes it, never back', async () => {
    const id = uuidv7();
    const { once, twice } = await applyTwice(database.pool, outbox, [queued(id, alice)]);
    expect(twice).toEqual(once);
    expect(await queries.due(new Date(AT), 10)).toEqual([
      expect.objectContaining({ messageId: id, status: 'queued', attempts: 0, sealed: { recipient: SEALED, content: SEALED } }),
    ]);
    const failed = recordedEvent(
      'MessageFailed',
      { messageId: id, subjectId: alice, attempt: 1, errorCode: 'transport-error', final: false, nextAttemptAt: LATER, failedAt: AT },
      { streamId: messageStream(id), streamVersion: 2 },
    );
    await applyTwice(database.pool, outbox, [failed]);
    expect(await queries.due(new Date(AT), 10)).toEqual([]);
    expect(await queries.due(new Date(LATER), 10)).toEqual([expect.objectContaining({ attempts: 1, lastError: 'transport-error' })]);
    const sent = recordedEvent('MessageSent', { messageId: id, subjectId: alice, attempt: 2, transport: 'file', sentAt: LATER }, { streamId: messageStream(id), streamVersion: 3 });
    const result = await applyTwice(database.pool, outbox, [sent]);
    expect(result.twice).toEqual(result.once);
    await applyTwice(database.pool, outbox, [failed]); // replayed after the delivery: changes nothing
    expect((await queries.bySubject(alice))[0]).toMatchObject({ status: 'sent', attempts: 2, closedAt: LATER, nextAttemptAt: null });
    expect((await queries.summary(new Date(LATER))).byStatus).toMatchObject({ sent: 1, queued: 0 });
  });

  it('a final MessageFailed and a MessageCancelled for want of a basis close the row with their code, shown to ops without the customer', async () => {
    const [failing, refused] = [uuidv7(), uuidv7()];
    await applyTwice(database.pool, outbox, [queued(failing, bob), queued(refused, bob, 'marketing', 'contact')]);
    const events = [
      recordedEvent(
        'MessageFailed',
        { messageId: failing, subjectId: bob, attempt: 5, errorCode: 'smtp-EENVELOPE', final: true, nextAttemptAt: null, failedAt: LATER },
        { streamId: messageStream(failing), streamVersion: 2 },
      ),
      recordedEvent(
        'MessageCancelled',
        { messageId: refused, subjectId: bob, reason: 'no-legal-basis', cancelledBy: 'system:outbox', cancelledAt: LATER },
        { streamId: messageStream(refused), streamVersion: 2 },
      ),
    ];
    const { once, twice } = await applyTwice(database.pool, outbox, events);
    expect(twice).toEqual(once);
    const summary = await queries.summary(new Date(LATER));
    expect(summary.failures).toEqual(
      expect.arrayContaining([
        { messageId: failing, kind: 'birthday_care', channel: 'email', status: 'failed', attempts: 5, errorCode: 'smtp-EENVELOPE', at: LATER },
        { messageId: refused, kind: 'marketing', channel: 'email', status: 'cancelled', attempts: 0, errorCode: 'no-legal-basis', at: LATER },
      ]),
    );
    expect(JSON.stringify(summary)).not.toContain(bob);
  });

  it('SubjectErased strips the customer’s queued messages to bare cancelling rows and drops the rest; their MessageCancelled removes them', async () => {
    const carol = uuidv7();
    const [waiting, done] = [uuidv7(), uuidv7()];
    await applyTwice(database.pool, outbox, [
      queued(waiting, carol),
      queued(done, carol),
      recordedEvent('MessageSent', { messageId: done, subjectId: carol, attempt: 1, transport: 'file', sentAt: AT }, { streamId: messageStream(done), streamVersion: 2 }),
    ]);
    const erased = recordedEvent(
      'SubjectErased',
      { subjectId: carol, erasedCategories: ['identity'], retained: [], whole: true, erasedAt: LATER },
      { streamId: subjectStream(carol), streamVersion: 9 },
    );
    const { once, twice } = await applyTwice(database.pool, outbox, [erased]);
    expect(twice).toEqual(once);
    expect(await queries.bySubject(carol)).toEqual([expect.objectContaining({ messageId: waiting, status: 'cancelling', sealed: { recipient: null, content: null } })]);
    expect(await queries.cancelling(10)).toEqual([expect.objectContaining({ messageId: waiting })]);
    const cancelled = recordedEvent(
      'MessageCancelled',
      { messageId: waiting, subjectId: carol, reason: 'subject-erased', cancelledBy: 'system:outbox', cancelledAt: LATER },
      { streamId: messageStream(waiting), streamVersion: 2 },
    );
    await applyTwice(database.pool, outbox, [cancelled]);
    expect(await queries.bySubject(carol)).toEqual([]);
    expect(await queries.bySubject(alice)).toHaveLength(1);
  });
});
