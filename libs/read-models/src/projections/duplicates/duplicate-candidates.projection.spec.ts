import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { JsonObject, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { VaultPen } from '@pi-ledger/pii-vault/pii-vault.testing';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { duplicatePairStream, pairOf } from '@pi-ledger/ledger-domain/duplicates/duplicate-pair';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { applyEvents, applyTwice, recordedEvent } from '../projection.testing';
import { DuplicateCandidatesProjection, MAX_SHARING, SUBJECT_MERGED, SUBJECT_MERGED_INTO } from './duplicate-candidates.projection';
import { DuplicateCandidateQueries } from './duplicate-candidates.queries';
import { matchScore, nameVariantKey } from './match-keys';

const HM = 'health-management';
const AT = '2026-03-01T09:00:00.000Z';

interface Person {
  name?: string;
  birthDate?: string;
  phone?: string;
  email?: string;
  idNumber?: string;
}

describe('nameVariantKey', () => {
  it('agrees across full-width forms, spaces, middle dots and traditional script', () => {
    expect(nameVariantKey('張偉')).toBe(nameVariantKey('张伟'));
    expect(nameVariantKey('张 伟')).toBe(nameVariantKey('张伟'));
    expect(nameVariantKey('ＺＨＡＮＧ　Ｗｅｉ')).toBe(nameVariantKey('zhang wei'));
    expect(nameVariantKey('阿依古丽·买买提')).toBe(nameVariantKey('阿依古丽•買買提'));
    expect(nameVariantKey('歐陽鍾')).toBe(nameVariantKey('欧阳钟'));
    expect(nameVariantKey('张伟')).not.toBe(nameVariantKey('张玮'));
  });
});

describe('DuplicateCandidatesProjection (PostgreSQL)', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let vault: PiiVault;
  let codec: SubjectEventCodec;
  let projection: DuplicateCandidatesProjection;
  let queries: DuplicateCandidateQueries;
  const versions = new Map<string, number>();

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    vault = await pen.open(randomBytes(32));
    codec = new SubjectEventCodec(vault);
    projection = new DuplicateCandidatesProjection(vault);
    queries = new DuplicateCandidateQueries(database.pool);
  });
  afterAll(async () => {
    await pen.closeAll();
    await database.close();
  });

  /** The subject's next event, sealed as the command side seals it. */
  async function next(event: SubjectEvent): Promise<RecordedEvent> {
    const subjectId = event.data.subjectId;
    const version = (versions.get(subjectId) ?? 0) + 1;
    versions.set(subjectId, version);
    const eventId = uuidv7();
    const sealed = await codec.seal(event, eventId);
    return recordedEvent(event.type, sealed.data as unknown as JsonObject, { streamId: `subject-${subjectId}`, streamVersion: version, eventId });
  }

  async function registration(subjectId: string, person: Person): Promise<RecordedEvent[]> {
    const collected = (category: 'identity' | 'contact' | 'identity_document', fields: Record<string, unknown>) =>
      next({ type: 'DataCollected', data: { subjectId, category, purposeId: HM, fields, collectedAt: AT } });
    const events = [
      await next({
        type: 'SubjectRegistered',
        data: { subjectId, purposeId: HM, legalBasis: 'contract', noticeVersion: 'v1', channel: 'front-desk', minor: false, registeredAt: AT },
      }),
    ];
    if (person.name || person.birthDate)
      events.push(await collected('identity', { ...(person.name ? { name: person.name } : {}), ...(person.birthDate ? { birthDate: person.birthDate } : {}) }));
    if (person.phone || person.email)
      events.push(await collected('contact', { ...(person.phone ? { phone: person.phone } : {}), ...(person.email ? { email: person.email } : {}) }));
    if (person.idNumber) events.push(await collected('identity_document', { type: 'resident_id', number: person.idNumber }));
    // a category nothing is matched by: never opened here
    events.push(await next({ type: 'DataCollected', data: { subjectId, category: 'health', purposeId: HM, fields: { conditions: ['高血压'] }, collectedAt: AT } }));
    return events;
  }

  async function register(person: Person): Promise<string> {
    const subjectId = uuidv7();
    const { once, twice } = await applyTwice(database.pool, projection, await registration(subjectId, person));
    expect(twice).toEqual(once);
    return subjectId;
  }

  const change = async (subjectId: string, category: 'identity' | 'contact' | 'identity_document', set: Record<string, unknown>) =>
    applyEvents(database.pool, projection, [
      await next({ type: 'DataCorrected', data: { subjectId, category, purposeId: HM, reason: 'correction', set, changedAt: AT } } as SubjectEvent),
    ]);
  const pairsOf = async (subjectId: string) => (await queries.page({ subjectId, limit: 100 })).map(({ subjectIds, reasons, score }) => ({ subjectIds, reasons, score }));
  const pair = (a: string, b: string, reasons: string[]) => ({ subjectIds: pairOf(a, b), reasons, score: matchScore(reasons as never) });

  it('pairs two customers sharing a phone, in any spelling', async () => {
    const a = await register({ name: '李娜', birthDate: '1990-01-01', phone: '+8613911112222' });
    const b = await register({ name: '王芳', birthDate: '1985-02-02', phone: '139 1111 2222' });
    expect(await pairsOf(a)).toEqual([pair(a, b, ['phone'])]);
    expect(await pairsOf(b)).toEqual([pair(a, b, ['phone'])]);
  });

  it('pairs by email (any case), ID number, and name with birth date; the birth date may come from the ID number', async () => {
    const a = await register({ name: '赵磊', birthDate: '1980-05-01', email: 'Zhao.Lei@Example.cn', idNumber: '110101198005010018' });
    const b = await register({ name: '赵 磊', email: 'zhao.lei@example.cn', idNumber: '110101198005010018' });
    expect(await pairsOf(a)).toEqual([pair(a, b, ['id_number', 'email', 'name_birth_date'])]);
    expect((await pairsOf(a))[0].score).toBe(100);
  });

  it('pairs a traditional-script, full-width spelling of the name with the same birth date as a name variant', async () => {
    const a = await register({ name: '陈伟·强', birthDate: '1975-07-07' });
    const b = await register({ name: '陳偉強', birthDate: '1975-07-07' });
    const c = await register({ name: '陈伟强', birthDate: '1975-07-08' });
    expect(await pairsOf(a)).toEqual([pair(a, b, ['name_variant_birth_date'])]);
    expect(await pairsOf(c)).toEqual([]);
  });

  it('keeps no value in clear: keys are blind indexes, the state is sealed', async () => {
    const a = await register({ name: '钱多多', birthDate: '1970-03-03', phone: '13722223333', email: 'qian@example.cn', idNumber: '110101197003030017' });
    await register({ name: '钱多多', birthDate: '1970-03-03' });
    for (const table of projection.tables) {
      const text = JSON.stringify((await database.pool.query(`SELECT * FROM ${table}`)).rows);
      expect(text).not.toMatch(/钱多多|13722223333|qian@|110101197003030017|1970-03-03/);
    }
    expect((await database.pool.query(`SELECT data FROM duplicate_subjects WHERE subject_id = $1`, [a])).rows[0].data).toEqual({
      identity: expect.objectContaining({ v: 1 }),
      contact: expect.objectContaining({ v: 1 }),
      identity_document: expect.objectContaining({ v: 1 }),
    });
  });

  it('drops the pair when the data stops matching, and finds it again when it matches again', async () => {
    const a = await register({ name: '孙丽', birthDate: '1991-01-01', phone: '13633334444' });
    const b = await register({ name: '周杰', birthDate: '1992-02-02', phone: '13633334444' });
    await change(b, 'contact', { phone: '13633335555' });
    expect(await pairsOf(a)).toEqual([]);
    await change(b, 'identity', { name: '孫麗', birthDate: '1991-01-01' });
    expect(await pairsOf(a)).toEqual([pair(a, b, ['name_variant_birth_date'])]);
  });

  it('never proposes a dismissed pair again, whatever changes', async () => {
    const a = await register({ name: '吴敏', birthDate: '1993-03-03', phone: '13544445555' });
    const b = await register({ name: '郑敏', birthDate: '1994-04-04', phone: '13544445555' });
    const [x, y] = pairOf(a, b);
    const dismissed = recordedEvent(
      'DuplicatePairDismissed',
      { subjectIds: [x, y], dismissedBy: 'desk-1', dismissedAt: AT },
      { streamId: duplicatePairStream(a, b), streamVersion: 1 },
    );
    const { once, twice } = await applyTwice(database.pool, projection, [dismissed]);
    expect(twice).toEqual(once);
    expect(await pairsOf(a)).toEqual([]);
    await change(b, 'identity', { name: '吴敏', birthDate: '1993-03-03' });
    expect(await pairsOf(a)).toEqual([]);
  });

  it('forgets an erased customer: its keys, pairs and dismissals; later events do not bring it back', async () => {
    const a = await register({ name: '冯刚', birthDate: '1960-06-06', phone: '13455556666' });
    const b = await register({ name: '冯刚', birthDate: '1960-06-06' });
    const c = await register({ name: '陈刚', birthDate: '1961-06-06', phone: '13455556666' });
    const [x, y] = pairOf(a, c);
    await applyEvents(database.pool, projection, [
      recordedEvent('DuplicatePairDismissed', { subjectIds: [x, y], dismissedBy: 'desk-1', dismissedAt: AT }, { streamId: duplicatePairStream(a, c), streamVersion: 1 }),
    ]);
    expect(await pairsOf(a)).toEqual([pair(a, b, ['name_birth_date'])]);
    await applyEvents(database.pool, projection, [
      await next({ type: 'SubjectErased', data: { subjectId: a, erasedCategories: ['identity', 'contact', 'health'], retained: [], whole: true, erasedAt: AT } }),
    ]);
    expect(await pairsOf(b)).toEqual([]);
    for (const table of ['duplicate_keys', 'duplicate_pairs', 'duplicate_dismissals']) {
      expect(
        (await database.pool.query(`SELECT count(*)::int AS n FROM ${table} WHERE $1 IN (${table === 'duplicate_keys' ? 'subject_id' : 'subject_a, subject_b'})`, [a])).rows[0].n,
      ).toBe(0);
    }
    expect((await database.pool.query(`SELECT status, data FROM duplicate_subjects WHERE subject_id = $1`, [a])).rows[0]).toEqual({ status: 'ended', data: {} });
    await change(a, 'identity', { name: '冯刚', birthDate: '1960-06-06' });
    expect(await pairsOf(b)).toEqual([]);
  });

  it('closes the pairs of a customer merged into another (SubjectMerged, SubjectMergedInto)', async () => {
    const survivor = await register({ name: '何静', birthDate: '1988-08-08', phone: '13366667777' });
    const duplicate = await register({ name: '何静', birthDate: '1988-08-08', phone: '13366667777' });
    expect(await pairsOf(survivor)).toEqual([pair(survivor, duplicate, ['phone', 'name_birth_date'])]);
    const merged = recordedEvent(SUBJECT_MERGED, { subjectId: survivor, duplicateId: duplicate, mergedAt: AT }, { streamId: `subject-${survivor}`, streamVersion: 99 });
    await applyEvents(database.pool, projection, [merged]);
    expect(await pairsOf(survivor)).toEqual([]);
    // the duplicate's own stream closed (SubjectMergedInto) does the same, from the other side
    const third = await register({ name: '何静', birthDate: '1988-08-08' });
    expect(await pairsOf(third)).toEqual([pair(survivor, third, ['name_birth_date'])]);
    const closed = recordedEvent(SUBJECT_MERGED_INTO, { subjectId: third, survivorId: survivor, mergedAt: AT }, { streamId: `subject-${third}`, streamVersion: 99 });
    await applyEvents(database.pool, projection, [closed]);
    expect(await pairsOf(survivor)).toEqual([]);
  });

  it('ignores a value shared by more than MAX_SHARING customers (a placeholder), and lists pairs best first with a keyset', async () => {
    const phone = '13000000000';
    const ids: string[] = [];
    for (let i = 0; i <= MAX_SHARING + 1; i++) ids.push(await register({ phone }));
    const last = ids[ids.length - 1];
    expect(await pairsOf(last)).toEqual([]);
    const first = await queries.page({ reason: 'phone', limit: 2 });
    expect(first.map((row) => row.score)).toEqual([50, 50]);
    const after = await queries.page({ reason: 'phone', limit: 2, after: { score: first[1].score, a: first[1].subjectIds[0], b: first[1].subjectIds[1] } });
    expect(after[0].subjectIds.join()).not.toBe(first[1].subjectIds.join());
    const best = await queries.page({ limit: 1 });
    expect(best[0].score).toBe(100);
  });
});
