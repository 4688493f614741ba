import type { Client } from 'pg';
import { piSealingOf } from '@pi-ledger/pii-vault/event-pi-declarations';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { residentId } from './support/resident-id';

/**
 * Canaries (issue #18, deliverable 3): every endpoint that takes personal information is driven
 * with a distinctive value in every PI-bearing string field; none may appear in `ledger_events`
 * (data and metadata as text), in a log line, or in any table: the read models keep their values
 * sealed too (deliverable 4). Strings that are
 * declared clear by design are sent with ordinary values and listed here with why:
 * - channel, reasonCode, verification method, purposes, notice versions: codes of the handler;
 * - a disclosure's recipient (name, contact): an organisation, kept for PIPL Art. 23 records;
 * - a legal hold's basis: a citation of a law or order (the DTO says "never PI");
 * - registry texts (purpose names, notice content): the handler's own texts.
 */
const C = {
  name: 'Cnryregname',
  email: 'cnry.regmail@example.cn',
  address: 'Cnryaddressline 9',
  employer: 'Cnryemployer Ltd',
  condition: 'Cnrycondition',
  guardian: 'Cnryguardianname',
  guardianRelation: 'Cnryguardianrel',
  patchEmail: 'cnry.patchmail@example.cn',
  allergy: 'Cnryallergy',
  secondGuardian: 'Cnrysecondguardian',
  restrictReason: 'Cnryrestrictreason',
  requesterName: 'Cnryrequestername',
  requesterRelation: 'Cnryrequesterrel',
  correctionEmail: 'cnry.correctmail@example.cn',
  correctionName: 'Cnrycorrectname',
  supplementTitle: 'Cnrysupplementtitle',
  evidence: 'Cnryevidenceref',
  rejectReason: 'Cnryrejectreason',
  extendReason: 'Cnryextendreason',
  otherName: 'Cnryothername',
  secondAddress: 'Cnrysecondaddress 7',
  tag: 'Cnrytag',
  remarks: 'Cnryremarks',
  mergeName: 'Cnrymergename',
  mergeGuardian: 'Cnrymergeguardian',
  mergeAllergy: 'Cnrymergeallergy',
} as const;
const CANARIES = Object.values(C);
const PHONE = '+8613987650123';
const LANDLINE = '+862161239876';
const ID_NUMBER = residentId('1975-03-09', 77, '310115');
const SECRETS = [...CANARIES, PHONE, PHONE.slice(3), LANDLINE, LANDLINE.slice(3), ID_NUMBER];
const HM = 'health-management';

const found = (text: string) => SECRETS.filter((secret) => text.toLowerCase().includes(secret.toLowerCase()));

describe('PI canaries: none outside the vault’s sealing and the read models', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let officer: string;
  let owner: Client;

  beforeAll(async () => {
    api = await startTestApi({ logLevel: 'debug' });
    call = jsonRequest(api);
    [staff, officer] = await Promise.all([tokens(api).staff(), tokens(api).compliance()]);
    owner = await api.database.ownerClient();
  });
  afterAll(async () => api.close());

  async function ok(token: string, method: string, path: string, body?: unknown) {
    const response = await call(method, path, token, body);
    if (response.status >= 300) throw new Error(`${method} ${path} → ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  const register = (name: string, guardian?: { name: string; relation: string }) =>
    ok(staff, 'POST', '/v1/subjects', {
      purposeId: HM,
      noticeVersion: 'v1',
      channel: 'front-desk',
      consents: [{ purposeId: HM, categories: ['health', 'identity_document'], separate: true, ...(guardian ? { guardian } : {}) }],
      data: {
        identity: { name, birthDate: '1975-03-09' },
        ...(name === C.name ? { identity_document: { type: 'resident_id', number: ID_NUMBER } } : {}),
        contact: { phone: PHONE, email: C.email, address: { province: '上海市', city: '上海市', district: '浦东新区', line: C.address } },
        employment: { employer: C.employer, title: '工程师' },
        health: { conditions: [C.condition] },
      },
    });

  it('drives every endpoint that takes PI with canaries; none is in the log, the logs or any table but the read models', async () => {
    const { subjectId } = await register(C.name, { name: C.guardian, relation: C.guardianRelation });
    await ok(staff, 'PATCH', `/v1/subjects/${subjectId}/data/contact`, { set: { email: C.patchEmail }, reason: 'update', purposeId: HM });
    await ok(staff, 'POST', `/v1/subjects/${subjectId}/data/health/allergies/items`, { item: C.allergy, purposeId: HM });
    // the customer file's lists, classification and lifecycle (issue #14)
    await ok(staff, 'PATCH', `/v1/subjects/${subjectId}/data/contact`, {
      set: { phones: [{ number: PHONE, primary: true }, { number: LANDLINE }], addresses: [{ type: 'work', divisionCode: '310115', line: C.secondAddress }] },
      reason: 'update',
      purposeId: HM,
    });
    await ok(staff, 'PATCH', `/v1/subjects/${subjectId}/data/customer_profile`, { set: { tier: 'gold', tags: [C.tag], remarks: C.remarks }, reason: 'update', purposeId: HM });
    await ok(staff, 'PUT', `/v1/subjects/${subjectId}/lifecycle`, { stage: 'dormant', purposeId: HM });
    // a bulk export filtered by PI (issue #15): the file holds the values, the ledger only the conditions' names
    const exported = await api.request('/v1/exports', {
      method: 'POST',
      headers: { authorization: `Bearer ${staff}`, 'content-type': 'application/json', 'x-ledger-min-position': String(await api.logHead()) },
      body: JSON.stringify({ purposeId: HM, filter: { tag: C.tag, phone: PHONE }, format: 'csv', reveal: ['contact'] }),
    });
    expect(exported.status).toBe(200);
    expect(await exported.text()).toContain(C.tag);
    const research = await ok(staff, 'POST', `/v1/subjects/${subjectId}/consents`, {
      purposeId: 'research',
      categories: ['health'],
      separate: true,
      noticeVersion: 'v1',
      channel: 'app',
      guardian: { name: C.secondGuardian, relation: 'son' },
    });
    await ok(staff, 'POST', `/v1/subjects/${subjectId}/disclosures`, { recipient: { name: '某某检验中心', contact: 'lab@example.cn' }, purposeId: HM, categories: ['health'] });
    const restriction = await ok(staff, 'POST', `/v1/subjects/${subjectId}/restrictions`, { purposeIds: ['research'], reason: C.restrictReason });
    await ok(staff, 'DELETE', `/v1/subjects/${subjectId}/restrictions/${restriction.restrictionId}`);

    // rights requests of every type, filed by staff for a next of kin (name and relation), verified with an evidence reference
    const requester = { kind: 'next_of_kin', name: C.requesterName, relation: C.requesterRelation };
    const file = async (type: string, details?: Record<string, unknown>) => {
      const { requestId } = await ok(staff, 'POST', '/v1/rights-requests', { subjectId, type, ...(details ? { details } : {}), channel: 'front-desk', requester });
      await ok(staff, 'POST', `/v1/rights-requests/${requestId}/verify`, { method: 'id_card_in_person', evidenceRef: C.evidence });
      return requestId as string;
    };
    const correction = await file('correction', {
      changes: [
        { category: 'contact', purposeId: HM, set: { email: C.correctionEmail } },
        { category: 'identity', purposeId: HM, set: { name: C.correctionName } },
      ],
    });
    const supplement = await file('supplement', { changes: [{ category: 'employment', purposeId: HM, set: { title: C.supplementTitle } }] });
    const others = [
      await file('access'),
      await file('copy'),
      await file('portability'),
      await file('explanation'),
      await file('restriction', { purposeIds: ['marketing'] }),
      await file('consent_withdrawal', { consentId: research.consentId }),
      await file('erasure', { categories: ['employment'] }),
      await file('account_closure'),
    ];
    const { dueAt } = await ok(officer, 'GET', `/v1/rights-requests/${correction}`);
    await ok(officer, 'POST', `/v1/rights-requests/${correction}/extend`, { reason: C.extendReason, dueAt: new Date(Date.parse(dueAt) + 3 * 86_400_000).toISOString() });
    for (const requestId of [correction, supplement, ...others.slice(0, 4)]) await ok(officer, 'POST', `/v1/rights-requests/${requestId}/fulfil`);
    await ok(officer, 'POST', `/v1/rights-requests/${others[4]}/reject`, { reasonCode: 'manifestly_unfounded', reason: C.rejectReason });
    // the request view opens what the log holds sealed
    const view = await ok(officer, 'GET', `/v1/rights-requests/${correction}`);
    expect(view.details.changes[0].set.email).toBe(C.correctionEmail);
    expect((await ok(officer, 'GET', `/v1/rights-requests/${others[4]}`)).rejection.reason).toBe(C.rejectReason);

    // a second subject, erased through a rights request: its canaries too
    const other = await register(C.otherName);
    // filing checks the profile read model: a read waits for it to hold the new subject
    expect((await call('GET', `/v1/subjects/${other.subjectId}`, staff, undefined, { 'x-processing-purpose': HM })).status).toBe(200);
    const { requestId: erasure } = await ok(staff, 'POST', '/v1/rights-requests', { subjectId: other.subjectId, type: 'erasure', channel: 'app', requester });
    await ok(staff, 'POST', `/v1/rights-requests/${erasure}/verify`, { method: 'id_card_in_person', evidenceRef: C.evidence });
    await ok(officer, 'POST', `/v1/rights-requests/${erasure}/fulfil`);
    // two files of one person merged (issue #15): the duplicate's values and guardian re-sealed under the survivor's keys
    const survivor = await register(C.mergeName);
    const duplicate = await register(C.mergeName, { name: C.mergeGuardian, relation: 'mother' });
    await ok(staff, 'POST', `/v1/subjects/${duplicate.subjectId}/data/health/allergies/items`, { item: C.mergeAllergy, purposeId: HM });
    await ok(staff, 'POST', `/v1/subjects/${survivor.subjectId}/merge`, { duplicateId: duplicate.subjectId, purposeId: HM });
    // legal holds take a citation, no PI: driven with an ordinary one
    await ok(officer, 'POST', '/v1/legal-holds', { subjectId, categories: ['health'], basis: '医疗机构病历管理规定 第29条', until: '2041-11-23' });

    const { rows: events } = await owner.query(`SELECT type, data::text AS data, metadata::text AS metadata FROM ledger_events`);
    expect(events.length).toBeGreaterThan(40);
    expect(events.flatMap((event) => found(`${event.data}\n${event.metadata}`).map((secret) => `${event.type}: ${secret}`))).toEqual([]);
    // every event type in the log declares where its PI sits
    expect([...new Set(events.map((event) => event.type))].filter((type) => !piSealingOf(type))).toEqual([]);

    const { rows: tables } = await owner.query<{ name: string }>(
      `SELECT format('%I.%I', n.nspname, c.relname) AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%' ORDER BY 1`,
    );
    const inTables: string[] = [];
    for (const { name } of tables) {
      const { rows } = await owner.query(`SELECT t::text AS row FROM ${name} t`);
      for (const row of rows) for (const secret of found(row.row)) inTables.push(`${name}: ${secret}`);
    }
    expect(inTables).toEqual([]);

    expect(api.logLines.length).toBeGreaterThan(20);
    expect(found(api.logLines.join('\n'))).toEqual([]);
  });
});
