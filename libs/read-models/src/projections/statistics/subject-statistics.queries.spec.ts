import { randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import type { JsonObject, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { VaultPen } from '@pi-ledger/pii-vault/pii-vault.testing';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { SubjectEventCodec } from '@pi-ledger/pii-vault/subject-event-codec';
import { applyEvents, recordedEvent } from '../projection.testing';
import { SubjectProfileProjection } from '../subject-profile/subject-profile.projection';
import { SubjectStatisticsQueries } from './subject-statistics.queries';

describe('SubjectStatisticsQueries (PostgreSQL)', () => {
  let database: TestDatabase;
  let pen: VaultPen;

  beforeAll(async () => {
    database = await createTestDatabase();
    pen = new VaultPen(database.pool);
  });
  afterAll(async () => {
    await pen.closeAll();
    await database.close();
  });

  it('counts by status, category held, gender, age band and province; erased subjects by status only', async () => {
    const vault = await pen.open(randomBytes(32));
    const codec = new SubjectEventCodec(vault);
    const events: RecordedEvent[] = [];
    const subject = async (identity: Record<string, string>, province: string | undefined, then: (subjectId: string) => SubjectEvent[] = () => []) => {
      const subjectId = uuidv7();
      const at = '2026-01-01T00:00:00.000Z';
      const stream: SubjectEvent[] = [
        {
          type: 'SubjectRegistered',
          data: { subjectId, purposeId: 'health-management', legalBasis: 'contract', noticeVersion: 'v1', channel: 'app', minor: false, registeredAt: at },
        },
        { type: 'DataCollected', data: { subjectId, category: 'identity', purposeId: 'health-management', fields: identity, collectedAt: at } },
        ...(province
          ? [
              {
                type: 'DataCollected' as const,
                data: { subjectId, category: 'contact' as const, purposeId: 'health-management', fields: { address: { province } }, collectedAt: at },
              },
            ]
          : []),
        ...then(subjectId),
      ];
      for (const [index, event] of stream.entries()) {
        const eventId = uuidv7();
        const sealed = await codec.seal(event, eventId);
        events.push(recordedEvent(event.type, sealed.data as unknown as JsonObject, { streamId: `subject-${subjectId}`, streamVersion: index + 1, eventId }));
      }
    };
    await subject({ name: 'a', gender: 'female', birthDate: '2013-05-01' }, '广东省');
    await subject({ name: 'b', gender: 'female', birthDate: '2009-05-01' }, '广东省');
    await subject({ name: 'c', gender: 'male', birthDate: '1998-05-01' }, '北京市', (id) => [
      { type: 'ProcessingRestricted', data: { subjectId: id, restrictionId: uuidv7(), purposeIds: null, reason: 'x', restrictedAt: '2026-01-02T00:00:00.000Z' } },
    ]);
    await subject({ name: 'd', birthDate: '1966-05-01' }, undefined);
    await subject({ name: 'e', gender: 'male' }, '上海市', (id) => [
      { type: 'SubjectErased', data: { subjectId: id, erasedCategories: ['identity', 'contact'], retained: [], erasedAt: '2026-01-03T00:00:00.000Z' } },
    ]);
    await applyEvents(database.pool, new SubjectProfileProjection(vault), events);

    const stats = await new SubjectStatisticsQueries(database.pool).subjects(2026);
    expect(stats).toEqual({
      total: 5,
      byStatus: { active: 3, restricted: 1, erased: 1 },
      byCategory: expect.objectContaining({ identity: 4, contact: 3, health: 0 }),
      byGender: { female: 2, male: 1, unknown: 1 },
      byAgeBand: { 'under-14': 1, '14-17': 1, '18-29': 1, '30-44': 0, '45-59': 0, '60+': 1, unknown: 0 },
      byProvince: { 广东省: 2, 北京市: 1, unknown: 1 },
    });
  });
});
