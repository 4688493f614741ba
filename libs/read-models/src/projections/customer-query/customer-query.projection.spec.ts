import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { JsonObject, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { VaultPen } from '@pi-ledger/pii-vault/pii-vault.testing';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { subjectStream, type SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { orderStream } from '@pi-ledger/ledger-domain/orders/order.events';
import { complaintStream } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { testClock } from '@pi-ledger/test-support/test-clock';
import { applyEvents, applyTwice, recordedEvent } from '../projection.testing';
import { CustomerQueryProjection } from './customer-query.projection';
import { healthToken } from './customer-query.tokens';

const AT = '2026-06-01T02:00:00.000Z';

describe('customer_query projection (PostgreSQL), each event applied twice', () => {
  let database: TestDatabase;
  let vault: PiiVault;
  let codec: SubjectEventCodec;
  let projection: CustomerQueryProjection;
  let pen: VaultPen;
  const alice = uuidv7();
  let version = 0;

  const facts = async (subjectId = alice) => (await database.pool.query(`SELECT * FROM customer_query_facts WHERE subject_id = $1`, [subjectId])).rows[0];
  /** A subject event sealed as the store holds it. */
  const sealed = async (event: SubjectEvent): Promise<RecordedEvent> => {
    const eventId = uuidv7();
    const [data] = await codec.sealAll([event], [eventId]);
    return recordedEvent(event.type, data.data as unknown as JsonObject, { streamId: subjectStream(event.data.subjectId), streamVersion: ++version, eventId });
  };
  const record = (type: string, data: JsonObject, streamId: string) => recordedEvent(type, { subjectId: alice, ...data }, { streamId, streamVersion: 1 });

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    vault = await pen.open(randomBytes(32));
    codec = new SubjectEventCodec(vault);
    projection = new CustomerQueryProjection(vault, testClock());
  });
  afterAll(async () => {
    await pen.closeAll();
    await database.close();
  });

  it('keeps the birth month as yyyymm, the primary address’s division code and keyed tokens of conditions, never the values', async () => {
    const events = [
      await sealed({
        type: 'DataCollected',
        data: { subjectId: alice, category: 'identity', purposeId: 'hm', fields: { name: '王芳', birthDate: '1958-03-01' }, collectedAt: AT },
      }),
      await sealed({
        type: 'DataCollected',
        data: {
          subjectId: alice,
          category: 'contact',
          purposeId: 'hm',
          fields: {
            addresses: [
              { type: 'work', divisionCode: '310115' },
              { type: 'home', divisionCode: '330106', line: '文三路 1 号', primary: true },
            ],
          },
          collectedAt: AT,
        },
      }),
      await sealed({
        type: 'DataCollected',
        data: { subjectId: alice, category: 'health', purposeId: 'hm', fields: { conditions: ['高血压'], allergies: ['青霉素'] }, collectedAt: AT },
      }),
      await sealed({ type: 'DataItemAdded', data: { subjectId: alice, category: 'health', field: 'conditions', purposeId: 'hm', item: ' 2型糖尿病 ', addedAt: AT } }),
    ];
    const { once, twice } = await applyTwice(database.pool, projection, events);
    expect(twice).toEqual(once);
    const row = await facts();
    expect(row).toMatchObject({ birth_month: 195803, division_code: '330106', allergy_tokens: [healthToken(vault, 'allergies', '青霉素')] });
    expect([...row.condition_tokens].sort()).toEqual([healthToken(vault, 'conditions', '高血压'), healthToken(vault, 'conditions', '2型糖尿病')].sort());
    expect(JSON.stringify(once)).not.toMatch(/王芳|1958-03-01|文三路|高血压|青霉素|糖尿病/);
    // in one batch, an item added and then an update: the update replaces the list, the item with it; a correction of the birth date moves the month
    await applyEvents(database.pool, projection, [
      await sealed({ type: 'DataItemAdded', data: { subjectId: alice, category: 'health', field: 'conditions', purposeId: 'hm', item: '痛风', addedAt: AT } }),
      await sealed({ type: 'DataUpdated', data: { subjectId: alice, category: 'health', purposeId: 'hm', reason: 'update', set: { conditions: ['高血脂'] }, changedAt: AT } }),
      await sealed({
        type: 'DataCorrected',
        data: { subjectId: alice, category: 'identity', purposeId: 'hm', reason: 'correction', set: { birthDate: '1959-12-31' }, changedAt: AT },
      }),
    ]);
    expect(await facts()).toMatchObject({ birth_month: 195912, condition_tokens: [healthToken(vault, 'conditions', '高血脂')] });
  });

  it('a batch of several customers’ data: each gets its own columns, an added item joins the stored list', async () => {
    const [bob, carol] = [uuidv7(), uuidv7()];
    const collected = (subjectId: string, category: string, fields: JsonObject) =>
      sealed({ type: 'DataCollected', data: { subjectId, category, purposeId: 'hm', fields, collectedAt: AT } } as SubjectEvent);
    await applyEvents(database.pool, projection, [await collected(carol, 'health', { conditions: ['高血压'], allergies: [] })]);
    const { once, twice } = await applyTwice(database.pool, projection, [
      await collected(bob, 'identity', { name: '李雷', birthDate: '1970-01-15' }),
      await collected(bob, 'health', { conditions: ['痛风'], allergies: ['花粉'] }),
      await collected(carol, 'identity', { name: '韩梅', birthDate: '1981-11-02' }),
      await sealed({ type: 'DataItemAdded', data: { subjectId: carol, category: 'health', field: 'allergies', purposeId: 'hm', item: '海鲜', addedAt: AT } }),
    ]);
    expect(twice).toEqual(once);
    expect(await facts(bob)).toMatchObject({
      birth_month: 197001,
      condition_tokens: [healthToken(vault, 'conditions', '痛风')],
      allergy_tokens: [healthToken(vault, 'allergies', '花粉')],
    });
    expect(await facts(carol)).toMatchObject({
      birth_month: 198111,
      condition_tokens: [healthToken(vault, 'conditions', '高血压')],
      allergy_tokens: [healthToken(vault, 'allergies', '海鲜')],
    });
  });

  it('counts orders (cancelled and wholly refunded ones not), net of refunds, and grades frequency and monetary value', async () => {
    const [o1, o2, o3] = [uuidv7(), uuidv7(), uuidv7()];
    const placed = (orderId: string, orderDate: string, amountFen: number) =>
      record(
        'OrderPlaced',
        { orderId, orderNumber: `O-${orderId}`, orderDate, currency: 'CNY', amountFen, placedBy: 'fd', placedAt: AT, contents: 'sealed' },
        orderStream(orderId),
      );
    const events = [
      placed(o1, '2026-05-01', 300_000),
      placed(o2, '2026-05-20', 250_000),
      placed(o3, '2026-05-25', 90_000),
      record('OrderRefunded', { orderId: o2, refundId: 'r1', amountFen: 50_000, reason: 'sealed', refundedBy: 'fd', refundedAt: AT }, orderStream(o2)),
      record('OrderCancelled', { orderId: o3, cancelledBy: 'fd', cancelledAt: AT }, orderStream(o3)),
    ];
    const { once, twice } = await applyTwice(database.pool, projection, events);
    expect(twice).toEqual(once);
    expect(await facts()).toMatchObject({ order_count: 2, order_total_fen: '500000', last_order_date: expect.any(Date), rfm_recency: 5, rfm_frequency: 2, rfm_monetary: 4 });
  });

  it('keeps the last service and check-up dates, the open complaints and the last survey’s mean rating', async () => {
    const complaint = uuidv7();
    const events = [
      record(
        'ServiceRecorded',
        { recordId: uuidv7(), serviceDate: '2026-04-01', serviceType: 'consultation', staffId: 's', recordedBy: 's', recordedAt: AT, details: 'x' },
        'service-record-1',
      ),
      record(
        'ServiceRecorded',
        { recordId: uuidv7(), serviceDate: '2026-03-01', serviceType: 'consultation', staffId: 's', recordedBy: 's', recordedAt: AT, details: 'x' },
        'service-record-2',
      ),
      record('ComplaintReceived', { complaintId: complaint, channel: 'phone', category: 'other', severity: 'low', receivedAt: AT }, complaintStream(complaint)),
      record('SurveyAnswered', { responseId: 'r', scores: { scale: { a: 4, b: 5 }, nps: { n: 9 } }, answeredAt: '2026-05-01T00:00:00.000Z' }, 'survey-response-r'),
      record('SurveyAnswered', { responseId: 'q', scores: { scale: { a: 1 }, nps: {} }, answeredAt: '2026-04-01T00:00:00.000Z' }, 'survey-response-q'),
    ];
    const { once, twice } = await applyTwice(database.pool, projection, events);
    expect(twice).toEqual(once);
    const row = await facts();
    expect([row.last_service_date.toISOString().slice(0, 10), row.open_complaints, row.last_survey_score]).toEqual(['2026-04-01', 1, '4.50']);
    await applyTwice(database.pool, projection, [record('ComplaintClosed', { complaintId: complaint, satisfaction: 4, closedBy: 's', closedAt: AT }, complaintStream(complaint))]);
    expect((await facts()).open_complaints).toBe(0);
  });

  it('an erasure of some categories clears what they fed; a whole erasure forgets the customer', async () => {
    await applyEvents(database.pool, projection, [
      await sealed({ type: 'SubjectErased', data: { subjectId: alice, erasedCategories: ['health', 'consumption'], retained: [], whole: false, erasedAt: AT } }),
    ]);
    expect(await facts()).toMatchObject({ condition_tokens: [], allergy_tokens: [], order_count: 0, rfm_frequency: null, birth_month: 195912 });
    expect((await database.pool.query(`SELECT count(*)::int AS n FROM customer_query_orders WHERE subject_id = $1`, [alice])).rows[0].n).toBe(0);
    await applyEvents(database.pool, projection, [
      await sealed({ type: 'SubjectErased', data: { subjectId: alice, erasedCategories: ['identity', 'contact'], retained: [], whole: true, erasedAt: AT } }),
    ]);
    expect(await facts()).toBeUndefined();
  });
});
