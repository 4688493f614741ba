import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration, ZHANG } from './support/realistic-subject';


describe('no plaintext PI outside the read models', () => {
  let api: TestApi;
  beforeAll(async () => (api = await startTestApi({ logLevel: 'debug' })));
  afterAll(async () => api.close());

  it('registers, changes and reads a subject, then finds none of its PI in any table or log line', async () => {
    const call = jsonRequest(api);
    const staff = await tokens(api).staff();
    // a natural idempotency key, as a careless client would choose it
    const registered = await call('POST', '/v1/subjects', staff, registration(), { 'idempotency-key': `reg-${ZHANG.idNumber}` });
    expect(registered.status).toBe(201);
    const id = registered.body.subjectId;
    const writes = [
      await call('PATCH', `/v1/subjects/${id}/data/health`, staff, { set: { conditions: [ZHANG.condition, '高血压'] }, reason: 'update', purposeId: 'health-management' }),
      await call('POST', `/v1/subjects/${id}/consents`, staff, { purposeId: 'research', categories: ['health'], separate: true, noticeVersion: 'v1', channel: 'app', guardian: { name: '张小红', relation: 'daughter' } }),
      await call('POST', `/v1/subjects/${id}/disclosures`, staff, { recipient: { name: '某某检验中心', contact: 'lab@example.cn' }, purposeId: 'health-management', categories: ['health'] }),
      await call('POST', `/v1/subjects/${id}/restrictions`, staff, { purposeIds: ['research'], reason: `${ZHANG.name} 要求暂停研究使用` }),
    ];
    expect(writes.map((w) => w.status)).toEqual([200, 201, 201, 201]);
    let read = await call('GET', `/v1/subjects/${id}?reveal=contact,identity_document`, staff, undefined, { 'x-processing-purpose': 'health-management' });
    expect(read.body.data.identity.name).toBe(ZHANG.name); // the API does decrypt for authorised readers
    const search = await call('GET', `/v1/subjects?phone=${encodeURIComponent(ZHANG.phone)}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
    expect(search.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([id]);
    read = await call('GET', `/v1/subjects/${id}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
    expect(read.status).toBe(200);

    const secrets = [ZHANG.name, ZHANG.phone, ZHANG.phone.slice(3), ZHANG.idNumber, ZHANG.condition, '青霉素', 'zhang.wei@example.cn', '张小红'];
    const owner = await api.database.ownerClient();
    // the one table allowed to hold PI in clear: the LIVE generation of the subject profile
    const { rows: live } = await owner.query(`SELECT generation FROM projection_checkpoints WHERE name = 'subject_profile'`);
    const profileTable = `subject_profile__g${live[0].generation}`;
    const tables = (await owner.query(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)).rows.map((r) => r.table_name as string);
    expect(tables).toEqual(expect.arrayContaining(['ledger_events', 'vault_subject_keys', 'idempotency_keys', 'subject_id_numbers']));
    const found: string[] = [];
    for (const table of tables.filter((t) => t !== profileTable)) {
      const { rows } = await owner.query(`SELECT t::text AS row FROM ${owner.escapeIdentifier(table)} t`);
      for (const { row } of rows) for (const secret of secrets) if ((row as string).includes(secret)) found.push(`${table}: ${secret}`);
    }
    expect(found).toEqual([]);

    const logs = api.logLines.join('\n');
    expect(api.logLines.length).toBeGreaterThan(5);
    expect(secrets.filter((secret) => logs.includes(secret))).toEqual([]);
  });
});
