import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { applyEvents, applyTwice, recordedEvent } from '../projection.testing';
import { ConsentRegisterProjection } from './consent-register.projection';
import { ConsentRegisterQueries } from './consent-register.queries';

describe('ConsentRegisterProjection (PostgreSQL)', () => {
  let database: TestDatabase;
  const projection = new ConsentRegisterProjection();
  let queries: ConsentRegisterQueries;

  beforeAll(async () => {
    database = await createTestDatabase();
    queries = new ConsentRegisterQueries(database.pool);
  });
  afterAll(async () => database.close());

  const subjectId = uuidv7();
  const consentId = uuidv7();
  const granted = (id: string, purposeId: string, extra: Record<string, unknown> = {}) =>
    recordedEvent(
      'ConsentGranted',
      {
        subjectId,
        consentId: id,
        purposeId,
        categories: ['contact', 'identity'],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
        grantedAt: '2026-01-01T08:00:00.000Z',
        ...extra,
      },
      { streamId: `subject-${subjectId}`, streamVersion: 2 },
    );
  const withdrawn = (id: string, at: string) =>
    recordedEvent(
      'ConsentWithdrawn',
      { subjectId, consentId: id, purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: at },
      { streamId: `subject-${subjectId}`, streamVersion: 3 },
    );
  const twice = async (...events: Parameters<typeof applyEvents>[2]) => {
    const { once, twice: again } = await applyTwice(database.pool, projection, events);
    expect(again).toEqual(once);
  };

  it('ConsentGranted records the consent, active, with a guardian as a fact only', async () => {
    await twice(granted(consentId, 'marketing', { guardian: { v: 1, kid: 'k', iv: 'i', ct: 'sealed', tag: 't' } }));
    expect(await queries.bySubject(subjectId)).toEqual([
      {
        consentId,
        subjectId,
        purposeId: 'marketing',
        categories: ['contact', 'identity'],
        separate: false,
        guardian: true,
        status: 'active',
        noticeVersion: 'v1',
        channel: 'app',
        grantedAt: '2026-01-01T08:00:00.000Z',
      },
    ]);
  });

  it('ConsentWithdrawn marks it withdrawn; the first withdrawal time stands', async () => {
    await twice(withdrawn(consentId, '2026-01-02T08:00:00.000Z'));
    await applyEvents(database.pool, projection, [withdrawn(consentId, '2026-01-03T08:00:00.000Z')]);
    expect(await queries.bySubject(subjectId)).toMatchObject([{ consentId, status: 'withdrawn', withdrawnAt: '2026-01-02T08:00:00.000Z' }]);
  });

  it('a grant replayed after its withdrawal does not bring it back', async () => {
    await applyEvents(database.pool, projection, [granted(consentId, 'marketing')]);
    expect((await queries.bySubject(subjectId))[0].status).toBe('withdrawn');
  });

  it('a grant and its withdrawal in one batch end withdrawn; counts per purpose and status', async () => {
    const other = uuidv7();
    await twice(granted(other, 'research'), withdrawn(other, '2026-01-04T08:00:00.000Z'), granted(uuidv7(), 'research'));
    expect(await queries.countsByPurpose()).toEqual({ marketing: { active: 0, withdrawn: 1 }, research: { active: 1, withdrawn: 1 } });
  });

  it('SubjectMerged moves the duplicate’s consents, withdrawn ones too, to the survivor with their dates and status', async () => {
    const [survivorId, duplicateId, active, withdrawn] = [uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    const grant = (subject: string, id: string, version: number, grantedAt: string) =>
      recordedEvent(
        'ConsentGranted',
        { subjectId: subject, consentId: id, purposeId: 'marketing', categories: ['contact'], separate: false, noticeVersion: 'v1', channel: 'app', grantedAt },
        { streamId: `subject-${subject}`, streamVersion: version },
      );
    const events = [
      grant(duplicateId, active, 2, '2026-01-01T00:00:00.000Z'),
      grant(duplicateId, withdrawn, 3, '2026-01-02T00:00:00.000Z'),
      recordedEvent(
        'ConsentWithdrawn',
        { subjectId: duplicateId, consentId: withdrawn, purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: '2026-01-03T00:00:00.000Z' },
        { streamId: `subject-${duplicateId}`, streamVersion: 4 },
      ),
      grant(survivorId, active, 7, '2026-03-01T00:00:00.000Z'),
      recordedEvent(
        'SubjectMerged',
        {
          subjectId: survivorId,
          duplicateId,
          purposeId: 'marketing',
          taken: {},
          carried: { consentIds: [active], restrictionIds: [], disclosureIds: [] },
          mergedAt: '2026-03-01T00:00:00.000Z',
        },
        { streamId: `subject-${survivorId}`, streamVersion: 8 },
      ),
    ];
    const { once, twice } = await applyTwice(database.pool, projection, events);
    expect(twice).toEqual(once);
    expect(await queries.bySubject(duplicateId)).toEqual([]);
    expect((await queries.bySubject(survivorId)).map(({ consentId, status, grantedAt }) => ({ consentId, status, grantedAt }))).toEqual([
      { consentId: active, status: 'active', grantedAt: '2026-01-01T00:00:00.000Z' },
      { consentId: withdrawn, status: 'withdrawn', grantedAt: '2026-01-02T00:00:00.000Z' },
    ]);
  });
});
