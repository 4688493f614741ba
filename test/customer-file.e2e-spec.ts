import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import type { EventStore } from '../libs/event-store/src/event-store.port';
import type { SubjectEvent } from '../libs/ledger-domain/src/subject/subject.events';
import { SubjectCommandsService } from '../apps/ledger-api/src/subjects/subject-commands.service';
import { TokenService } from '../libs/access-control/src/token.service';
import { customerRecordsHarness } from './support/customer-records';
import { startTestApi, TestApi } from './support/test-api';
import { TEST_NOW } from './support/test-clock';
import { tokens } from './support/test-tokens';

/**
 * The customer file over HTTP (issue #14 item 1): several phones and addresses, the centre's
 * classification, the lifecycle stage; search by any phone; files written before the lists.
 */
const HM = 'health-management';
const PHONES = [{ number: '138 1234 5678', primary: true }, { number: '010-8765 4321', type: 'landline' }, { number: '+852 9123 4567' }];
const ADDRESSES = [
  { type: 'home', province: '广东', city: '深圳市', district: '南山区', line: '科技园路 1 号' },
  { type: 'work', divisionCode: '110105', line: '建国路 88 号', primary: true },
];
const CLASSIFICATION = { customerType: 'vip', tier: 'gold', tags: ['年度体检', '高血压随访'], remarks: '喜欢上午来' };

describe('the customer file over HTTP', () => {
  let api: TestApi;
  let harness: Awaited<ReturnType<typeof customerRecordsHarness>>;
  let subjectId: string;
  let customerNumber: string;

  beforeAll(async () => {
    api = await startTestApi();
    harness = await customerRecordsHarness(api);
  });

  afterAll(() => api.close());

  const manager = () => api.app.get(TokenService).sign({ sub: 'manager-1', roles: ['manager'], departmentId: harness.departmentId });

  const count = async () => (await api.database.pool.query('SELECT count(*)::int AS n FROM ledger_events')).rows[0].n as number;
  const fresh = async () => ({ 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
  const search = async (filters: Record<string, unknown>, token = harness.as.front_desk) => harness.call('POST', '/v1/subjects/search', token, filters, await fresh());
  /** The time of a change on the test's clock, which starts at TEST_NOW and runs. */
  const today = expect.stringMatching(new RegExp(`^${TEST_NOW.slice(0, 13)}`));

  it('registers a customer with several phones and addresses, a classification and a first stage', async () => {
    const registered = await harness.call('POST', '/v1/subjects', harness.as.front_desk, {
      purposeId: HM,
      noticeVersion: 'v1',
      channel: 'front-desk',
      consents: [],
      lifecycleStage: 'prospect',
      data: { identity: { name: '陈静' }, contact: { phones: PHONES, addresses: ADDRESSES }, customer_profile: CLASSIFICATION },
    });
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    customerNumber = registered.body.customerNumber;
    const assigned = await harness.call('PUT', `/v1/subjects/${subjectId}/assignment`, harness.as.front_desk, {
      departmentId: harness.departmentId,
      healthManagerId: 'health_manager-1',
    });
    expect(assigned.status).toBe(200);

    const read = await harness.read(`/v1/subjects/${subjectId}`, harness.as.front_desk);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({
      customerNumber,
      assignment: { departmentId: harness.departmentId, healthManagerId: 'health_manager-1' },
      lifecycle: { stage: 'prospect', changedAt: today },
      data: { customer_profile: CLASSIFICATION },
    });
    // masked: every number, and the primary's copy in `phone` for older clients
    expect(read.body.data.contact.phones).toEqual([
      { number: '+86138****5678', type: 'mobile', primary: true },
      { number: '+8610****4321', type: 'landline' },
      { number: '+852****4567', type: 'foreign' },
    ]);
    expect(read.body.data.contact.phone).toBe('+86138****5678');
    // the code derived from the names, the names as the division table has them
    expect(read.body.data.contact.addresses).toEqual([
      { type: 'home', divisionCode: '440305', province: '广东省', city: '深圳市', district: '南山区', line: '科技园路 1 号' },
      { type: 'work', divisionCode: '110105', province: '北京市', city: '北京市', district: '朝阳区', line: '建国路 88 号', primary: true },
    ]);
    expect(read.body.data.contact.address).toEqual({ province: '北京市', city: '北京市', district: '朝阳区', line: '建国路 88 号' });

    const revealed = await harness.call('GET', `/v1/subjects/${subjectId}?reveal=contact`, harness.as.front_desk, undefined, await fresh());
    expect(revealed.body.data.contact.phones.map((phone: { number: string }) => phone.number)).toEqual(['+8613812345678', '+861087654321', '+85291234567']);
  });

  it('finds the customer by its second phone typed another way, and shows type, tier, tags, stage, number and assignment', async () => {
    const found = await search({ phone: '(010) 8765-4321' });
    expect(found.status).toBe(200);
    expect(found.body.items).toEqual([
      {
        subjectId,
        customerNumber,
        name: '陈静',
        phone: '+86138****5678',
        status: 'active',
        updatedAt: expect.any(String),
        assignment: { departmentId: harness.departmentId, healthManagerId: 'health_manager-1' },
        lifecycle: { stage: 'prospect', changedAt: today },
        customerType: 'vip',
        tier: 'gold',
        tags: CLASSIFICATION.tags,
      },
    ]);
    expect((await search({ phone: '+85291234567' })).body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([subjectId]);
  });

  it('filters by tier, type, tag and stage', async () => {
    const ids = async (filters: Record<string, unknown>) => (await search(filters)).body.items.map((item: { subjectId: string }) => item.subjectId);
    expect(await ids({ tier: 'gold', lifecycleStage: 'prospect' })).toEqual([subjectId]);
    expect(await ids({ tag: ' 年度体检 ' })).toEqual([subjectId]);
    expect(await ids({ customerType: 'individual', tier: 'gold' })).toEqual([]);
    expect(await ids({ lifecycleStage: 'dormant', departmentId: harness.departmentId })).toEqual([]);
    const bad = await harness.call('GET', '/v1/subjects?tier=bronze', harness.as.front_desk, undefined, { 'x-processing-purpose': HM });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('tier');
  });

  it('a correction replaces the phones: the old second phone finds nothing, the new one finds the customer', async () => {
    const corrected = await harness.call('PATCH', `/v1/subjects/${subjectId}/data/contact`, harness.as.front_desk, {
      set: { phones: [{ number: '13812345678', primary: true }, { number: '021 6123 4567' }] },
      reason: 'correction',
      purposeId: HM,
    });
    expect(corrected.status).toBe(200);
    expect((await search({ phone: '01087654321' })).body.items).toEqual([]);
    expect((await search({ phone: '+86 21 6123 4567' })).body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([subjectId]);
  });

  it.each([
    [{ addresses: [{ type: 'home', divisionCode: '440305', district: '福田区' }] }, 'set.addresses[0].district'],
    [{ addresses: [{ type: 'home', divisionCode: '999999' }] }, 'set.addresses[0].divisionCode'],
    [{ addresses: [{ type: 'home', province: '广东省', city: '杭州市' }] }, 'set.addresses[0].city'],
    [{ addresses: [{ province: '广东省' }] }, 'set.addresses[0].type'],
    [{ phones: [{ number: '13812345678' }, { number: '95588-1' }] }, 'set.phones[1].number'],
    [{ phones: [{ number: '13812345678', type: 'landline' }] }, 'set.phones[0].type'],
    [
      {
        phones: [
          { number: '13812345678', primary: true },
          { number: '13900001111', primary: true },
        ],
      },
      'set.phones[1].primary',
    ],
    [{ phones: [{ number: '13812345678' }, { number: '+86 138 1234 5678' }] }, 'set.phones[1].number'],
    [{ phone: '13900001111' }, 'set.phone'],
  ])('refuses %j with 400 naming %s, writes nothing and echoes no value', async (set, path) => {
    const before = await count();
    const refused = await harness.call('PATCH', `/v1/subjects/${subjectId}/data/contact`, harness.as.front_desk, { set, reason: 'update', purposeId: HM });
    expect(refused.status).toBe(400);
    expect(refused.body.code).toBe('validation-failed');
    expect(refused.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    const text = JSON.stringify(refused.body);
    for (const value of ['13812345678', '1381234', '95588', '福田区', '杭州市', '13900001111']) expect(text).not.toContain(value);
    expect(await count()).toBe(before);
  });

  it('refuses repeated tags and unknown tiers at registration, naming the field', async () => {
    const refused = await harness.call('POST', '/v1/subjects', harness.as.front_desk, {
      purposeId: HM,
      noticeVersion: 'v1',
      channel: 'front-desk',
      data: { identity: { name: '周宁' }, customer_profile: { tier: 'bronze', tags: ['体检', ' 体检'] } },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.errors.map((error: { path: string }) => error.path)).toEqual(['data.customer_profile.tier']);
    const repeated = await harness.call('POST', '/v1/subjects', harness.as.front_desk, {
      purposeId: HM,
      noticeVersion: 'v1',
      channel: 'front-desk',
      data: { identity: { name: '周宁' }, customer_profile: { tags: ['体检', ' 体检'] } },
    });
    expect(repeated.status).toBe(400);
    expect(repeated.body.errors).toEqual([{ path: 'data.customer_profile.tags[1]', message: 'repeats tags[0]' }]);
  });

  describe('lifecycle', () => {
    it('moves prospect → active → dormant, each an event with its time, and refuses a move the stages do not allow', async () => {
      const active = await harness.call('PUT', `/v1/subjects/${subjectId}/lifecycle`, harness.as.customer_service, { stage: 'active', purposeId: HM });
      expect(active.status).toBe(200);
      expect(active.body).toMatchObject({ subjectId, lifecycle: { stage: 'active', changedAt: today } });
      expect(active.headers.get('etag')).toBe(`"${active.body.version}"`);
      const again = await harness.call('PUT', `/v1/subjects/${subjectId}/lifecycle`, harness.as.customer_service, { stage: 'active', purposeId: HM });
      expect(again.body.version).toBe(active.body.version); // at that stage already: nothing recorded
      const dormant = await harness.call(
        'PUT',
        `/v1/subjects/${subjectId}/lifecycle`,
        harness.as.health_manager,
        { stage: 'dormant', purposeId: HM },
        { 'if-match': `"${active.body.version}"` },
      );
      expect(dormant.status).toBe(200);
      const refused = await harness.call('PUT', `/v1/subjects/${subjectId}/lifecycle`, harness.as.health_manager, { stage: 'prospect', purposeId: HM });
      expect(refused.status).toBe(409);
      expect(refused.body).toMatchObject({ code: 'lifecycle-transition-not-allowed', from: 'dormant', to: 'prospect', allowed: ['active', 'churned'] });
      const stale = await harness.call(
        'PUT',
        `/v1/subjects/${subjectId}/lifecycle`,
        harness.as.health_manager,
        { stage: 'churned', purposeId: HM },
        { 'if-match': `"${active.body.version}"` },
      );
      expect(stale.status).toBe(412);

      const shown = await harness.call('GET', `/v1/subjects/${subjectId}/lifecycle`, harness.as.front_desk);
      expect(shown.body).toEqual({ subjectId, lifecycle: { stage: 'dormant', changedAt: today }, version: dormant.body.version });
      expect((await search({ lifecycleStage: 'dormant' })).body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([subjectId]);
      const { rows } = await api.database.pool.query(`SELECT data, metadata FROM ledger_events WHERE stream_id = $1 AND type = 'LifecycleStageChanged' ORDER BY stream_version`, [
        `subject-${subjectId}`,
      ]);
      expect(rows.map((row) => [row.data.from, row.data.to, row.metadata.actor, row.metadata.purposeId])).toEqual([
        [null, 'prospect', 'front_desk-1', HM],
        ['prospect', 'active', 'customer_service-1', HM],
        ['active', 'dormant', 'health_manager-1', HM],
      ]);
    });

    it('refuses a purpose that does not cover customer_profile, and roles without the category', async () => {
      const marketing = await harness.call('PUT', `/v1/subjects/${subjectId}/lifecycle`, harness.as.front_desk, { stage: 'active', purposeId: 'marketing' });
      expect(marketing.status).toBe(422);
      expect(marketing.body.code).toBe('category-not-in-purpose');
      const asManager = await harness.call('PUT', `/v1/subjects/${subjectId}/lifecycle`, await manager(), { stage: 'active', purposeId: HM });
      expect(asManager.status).toBe(403);
    });
  });

  describe('files written before several phones and addresses', () => {
    let olderId: string;
    const OLD_PHONE = '+8613700002222';

    it('reads the single phone and address an older release wrote, straight in the event store', async () => {
      const registered = await harness.call('POST', '/v1/subjects', harness.as.front_desk, {
        purposeId: HM,
        noticeVersion: 'v1',
        channel: 'front-desk',
        data: { identity: { name: '林涛' } },
      });
      olderId = registered.body.subjectId;
      await harness.call('PUT', `/v1/subjects/${olderId}/assignment`, harness.as.front_desk, { departmentId: harness.departmentId });
      // the shape of DataCollected for contact before this release: `phone` and `address`, sealed as the codec seals them
      const store = api.app.get<EventStore>(EVENT_STORE);
      const stream = `subject-${olderId}`;
      const eventId = uuidv7();
      const older: SubjectEvent = {
        type: 'DataCollected',
        data: {
          subjectId: olderId,
          category: 'contact',
          purposeId: HM,
          fields: { phone: OLD_PHONE, address: { province: '上海市', district: '浦东新区', line: '世纪大道 100 号' } },
          collectedAt: new Date(Date.parse(TEST_NOW) + 1000).toISOString(),
        },
      };
      const [sealed] = await api.app.get(SubjectCommandsService).codec.sealAll([older], [eventId]);
      expect(JSON.stringify(sealed)).not.toContain(OLD_PHONE.slice(3));
      await store.appendToStream(
        stream,
        [{ eventId, type: sealed.type, data: sealed.data, metadata: { actor: 'older-release', roles: ['staff'], purposeId: HM, legalBasis: 'contract', correlationId: uuidv7() } }],
        {
          expectedVersion: await store.streamVersion(stream),
        },
      );

      const read = await harness.read(`/v1/subjects/${olderId}?reveal=contact`, harness.as.front_desk);
      expect(read.status).toBe(200);
      expect(read.body.data.contact).toEqual({
        phones: [{ number: OLD_PHONE, type: 'mobile', primary: true }],
        phone: OLD_PHONE,
        addresses: [{ type: 'other', province: '上海市', district: '浦东新区', line: '世纪大道 100 号', primary: true }],
        address: { province: '上海市', district: '浦东新区', line: '世纪大道 100 号' },
      });
      expect((await search({ phone: '137 0000 2222' })).body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([olderId]);
    });

    it('setting the lists removes the single values in the same event; the old phone then finds nothing', async () => {
      const changed = await harness.call('PATCH', `/v1/subjects/${olderId}/data/contact`, harness.as.front_desk, {
        set: { phones: [{ number: '13900003333' }], addresses: [{ type: 'home', divisionCode: '310115', line: '世纪大道 100 号' }] },
        reason: 'update',
        purposeId: HM,
      });
      expect(changed.status).toBe(200);
      const { rows } = await api.database.pool.query(`SELECT data FROM ledger_events WHERE stream_id = $1 AND type = 'DataUpdated'`, [`subject-${olderId}`]);
      expect(Object.keys(rows[0].data.set).sort()).toEqual(['address', 'addresses', 'phone', 'phones']);
      expect([rows[0].data.set.phone, rows[0].data.set.address]).toEqual([null, null]);
      const read = await harness.read(`/v1/subjects/${olderId}`, harness.as.front_desk);
      expect(read.body.data.contact.phones).toEqual([{ number: '+86139****3333', type: 'mobile' }]);
      expect(read.body.data.contact.addresses).toEqual([
        { type: 'home', divisionCode: '310115', province: '上海市', city: '上海市', district: '浦东新区', line: '世纪大道 100 号' },
      ]);
      expect((await search({ phone: OLD_PHONE })).body.items).toEqual([]);
    });

    it('masks the phone lists in a history read like the profile does', async () => {
      const history = await harness.call('GET', `/v1/subjects/${olderId}/history`, await tokens(api).compliance(), undefined, await fresh());
      expect(history.status).toBe(200);
      const phones = history.body.find((entry: { field: string }) => entry.field === 'phones');
      expect(phones.value).toEqual([{ number: '+86139****3333', type: 'mobile' }]);
      expect(JSON.stringify(history.body)).not.toContain('13900003333');
      expect(JSON.stringify(history.body)).not.toContain(OLD_PHONE);
    });
  });

  describe('per role', () => {
    it('customer service reads the lists masked; a manager reads no customer', async () => {
      const read = await harness.read(`/v1/subjects/${subjectId}`, harness.as.customer_service);
      expect(read.status).toBe(200);
      expect(read.body.data.contact.phones.every((phone: { number: string }) => phone.number.includes('****'))).toBe(true);
      expect(read.body.data.customer_profile).toMatchObject({ tier: 'gold' });
      expect((await harness.read(`/v1/subjects/${subjectId}`, await manager())).status).toBe(403);
    });

    it('a role the matrix does not let read customer_profile sees neither the classification nor can search by it', async () => {
      const admin = await tokens(api).admin();
      const narrowed = await harness.call('PUT', '/v1/access-matrix/customer_service', admin, {
        read: ['identity', 'contact', 'service_interactions'],
        write: ['identity', 'contact', 'service_interactions'],
      });
      expect(narrowed.status).toBe(200);
      const read = await harness.read(`/v1/subjects/${subjectId}`, harness.as.customer_service);
      expect(read.body.data.customer_profile).toBeUndefined();
      const found = await search({ phone: '13812345678' }, harness.as.customer_service);
      expect(found.body.items).toEqual([expect.not.objectContaining({ tier: expect.anything() })]);
      expect(found.body.items[0].lifecycle).toEqual({ stage: 'dormant', changedAt: today });
      expect((await search({ tier: 'gold' }, harness.as.customer_service)).body.items).toEqual([]);
      const write = await harness.call('PUT', `/v1/subjects/${subjectId}/lifecycle`, harness.as.customer_service, { stage: 'active', purposeId: HM });
      expect(write.status).toBe(403);
      expect(write.body).toMatchObject({ code: 'category-not-permitted', category: 'customer_profile' });
    });
  });
});
