import type { Client } from 'pg';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';
import { OutboxDispatcher } from '../apps/ledger-api/src/messages/outbox.dispatcher';

interface Relation {
  schema: string;
  name: string;
}

/** The forms a value could be stored or logged in: as is, non-ASCII as JSON \u escapes, URL-encoded (a logged query string). Matched case-insensitively. */
const formsOf = (secret: string) =>
  [
    secret,
    secret.replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
    encodeURIComponent(secret),
    encodeURIComponent(secret).replace(/%20/g, '+'),
  ].map((form) => form.toLowerCase());

/** The secrets that occur in `text`. */
function leaks(text: string, secrets: readonly string[]): string[] {
  const lower = text.toLowerCase();
  return secrets.filter((secret) => formsOf(secret).some((form) => lower.includes(form)));
}

/** Every table, partitioned table and materialized view outside the system schemas. */
async function relations(owner: Client): Promise<Relation[]> {
  const { rows } = await owner.query<Relation>(`
    SELECT n.nspname AS schema, c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
     ORDER BY 1, 2`);
  return rows;
}

/** `schema.table.column: secret` for every value of every column that holds a secret; bytea is searched as bytes. */
async function scan(owner: Client, tables: readonly Relation[], secrets: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  for (const { schema, name } of tables) {
    const relation = `${owner.escapeIdentifier(schema)}.${owner.escapeIdentifier(name)}`;
    const { rows: columns } = await owner.query<{ name: string; bytea: boolean }>(
      `SELECT attname AS name, atttypid = 'bytea'::regtype AS bytea FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
      [relation],
    );
    if (columns.length === 0) continue;
    const select = columns.map((column, i) => `${owner.escapeIdentifier(column.name)}${column.bytea ? '' : '::text'} AS c${i}`).join(', ');
    const { rows } = await owner.query(`SELECT ${select} FROM ${relation}`);
    for (const row of rows) {
      columns.forEach((column, i) => {
        const value: string | Buffer | null = row[`c${i}`];
        if (value === null) return;
        // a valid UTF-8 run survives decoding even inside random bytes (ciphertext, digests)
        const text = Buffer.isBuffer(value) ? value.toString('utf8') : value;
        for (const secret of leaks(text, secrets)) found.push(`${schema}.${name}.${column.name}: ${secret}`);
      });
    }
  }
  return [...new Set(found)];
}

/** What the customer's records (issue #14) carry: sealed under the customer's keys like the file. */
const RECORDS = {
  institution: '协和体检西院',
  package: '女性肿瘤筛查套餐',
  conclusion: '甲状腺结节三级随访',
  indicator: '癌胚抗原',
  service: '戒烟门诊咨询记录',
  outcome: '客户决定下月戒烟',
  followUp: '确认戒烟贴使用情况',
  orderItem: '无痛胃镜检查',
  orderNote: '客户要求女医生操作',
  refundReason: '客户因胃出血住院推迟检查',
  complaint: '戒烟门诊医生态度冷淡',
  followUpPlan: '慢阻肺季度随访肺功能',
  message: '空腹前来抽血复查肝功能',
  surveyComment: '希望增加夜间门诊',
};

/** ZHANG's name as a second file of the same person spells it (traditional script, full-width space). */
const TWIN_NAME = '張\u3000偉';

describe('no plaintext PI in any table', () => {
  let api: TestApi;
  beforeAll(async () => (api = await startTestApi({ logLevel: 'debug' })));
  afterAll(async () => api.close());

  const sent = registration();
  const { identity, identity_document, contact, employment, health } = sent.data;
  /** The PI exactly as the client sends it below, and the normalised forms the ledger derives from it. */
  const secrets = [
    identity.name,
    identity.birthDate,
    identity.ethnicity,
    identity_document.number,
    contact.phone, // '138 1234 5678'
    ZHANG.phone, // '+8613812345678'
    ZHANG.phone.slice(3), // '13812345678'
    contact.email, // 'Zhang.Wei@Example.cn', and so its lower-cased form
    contact.address.line,
    contact.address.district,
    employment.employer,
    employment.title,
    ...health.conditions,
    ...health.allergies,
    ...health.surgeries.map((surgery) => surgery.name),
    health.lifestyle.exercise,
    '高血压',
    '张小红',
    TWIN_NAME,
    ...Object.values(RECORDS),
  ];

  it('the scanner finds a value planted in any kind of column, and in a log line', async () => {
    const owner = await api.database.ownerClient();
    await owner.query('CREATE SCHEMA scan_sanity');
    try {
      await owner.query('CREATE TABLE scan_sanity.planted (n int, note text, doc jsonb, blob bytea, tags text[])');
      await owner.query(`INSERT INTO scan_sanity.planted VALUES (1, NULL, NULL, NULL, NULL), (2, $1, $2, $3, $4), (3, $5, NULL, NULL, NULL)`, [
        `客户 ${contact.phone} 来电`,
        JSON.stringify({ who: { name: identity.name } }),
        Buffer.concat([Buffer.from([0xff, 0xc3, 0x00]), Buffer.from(identity_document.number), Buffer.from([0xe4])]),
        [contact.email.toUpperCase()],
        JSON.stringify({ condition: health.conditions[0] }).replace(/[^\x00-\x7f]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`), // escaped as JSON.stringify with ASCII output would
      ]);
      expect(await relations(owner)).toContainEqual({ schema: 'scan_sanity', name: 'planted' });
      expect((await scan(owner, [{ schema: 'scan_sanity', name: 'planted' }], secrets)).sort()).toEqual(
        [
          `scan_sanity.planted.note: ${contact.phone}`,
          `scan_sanity.planted.doc: ${identity.name}`,
          `scan_sanity.planted.blob: ${identity_document.number}`,
          `scan_sanity.planted.tags: ${contact.email}`,
          `scan_sanity.planted.note: ${health.conditions[0]}`,
        ].sort(),
      );
    } finally {
      await owner.query('DROP SCHEMA scan_sanity CASCADE');
    }
    expect(leaks(JSON.stringify({ level: 30, msg: 'request', body: { phone: contact.phone } }), secrets)).toEqual([contact.phone]);
    expect(leaks(`{"level":30,"req":{"url":"/v1/subjects?phone=${encodeURIComponent(contact.phone)}"}}`, secrets)).toEqual([contact.phone]);
    expect(leaks('{"level":30,"msg":"ok"}', secrets)).toEqual([]);
  });

  it('registers, changes and reads a subject, then finds none of its PI in any table or log line', async () => {
    const call = jsonRequest(api);
    const staff = await tokens(api).staff();
    // a natural idempotency key, as a careless client would choose it
    const registered = await call('POST', '/v1/subjects', staff, sent, { 'idempotency-key': `reg-${ZHANG.idNumber}` });
    expect(registered.status).toBe(201);
    const id = registered.body.subjectId;
    const writes = [
      await call('PATCH', `/v1/subjects/${id}/data/health`, staff, { set: { conditions: [ZHANG.condition, '高血压'] }, reason: 'update', purposeId: 'health-management' }),
      await call('POST', `/v1/subjects/${id}/consents`, staff, {
        purposeId: 'research',
        categories: ['health'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'app',
        guardian: { name: '张小红', relation: 'daughter' },
      }),
      await call('POST', `/v1/subjects/${id}/disclosures`, staff, {
        recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
        purposeId: 'health-management',
        categories: ['health'],
      }),
      await call('POST', `/v1/subjects/${id}/restrictions`, staff, { purposeIds: ['research'], reason: `${ZHANG.name} 要求暂停研究使用` }),
      await call('POST', `/v1/subjects/${id}/checkups`, staff, {
        visitDate: '2026-01-05',
        package: RECORDS.package,
        institution: RECORDS.institution,
        results: [{ code: 'CEA', name: RECORDS.indicator, value: 7.5, unit: 'ng/mL', referenceRange: { high: 5 } }],
        conclusions: [RECORDS.conclusion],
        purposeId: 'health-management',
      }),
      await call('POST', `/v1/subjects/${id}/service-records`, staff, {
        serviceDate: '2026-01-06',
        serviceType: 'consultation',
        content: RECORDS.service,
        outcome: RECORDS.outcome,
        purposeId: 'health-management',
      }),
      await call('POST', `/v1/subjects/${id}/follow-ups`, staff, { dueDate: '2026-12-01', channel: 'phone', note: RECORDS.followUp, purposeId: 'health-management' }),
      await call('POST', `/v1/subjects/${id}/complaints`, staff, {
        channel: 'phone',
        category: 'service_attitude',
        severity: 'medium',
        description: RECORDS.complaint,
        purposeId: 'health-management',
      }),
      await call('POST', `/v1/subjects/${id}/follow-up-plans`, staff, {
        every: 3,
        unit: 'months',
        startDate: '2026-12-01',
        channel: 'phone',
        reason: RECORDS.followUpPlan,
        purposeId: 'health-management',
      }),
    ];
    writes.push(
      await call('POST', `/v1/subjects/${id}/consents`, staff, {
        purposeId: 'health-management',
        categories: ['consumption'],
        separate: true,
        noticeVersion: 'v1',
        channel: 'app',
      }),
    );
    const ordered = await call('POST', `/v1/subjects/${id}/orders`, staff, {
      orderDate: '2026-01-07',
      items: [{ kind: 'service', code: 'GASTRO-1', name: RECORDS.orderItem, quantity: 1, unitPriceFen: 98_000 }],
      note: RECORDS.orderNote,
      purposeId: 'health-management',
    });
    const orderPath = `/v1/orders/${ordered.body.orderId}`;
    writes.push(ordered, await call('POST', `${orderPath}/pay`, staff, { paymentMethod: 'alipay', purposeId: 'health-management' }));
    writes.push(await call('POST', `${orderPath}/refunds`, staff, { amountFen: 98_000, reason: RECORDS.refundReason, purposeId: 'health-management' }));
    expect(writes.map((w) => w.status)).toEqual([200, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 200, 201]);
    // a message to the customer and a survey after its service, both delivered (issue #14 items 6, 9)
    const afterWrites = { 'x-ledger-min-position': String(Math.max(...writes.map((w) => w.body.position))) };
    const message = await call(
      'POST',
      `/v1/subjects/${id}/messages`,
      staff,
      { kind: 'checkup_reminder', subject: '复查提醒', body: RECORDS.message, purposeId: 'health-management' },
      afterWrites,
    );
    const questions = [
      { id: 'overall', kind: 'scale', text: '满意吗' },
      { id: 'comment', kind: 'text', text: '意见', required: false },
    ];
    const survey = await call('POST', '/v1/surveys', await tokens(api).admin(), { title: '满意度', questions });
    const dispatched = await call(
      'POST',
      `/v1/service-records/${writes[5].body.recordId}/survey`,
      staff,
      { surveyId: survey.body.surveyId, purposeId: 'health-management' },
      afterWrites,
    );
    const answered = await call('POST', `/v1/survey-responses/${dispatched.body.responseId}`, staff, { answers: { overall: 4, comment: RECORDS.surveyComment } });
    expect([message.status, dispatched.status, answered.status]).toEqual([201, 201, 200]);
    await call('GET', `/v1/subjects/${id}/messages`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': String(answered.body.position) });
    expect((await api.app.get(OutboxDispatcher).runOnce(api.clock())).sent).toHaveLength(2);
    let read = await call('GET', `/v1/subjects/${id}?reveal=contact,identity_document`, staff, undefined, { 'x-processing-purpose': 'health-management' });
    expect(read.body.data.identity.name).toBe(ZHANG.name); // the API does decrypt for authorised readers
    // searched as typed at the front desk, spaces and all
    const lastWrite = String(Math.max(...writes.map((w) => w.body.position)));
    const search = await call('GET', `/v1/subjects?phone=${encodeURIComponent(contact.phone)}`, staff, undefined, {
      'x-processing-purpose': 'health-management',
      'x-ledger-min-position': lastWrite,
    });
    expect(search.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([id]);
    read = await call('GET', `/v1/subjects/${id}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
    expect(read.status).toBe(200);
    const checkups = await call('GET', `/v1/subjects/${id}/checkups`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': lastWrite });
    expect(checkups.body.items[0].visit.institution).toBe(RECORDS.institution);
    const timeline = await call('GET', `/v1/subjects/${id}/timeline`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': lastWrite });
    expect(timeline.body.items.map((entry: { kind: string }) => entry.kind).sort()).toEqual(['checkup', 'complaint', 'follow_up', 'order', 'service', 'survey']);
    const complaints = await call('GET', `/v1/subjects/${id}/complaints`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': lastWrite });
    expect(complaints.body.items[0].description).toBe(RECORDS.complaint);
    // a second file of the same person (traditional script, same birth date and email): a duplicate candidate, then dismissed (issue #15)
    const twin = await call('POST', '/v1/subjects', staff, {
      ...sent,
      data: { identity: { ...identity, name: TWIN_NAME }, contact: { phone: '13900001111', email: contact.email } },
    });
    expect(twin.status).toBe(201);
    const duplicates = await call('GET', `/v1/duplicates?subjectId=${id}`, staff, undefined, {
      'x-processing-purpose': 'health-management',
      'x-ledger-min-position': String(twin.body.position),
    });
    expect(duplicates.body.items.map((item: { reasons: string[] }) => item.reasons)).toEqual([['email', 'name_variant_birth_date']]);
    expect((await call('POST', `/v1/duplicates/${id}/${twin.body.subjectId}/dismiss`, staff)).status).toBe(200);

    const owner = await api.database.ownerClient();
    // the profile read model too keeps its values sealed (issue #18): no table holds PI in clear
    const { rows: live } = await owner.query(`SELECT generation FROM projection_checkpoints WHERE name = 'subject_profile'`);
    const profileTable = `subject_profile__g${live[0].generation}`;
    const tables = await relations(owner);
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'ledger_events',
        'vault_subject_keys',
        'idempotency_keys',
        'subject_id_numbers',
        profileTable,
        'checkup_visits__g1',
        'complaints__g1',
        'outbox_messages__g1',
        'survey_responses__g1',
        // the reports' coarse facts: codes and flags opened from the sealed check-up and order, never their names
        'report_checkup_results__g1',
        'report_order_items__g1',
        'duplicate_subjects__g1',
        'duplicate_keys__g1',
        'duplicate_pairs__g1',
        'duplicate_dismissals__g1',
      ]),
    );
    // the scan finds what is in clear: the purpose every event names
    expect(await scan(owner, [{ schema: 'public', name: 'ledger_events' }], ['health-management'])).not.toEqual([]);
    expect(await scan(owner, tables, secrets)).toEqual([]);

    expect(api.logLines.length).toBeGreaterThan(5);
    expect(leaks(api.logLines.join('\n'), secrets)).toEqual([]);
  });
});
