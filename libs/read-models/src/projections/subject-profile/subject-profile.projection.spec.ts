import { isEncryptedValue } from '@pi-ledger/pii-vault/pii-vault';
import { openProfileData } from './profile-sealing';
import { namePrefixIndexes } from './subject-profile.row';
import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { JsonObject, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { countingStatements, VaultPen } from '@pi-ledger/pii-vault/pii-vault.testing';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { applyEvents, applyTwice, recordedEvent } from '../projection.testing';
import { SubjectProfileProjection } from './subject-profile.projection';
import { SubjectProfileQueries } from './subject-profile.queries';

describe('SubjectProfileProjection (PostgreSQL)', () => {
  let database: TestDatabase;
  let pen: VaultPen;
  let vault: PiiVault;
  let codec: SubjectEventCodec;
  let projection: SubjectProfileProjection;
  let queries: SubjectProfileQueries;
  const masterKey = randomBytes(32);

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
    vault = await pen.open(masterKey);
    codec = new SubjectEventCodec(vault);
    projection = new SubjectProfileProjection(vault);
    queries = new SubjectProfileQueries(database.pool, vault);
  });
  afterAll(async () => {
    await pen.closeAll();
    await database.close();
  });

  /** A subject's stream: each call seals the event (as the command side does) at the next version. */
  function stream(subjectId: string) {
    let version = 0;
    return async (event: SubjectEvent): Promise<RecordedEvent> => {
      const eventId = uuidv7();
      const sealed = await codec.seal(event, eventId);
      return recordedOf(event.type, sealed.data as unknown as JsonObject, `subject-${subjectId}`, ++version, eventId);
    };
  }
  const stored = async (subjectId: string) => (await database.pool.query('SELECT * FROM subject_profile WHERE subject_id = $1', [subjectId])).rows[0];
  /** The row with its values opened, as the queries read it. */
  const row = async (subjectId: string) => {
    const raw = await stored(subjectId);
    return raw && { ...raw, data: await openProfileData(vault, subjectId, raw.data) };
  };
  const twice = async (...events: RecordedEvent[]) => {
    const { once, twice: again } = await applyTwice(database.pool, projection, events);
    expect(again).toEqual(once);
  };

  describe('one subject through every event, each applied twice', () => {
    const subjectId = uuidv7();
    const next = stream(subjectId);

    it('SubjectRegistered creates the row at version 1', async () => {
      await twice(
        await next({
          type: 'SubjectRegistered',
          data: {
            subjectId,
            purposeId: 'health-management',
            legalBasis: 'contract',
            noticeVersion: 'v1',
            channel: 'front-desk',
            minor: false,
            registeredAt: '2026-01-05T09:00:00.000Z',
          },
        }),
      );
      expect(await row(subjectId)).toMatchObject({
        version: 1,
        status: 'active',
        data: {},
        consents: [],
        restrictions: [],
        minor: false,
        categories: [],
        phone_bidx: null,
        name_prefix_bidx: null,
      });
      expect((await row(subjectId)).created_at.toISOString()).toBe('2026-01-05T09:00:00.000Z');
    });

    it('DataCollected stores the values decrypted, with search keys and stats columns', async () => {
      const at = '2026-01-05T09:00:01.000Z';
      await twice(
        await next({
          type: 'DataCollected',
          data: { subjectId, category: 'identity', purposeId: 'health-management', fields: { name: 'Zhang Wei', gender: 'male', birthDate: '1980-05-01' }, collectedAt: at },
        }),
        await next({
          type: 'DataCollected',
          data: {
            subjectId,
            category: 'contact',
            purposeId: 'health-management',
            fields: { phone: '+8613812345678', email: 'zhang.wei@example.cn', address: { province: '北京市', city: '北京市' } },
            collectedAt: at,
          },
        }),
        await next({
          type: 'DataCollected',
          data: { subjectId, category: 'identity_document', purposeId: 'health-management', fields: { type: 'resident_id', number: '110101198005010018' }, collectedAt: at },
        }),
      );
      // at rest: one sealed value per category, nothing of the values in clear
      const raw = await stored(subjectId);
      expect(Object.values(raw.data).every(isEncryptedValue)).toBe(true);
      // the province stays, as a generalised attribute for statistics
      expect(JSON.stringify(raw)).not.toMatch(/Zhang|zhangwei|13812345678|example\.cn|110101198005010018/i);
      expect(await row(subjectId)).toMatchObject({
        version: 4,
        data: {
          identity: { name: 'Zhang Wei', gender: 'male', birthDate: '1980-05-01' },
          contact: { phone: '+8613812345678', email: 'zhang.wei@example.cn', address: { province: '北京市', city: '北京市' } },
          identity_document: { type: 'resident_id', number: '110101198005010018' },
        },
        name_prefix_bidx: namePrefixIndexes(vault, 'zhangwei'),
        phone_bidx: vault.blindIndex('phone', '138 1234 5678'),
        email_bidx: vault.blindIndex('email', 'Zhang.Wei@Example.CN'),
        id_number_bidx: vault.blindIndex('id_number', '110101198005010018'),
        gender: 'male',
        birth_year: 1980,
        province: '北京市',
        categories: ['identity', 'contact', 'identity_document'],
      });
    });

    it.each(['DataUpdated', 'DataCorrected', 'DataSupplemented'] as const)('%s sets fields, removes those set to null and moves the search keys', async (type) => {
      const phone = { DataUpdated: '+8613900001111', DataCorrected: '+8613900002222', DataSupplemented: '+8613900003333' }[type];
      const reason = ({ DataUpdated: 'update', DataCorrected: 'correction', DataSupplemented: 'supplement' } as const)[type];
      await twice(
        await next({ type, data: { subjectId, category: 'contact', purposeId: 'health-management', reason, set: { phone, email: null }, changedAt: '2026-01-06T10:00:00.000Z' } }),
      );
      const current = await row(subjectId);
      expect(current.data.contact).toEqual({ phone, address: { province: '北京市', city: '北京市' } });
      expect(current).toMatchObject({ phone_bidx: vault.blindIndex('phone', phone), email_bidx: null });
      expect(current.updated_at.toISOString()).toBe('2026-01-06T10:00:00.000Z');
    });

    it('DataItemAdded appends one item to a list field', async () => {
      const exam = { date: '2026-01-07', type: '年度体检', findings: '血糖偏高' };
      await twice(
        await next({
          type: 'DataItemAdded',
          data: { subjectId, category: 'health_records', field: 'exams', purposeId: 'health-management', item: exam, addedAt: '2026-01-07T08:00:00.000Z' },
        }),
      );
      await twice(
        await next({
          type: 'DataItemAdded',
          data: {
            subjectId,
            category: 'health_records',
            field: 'exams',
            purposeId: 'health-management',
            item: { ...exam, date: '2026-02-07' },
            addedAt: '2026-02-07T08:00:00.000Z',
          },
        }),
      );
      expect((await row(subjectId)).data.health_records).toEqual({ exams: [exam, { ...exam, date: '2026-02-07' }] });
      expect((await row(subjectId)).categories).toContain('health_records');
    });

    const consentId = uuidv7();
    it('ConsentGranted adds the consent; a guardian is kept as a fact, not by name', async () => {
      await twice(
        await next({
          type: 'ConsentGranted',
          data: {
            subjectId,
            consentId,
            purposeId: 'marketing',
            categories: ['contact'],
            separate: false,
            noticeVersion: 'v1',
            channel: 'app',
            guardian: { name: '王芳', relation: 'mother' },
            grantedAt: '2026-02-08T08:00:00.000Z',
          },
        }),
      );
      const current = await row(subjectId);
      expect(current.consents).toEqual([
        {
          consentId,
          purposeId: 'marketing',
          categories: ['contact'],
          separate: false,
          guardian: true,
          status: 'active',
          noticeVersion: 'v1',
          channel: 'app',
          grantedAt: '2026-02-08T08:00:00.000Z',
        },
      ]);
      expect(JSON.stringify(current)).not.toContain('王芳');
    });

    it('ConsentWithdrawn marks it withdrawn with the time', async () => {
      await twice(
        await next({ type: 'ConsentWithdrawn', data: { subjectId, consentId, purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: '2026-02-09T08:00:00.000Z' } }),
      );
      expect((await row(subjectId)).consents[0]).toMatchObject({ status: 'withdrawn', withdrawnAt: '2026-02-09T08:00:00.000Z' });
    });

    const restrictionId = uuidv7();
    it('ProcessingRestricted makes the subject restricted, without the free-text reason', async () => {
      await twice(
        await next({ type: 'ProcessingRestricted', data: { subjectId, restrictionId, purposeIds: ['marketing'], reason: '客户有异议', restrictedAt: '2026-02-10T08:00:00.000Z' } }),
      );
      const current = await row(subjectId);
      expect(current).toMatchObject({ status: 'restricted', restrictions: [{ restrictionId, purposeIds: ['marketing'], restrictedAt: '2026-02-10T08:00:00.000Z' }] });
      expect(JSON.stringify(current)).not.toContain('客户有异议');
    });

    it('RestrictionLifted makes it active again', async () => {
      await twice(await next({ type: 'RestrictionLifted', data: { subjectId, restrictionId, liftedAt: '2026-02-11T08:00:00.000Z' } }));
      expect(await row(subjectId)).toMatchObject({ status: 'active', restrictions: [] });
    });

    it('DisclosedToThirdParty moves the version and the time only', async () => {
      const before = await row(subjectId);
      await twice(
        await next({
          type: 'DisclosedToThirdParty',
          data: {
            subjectId,
            disclosureId: uuidv7(),
            recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
            purposeId: 'health-management',
            categories: ['health'],
            consentId,
            disclosedAt: '2026-02-12T08:00:00.000Z',
          },
        }),
      );
      const after = await row(subjectId);
      expect(after.version).toBe(before.version + 1);
      expect(after.updated_at.toISOString()).toBe('2026-02-12T08:00:00.000Z');
      expect(after.data).toEqual(before.data);
    });

    it('SubjectAssigned records the department and health manager, moving the version and the time', async () => {
      const department = uuidv7();
      await twice(await next({ type: 'SubjectAssigned', data: { subjectId, departmentId: department, healthManagerId: 'hm-li', assignedAt: '2026-02-13T08:00:00.000Z' } }));
      expect(await row(subjectId)).toMatchObject({ department_id: department, health_manager_id: 'hm-li' });
      expect((await queries.findSealed(subjectId))?.assignment).toEqual({ departmentId: department, healthManagerId: 'hm-li' });
      await twice(await next({ type: 'SubjectAssigned', data: { subjectId, departmentId: department, healthManagerId: null, assignedAt: '2026-02-14T08:00:00.000Z' } }));
      expect(await row(subjectId)).toMatchObject({ department_id: department, health_manager_id: null });
    });

    it('LifecycleStageChanged records the stage and its time in clear, moving the version', async () => {
      await twice(
        await next({ type: 'LifecycleStageChanged', data: { subjectId, from: 'active', to: 'dormant', purposeId: 'health-management', changedAt: '2026-02-15T08:00:00.000Z' } }),
      );
      expect(await row(subjectId)).toMatchObject({ lifecycle_stage: 'dormant', lifecycle_changed_at: new Date('2026-02-15T08:00:00.000Z') });
      expect((await queries.findSealed(subjectId))?.lifecycle).toEqual({ stage: 'dormant', changedAt: '2026-02-15T08:00:00.000Z' });
    });

    it('phones, tags, type and tier: a blind index per phone and tag, the classification in clear', async () => {
      const phones = [
        { number: '+8613900004444', type: 'mobile' },
        { number: '+861087654321', type: 'landline', primary: true },
      ];
      const set = { phones, phone: null };
      await twice(
        await next({ type: 'DataUpdated', data: { subjectId, category: 'contact', purposeId: 'health-management', reason: 'update', set, changedAt: '2026-02-16T08:00:00.000Z' } }),
      );
      const profile = { customerType: 'vip', tier: 'gold', tags: ['年度体检', 'VIP 客户'] };
      await twice(
        await next({
          type: 'DataCollected',
          data: { subjectId, category: 'customer_profile', purposeId: 'health-management', fields: profile, collectedAt: '2026-02-16T09:00:00.000Z' },
        }),
      );
      const current = await stored(subjectId);
      expect(current.phone_bidxs).toEqual([vault.blindIndex('phone', '13900004444'), vault.blindIndex('phone', '010 8765 4321')]);
      expect(current.phone_bidx).toBe(vault.blindIndex('phone', '010 8765 4321')); // the primary
      expect(current.tag_bidxs).toEqual([vault.blindIndex('tag', '年度体检'), vault.blindIndex('tag', 'vip 客户')]);
      expect(current).toMatchObject({ customer_type: 'vip', tier: 'gold' });
      expect(JSON.stringify(current)).not.toContain('年度体检');
      const found = await queries.search({ phoneBidx: vault.blindIndex('phone', '+86 10 8765 4321'), limit: 5 });
      expect(found.map((match) => [match.subjectId, match.phone, match.customerProfile?.tier])).toEqual([[subjectId, '+861087654321', 'gold']]);
    });

    it('SubjectErased keeps a tombstone: no values, no search keys, no stats columns', async () => {
      await twice(
        await next({
          type: 'SubjectErased',
          data: {
            subjectId,
            erasedCategories: ['identity', 'contact', 'identity_document', 'health_records', 'customer_profile'],
            retained: [],
            erasedAt: '2026-03-01T08:00:00.000Z',
          },
        }),
      );
      expect(await row(subjectId)).toMatchObject({
        status: 'erased',
        data: {},
        categories: [],
        name_prefix_bidx: null,
        phone_bidx: null,
        email_bidx: null,
        id_number_bidx: null,
        gender: null,
        birth_year: null,
        province: null,
        phone_bidxs: null,
        tag_bidxs: null,
        customer_type: null,
        tier: null,
      });
      const text = JSON.stringify(await row(subjectId));
      for (const value of ['Zhang', '+86139', '110101198005010018', '北京市', '血糖']) expect(text).not.toContain(value);
    });

    it('ignores anything after the erasure except the version', async () => {
      await twice(
        await next({
          type: 'DataCollected',
          data: { subjectId, category: 'identity', purposeId: 'health-management', fields: { name: 'Ghost' }, collectedAt: '2026-03-02T08:00:00.000Z' },
        }),
      );
      expect(await row(subjectId)).toMatchObject({ status: 'erased', data: {} });
    });
  });

  it('SubjectMergedInto purges the duplicate’s row like an erasure (no values, no search keys); SubjectMerged moves the survivor’s version and time', async () => {
    const [duplicateId, survivorId] = [uuidv7(), uuidv7()];
    const [duplicate, survivor] = [stream(duplicateId), stream(survivorId)];
    const registered = (subjectId: string): SubjectEvent => ({
      type: 'SubjectRegistered',
      data: { subjectId, purposeId: 'health-management', legalBasis: 'consent', noticeVersion: 'v1', channel: 'app', minor: false, registeredAt: '2026-01-01T00:00:00.000Z' },
    });
    const phone: SubjectEvent = {
      type: 'DataCollected',
      data: { subjectId: duplicateId, category: 'contact', purposeId: 'health-management', fields: { phone: '+8613911112222' }, collectedAt: '2026-01-01T00:00:00.000Z' },
    };
    await twice(await duplicate(registered(duplicateId)), await duplicate(phone), await survivor(registered(survivorId)));
    await twice(
      await duplicate({ type: 'SubjectMergedInto', data: { subjectId: duplicateId, survivorId, purposeId: 'health-management', mergedAt: '2026-02-01T00:00:00.000Z' } }),
      await survivor({
        type: 'SubjectMerged',
        data: {
          subjectId: survivorId,
          duplicateId,
          purposeId: 'health-management',
          taken: {},
          carried: { consentIds: [], restrictionIds: [], disclosureIds: [] },
          mergedAt: '2026-02-01T00:00:00.000Z',
        },
      }),
    );
    expect(await row(duplicateId)).toMatchObject({ status: 'erased', version: 3, data: {}, phone_bidx: null, phone_bidxs: null });
    expect(await row(survivorId)).toMatchObject({ status: 'active', version: 2 });
    expect((await stored(survivorId)).updated_at.toISOString()).toBe('2026-02-01T00:00:00.000Z');
  });

  it('applies a batch of several subjects’ events as one read and one write, and a replayed prefix changes nothing', async () => {
    const [a, b] = [uuidv7(), uuidv7()];
    const [nextA, nextB] = [stream(a), stream(b)];
    const registered = (subjectId: string) => ({
      type: 'SubjectRegistered' as const,
      data: {
        subjectId,
        purposeId: 'health-management',
        legalBasis: 'contract' as const,
        noticeVersion: 'v1',
        channel: 'app',
        minor: true,
        registeredAt: '2026-04-01T00:00:00.000Z',
      },
    });
    const events = [
      await nextA(registered(a)),
      await nextB(registered(b)),
      await nextA({
        type: 'DataCollected',
        data: { subjectId: a, category: 'identity', purposeId: 'health-management', fields: { name: '李小明', birthDate: '2015-06-07' }, collectedAt: '2026-04-01T00:00:00.000Z' },
      }),
      await nextB({
        type: 'DataCollected',
        data: { subjectId: b, category: 'identity', purposeId: 'health-management', fields: { name: '李华' }, collectedAt: '2026-04-01T00:00:00.000Z' },
      }),
      await nextA({
        type: 'DataUpdated',
        data: { subjectId: a, category: 'identity', purposeId: 'health-management', reason: 'update', set: { name: '李晓明' }, changedAt: '2026-04-02T00:00:00.000Z' },
      }),
    ];
    await applyEvents(database.pool, projection, events.slice(0, 3));
    await applyEvents(database.pool, projection, events); // the first three again, then two new ones
    expect(await row(a)).toMatchObject({
      version: 3,
      minor: true,
      data: { identity: { name: '李晓明', birthDate: '2015-06-07' } },
      name_prefix_bidx: namePrefixIndexes(vault, '李晓明'),
      birth_year: 2015,
    });
    expect(await row(b)).toMatchObject({ version: 2, data: { identity: { name: '李华' } } });
  });

  it('opens a batch with one data-key lookup, however many subjects and categories it holds (a rebuild, a cold vault)', async () => {
    const registered = (subjectId: string) => ({
      type: 'SubjectRegistered' as const,
      data: {
        subjectId,
        purposeId: 'health-management',
        legalBasis: 'contract' as const,
        noticeVersion: 'v1',
        channel: 'app',
        minor: false,
        registeredAt: '2026-06-01T00:00:00.000Z',
      },
    });
    const collected = (subjectId: string, category: 'identity' | 'contact', fields: JsonObject) => ({
      type: 'DataCollected' as const,
      data: { subjectId, category, purposeId: 'health-management', fields, collectedAt: '2026-06-01T00:00:00.000Z' },
    });
    const events: RecordedEvent[] = [];
    for (const subjectId of [uuidv7(), uuidv7(), uuidv7()]) {
      const next = stream(subjectId);
      events.push(
        await next(registered(subjectId)),
        await next(collected(subjectId, 'identity', { name: '赵六' })),
        await next(collected(subjectId, 'contact', { phone: '+8613912345678' })),
      );
    }
    const rebuilt = new SubjectProfileProjection(await pen.open(masterKey, { listenForShreds: false }));
    const { statements } = await countingStatements(database.pool, () => applyEvents(database.pool, rebuilt, events));
    expect(statements).toBe(1);
    for (const event of events.filter((recorded) => recorded.streamVersion === 3)) {
      expect(await row(event.data.subjectId as string)).toMatchObject({ data: { identity: { name: '赵六' }, contact: { phone: '+8613912345678' } } });
    }
  });

  it('ignores events of a subject it has never seen registered', async () => {
    const subjectId = uuidv7();
    const event = recordedOf(
      'DataCollected',
      { subjectId, category: 'identity', purposeId: 'p', fields: {}, collectedAt: '2026-01-01T00:00:00.000Z' },
      `subject-${subjectId}`,
      2,
      uuidv7(),
    );
    await applyEvents(database.pool, projection, [event]);
    expect(await row(subjectId)).toBeUndefined();
  });

  it('projects a shredded subject (a rebuild after erasure) without its values or an index of "[erased]"', async () => {
    const subjectId = uuidv7();
    const next = stream(subjectId);
    const events = [
      await next({
        type: 'SubjectRegistered',
        data: { subjectId, purposeId: 'health-management', legalBasis: 'contract', noticeVersion: 'v1', channel: 'app', minor: false, registeredAt: '2026-05-01T00:00:00.000Z' },
      }),
      await next({
        type: 'DataCollected',
        data: { subjectId, category: 'contact', purposeId: 'health-management', fields: { phone: '+8613712345678' }, collectedAt: '2026-05-01T00:00:00.000Z' },
      }),
    ];
    await vault.shred(subjectId, undefined, { reason: 'erasure', actor: 'spec' });
    await applyEvents(database.pool, projection, events.slice(0, 2));
    expect(await row(subjectId)).toMatchObject({ data: { contact: { phone: '[erased]' } }, phone_bidx: null });
    await applyEvents(database.pool, projection, [
      await next({ type: 'SubjectErased', data: { subjectId, erasedCategories: ['contact'], retained: [], erasedAt: '2026-05-02T00:00:00.000Z' } }),
    ]);
    expect(await row(subjectId)).toMatchObject({ status: 'erased', data: {} });
  });

  describe('queries', () => {
    const ids = [uuidv7(), uuidv7(), uuidv7()];
    beforeAll(async () => {
      const people = [
        { name: '王伟', phone: '+8613611110001', email: 'wei@example.cn' },
        { name: '王伟芳', phone: '+8613611110002', email: 'fang@example.cn' },
        { name: 'Wang_Lei', phone: '+8613611110003', email: 'lei@example.cn' },
      ];
      const events: RecordedEvent[] = [];
      for (const [index, person] of people.entries()) {
        const subjectId = ids[index];
        const next = stream(subjectId);
        events.push(
          await next({
            type: 'SubjectRegistered',
            data: {
              subjectId,
              purposeId: 'health-management',
              legalBasis: 'contract',
              noticeVersion: 'v1',
              channel: 'app',
              minor: false,
              registeredAt: '2026-06-01T00:00:00.000Z',
            },
          }),
          await next({
            type: 'DataCollected',
            data: { subjectId, category: 'identity', purposeId: 'health-management', fields: { name: person.name }, collectedAt: '2026-06-01T00:00:00.000Z' },
          }),
          await next({
            type: 'DataCollected',
            data: { subjectId, category: 'contact', purposeId: 'health-management', fields: { phone: person.phone, email: person.email }, collectedAt: '2026-06-01T00:00:00.000Z' },
          }),
        );
      }
      await applyEvents(database.pool, projection, events);
    });

    it('finds a profile by id, with its version', async () => {
      expect(await queries.find(ids[0])).toMatchObject({ subjectId: ids[0], version: 3, status: 'active', data: { identity: { name: '王伟' } } });
      expect(await queries.find(uuidv7())).toBeUndefined();
      expect(await queries.versionOf(ids[1])).toBe(3);
    });

    it('searches by blind index and by name prefix (LIKE wildcards are literal), in id order with a keyset', async () => {
      const found = (matches: Array<{ subjectId: string }>) => matches.map((m) => m.subjectId);
      expect(found(await queries.search({ phoneBidx: vault.blindIndex('phone', '136 1111 0002'), limit: 10 }))).toEqual([ids[1]]);
      expect(found(await queries.search({ emailBidx: vault.blindIndex('email', 'LEI@example.cn'), limit: 10 }))).toEqual([ids[2]]);
      expect(found(await queries.search({ namePrefix: '王伟', limit: 10 }))).toEqual([ids[0], ids[1]]);
      expect(found(await queries.search({ namePrefix: 'wang_', limit: 10 }))).toEqual([ids[2]]);
      expect(found(await queries.search({ namePrefix: 'wang%', limit: 10 }))).toEqual([]);
      expect(found(await queries.search({ namePrefix: '王伟', limit: 1 }))).toEqual([ids[0]]);
      expect(found(await queries.search({ namePrefix: '王伟', after: ids[0], limit: 1 }))).toEqual([ids[1]]);
      // no one-character prefix is indexed: it would be the surname's digest
      expect(found(await queries.search({ namePrefix: '王', limit: 10 }))).toEqual([]);
      const [match] = await queries.search({ namePrefix: '王伟芳', status: 'active', limit: 10 });
      expect(match).toMatchObject({ subjectId: ids[1], name: '王伟芳', phone: '+8613611110002', categories: ['identity', 'contact'] });
      expect(await queries.search({ namePrefix: '王伟芳', status: 'restricted', limit: 10 })).toEqual([]);
    });

    it('filters by assignment, and keeps a scoped reach to its department’s and its own customers', async () => {
      const [a, b] = [uuidv7(), uuidv7()];
      const assigned = async (subjectId: string, departmentId: string, healthManagerId: string | null) =>
        recordedOf('SubjectAssigned', { subjectId, departmentId, healthManagerId, assignedAt: '2026-06-02T00:00:00.000Z' }, `subject-${subjectId}`, 4, uuidv7());
      await applyEvents(database.pool, projection, [await assigned(ids[0], a, null), await assigned(ids[1], b, 'hm-zhou')]);
      const found = (matches: Array<{ subjectId: string }>) => matches.map((m) => m.subjectId);
      expect(found(await queries.search({ departmentId: a, limit: 10 }))).toEqual([ids[0]]);
      expect(found(await queries.search({ healthManagerId: 'hm-zhou', limit: 10 }))).toEqual([ids[1]]);
      expect(found(await queries.search({ namePrefix: '王伟', reach: { departmentId: a, healthManagerId: null }, limit: 10 }))).toEqual([ids[0]]);
      expect(found(await queries.search({ namePrefix: '王伟', reach: { departmentId: a, healthManagerId: 'hm-zhou' }, limit: 10 }))).toEqual([ids[0], ids[1]]);
      // unassigned customers are in no scoped reach; a reach without a department is only one's own customers
      expect(found(await queries.search({ namePrefix: 'wang', reach: { departmentId: a, healthManagerId: 'hm-zhou' }, limit: 10 }))).toEqual([]);
      expect(found(await queries.search({ namePrefix: '王伟', reach: { departmentId: null, healthManagerId: 'hm-zhou' }, limit: 10 }))).toEqual([ids[1]]);
      const [match] = await queries.search({ departmentId: b, limit: 10 });
      expect(match.assignment).toEqual({ departmentId: b, healthManagerId: 'hm-zhou' });
    });
  });
});

function recordedOf(type: string, data: JsonObject, streamId: string, streamVersion: number, eventId: string): RecordedEvent {
  return recordedEvent(type, data, { streamId, streamVersion, eventId });
}
