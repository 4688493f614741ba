import { v7 as uuidv7 } from 'uuid';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { applyTwice, recordedEvent } from '../projection.testing';
import { DisclosureRegisterProjection } from './disclosure-register.projection';
import { DisclosureRegisterQueries } from './disclosure-register.queries';

describe('DisclosureRegisterProjection (PostgreSQL)', () => {
  let database: TestDatabase;
  const projection = new DisclosureRegisterProjection();

  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => database.close());

  it('DisclosedToThirdParty records recipient, purpose, categories and consent, once', async () => {
    const subjectId = uuidv7();
    const [first, second, consentId] = [uuidv7(), uuidv7(), uuidv7()];
    const disclosed = (disclosureId: string, at: string) =>
      recordedEvent(
        'DisclosedToThirdParty',
        {
          subjectId,
          disclosureId,
          recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
          purposeId: 'health-management',
          categories: ['health'],
          consentId,
          disclosedAt: at,
        },
        { streamId: `subject-${subjectId}`, streamVersion: 8 },
      );
    const { once, twice } = await applyTwice(database.pool, projection, [disclosed(second, '2026-02-02T00:00:00.000Z'), disclosed(first, '2026-02-01T00:00:00.000Z')]);
    expect(twice).toEqual(once);
    expect(await new DisclosureRegisterQueries(database.pool).bySubject(subjectId)).toEqual([
      {
        disclosureId: first,
        subjectId,
        recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
        purposeId: 'health-management',
        categories: ['health'],
        consentId,
        disclosedAt: '2026-02-01T00:00:00.000Z',
      },
      {
        disclosureId: second,
        subjectId,
        recipient: { name: '某某检验中心', contact: 'lab@example.cn' },
        purposeId: 'health-management',
        categories: ['health'],
        consentId,
        disclosedAt: '2026-02-02T00:00:00.000Z',
      },
    ]);
  });

  it('SubjectMerged moves the duplicate’s disclosures to the survivor, once; the carried copy adds no second row', async () => {
    const [survivorId, duplicateId, disclosureId] = [uuidv7(), uuidv7(), uuidv7()];
    const data = { disclosureId, recipient: { name: '某某检验中心', contact: 'lab@example.cn' }, purposeId: 'health-management', categories: ['health'], consentId: uuidv7() };
    const disclosedAt = '2026-02-01T00:00:00.000Z';
    const original = recordedEvent('DisclosedToThirdParty', { ...data, subjectId: duplicateId, disclosedAt }, { streamId: `subject-${duplicateId}`, streamVersion: 3 });
    const carried = recordedEvent('DisclosedToThirdParty', { ...data, subjectId: survivorId, disclosedAt }, { streamId: `subject-${survivorId}`, streamVersion: 5 });
    const merged = recordedEvent(
      'SubjectMerged',
      {
        subjectId: survivorId,
        duplicateId,
        purposeId: 'health-management',
        taken: {},
        carried: { consentIds: [], restrictionIds: [], disclosureIds: [disclosureId] },
        mergedAt: disclosedAt,
      },
      { streamId: `subject-${survivorId}`, streamVersion: 6 },
    );
    const { once, twice } = await applyTwice(database.pool, projection, [original, carried, merged]);
    expect(twice).toEqual(once);
    const queries = new DisclosureRegisterQueries(database.pool);
    expect(await queries.bySubject(duplicateId)).toEqual([]);
    expect(await queries.bySubject(survivorId)).toEqual([{ ...data, subjectId: survivorId, disclosedAt }]);
  });
});
