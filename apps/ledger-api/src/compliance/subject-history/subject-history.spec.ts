import { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { ERASED } from '@pi-ledger/pii-vault/subject-event-codec';
import { auditAccess, historyAccess, maskForAudit, MASKED, maskHistory } from './history-masking';
import { OpenedEvent, subjectHistory } from './subject-history';

const subjectId = '01900000-0000-7000-8000-00000000000a';
let position = 100;
const at = (n: number) => `2025-11-23T08:00:0${n}.000Z`;

function opened(event: SubjectEvent, n: number, purposeId?: string): OpenedEvent {
  const recorded = {
    eventId: `e-${n}`,
    position: ++position,
    recordedAt: new Date(at(n)),
    metadata: { actor: 'staff-7', roles: ['staff'], correlationId: 'c', ...(purposeId ? { purposeId, legalBasis: 'contract' as const } : {}) },
  } as RecordedEvent;
  return { recorded, event };
}

describe('subjectHistory', () => {
  const registered = opened(
    {
      type: 'SubjectRegistered',
      data: { subjectId, purposeId: 'health-management', legalBasis: 'contract', noticeVersion: 'v1', channel: 'app', minor: false, registeredAt: at(1) },
    },
    1,
    'health-management',
  );
  const collected = opened(
    { type: 'DataCollected', data: { subjectId, category: 'contact', purposeId: 'health-management', fields: { phone: '+8613812345678', email: 'a@b.cn' }, collectedAt: at(1) } },
    1,
    'health-management',
  );

  it('gives one entry per changed field with the value it replaced, the reason and the request', () => {
    const corrected = opened(
      {
        type: 'DataCorrected',
        data: {
          subjectId,
          category: 'contact',
          purposeId: 'health-management',
          reason: 'correction',
          rightsRequestId: 'rr-1',
          set: { phone: '+8613900001111', email: null },
          changedAt: at(2),
        },
      },
      2,
      'health-management',
    );
    const history = subjectHistory([registered, collected, corrected]);
    expect(history.slice(-2)).toEqual([
      {
        position: expect.any(Number),
        recordedAt: at(2),
        eventType: 'DataCorrected',
        category: 'contact',
        field: 'phone',
        value: '+8613900001111',
        previousValue: '+8613812345678',
        actor: 'staff-7',
        reason: 'correction',
        purposeId: 'health-management',
        legalBasis: 'contract',
        rightsRequestId: 'rr-1',
      },
      expect.objectContaining({ field: 'email', value: null, previousValue: 'a@b.cn', reason: 'correction' }),
    ]);
    expect(history[0]).toEqual(
      expect.objectContaining({ eventType: 'SubjectRegistered', category: null, field: null, value: { channel: 'app', minor: false }, noticeVersion: 'v1' }),
    );
  });

  it('shows a recollection dropping fields, list items, and consent facts without the guardian’s name', () => {
    const recollected = opened(
      { type: 'DataCollected', data: { subjectId, category: 'contact', purposeId: 'health-management', fields: { email: 'c@d.cn' }, collectedAt: at(3) } },
      3,
    );
    const item = opened(
      { type: 'DataItemAdded', data: { subjectId, category: 'health_records', field: 'exams', purposeId: 'health-management', item: { date: '2025-01-01' }, addedAt: at(4) } },
      4,
    );
    const consent = opened(
      {
        type: 'ConsentGranted',
        data: {
          subjectId,
          consentId: 'c1',
          purposeId: 'research',
          categories: ['health'],
          separate: true,
          noticeVersion: 'v1',
          channel: 'app',
          guardian: { name: '王芳', relation: 'mother' },
          grantedAt: at(5),
        },
      },
      5,
    );
    const history = subjectHistory([registered, collected, recollected, item, consent]);
    expect(history.filter((entry) => entry.recordedAt === at(3))).toEqual([
      expect.objectContaining({ field: 'email', value: 'c@d.cn', previousValue: 'a@b.cn' }),
      expect.objectContaining({ field: 'phone', value: null, previousValue: '+8613812345678' }),
    ]);
    expect(history).toContainEqual(expect.objectContaining({ eventType: 'DataItemAdded', category: 'health_records', field: 'exams', value: { date: '2025-01-01' } }));
    const granted = history.find((entry) => entry.eventType === 'ConsentGranted')!;
    expect(granted).toMatchObject({ category: null, field: null, purposeId: 'research', noticeVersion: 'v1', value: { consentId: 'c1', guardian: true } });
    expect(JSON.stringify(history)).not.toContain('王芳');
  });

  it('keeps erased values as "[erased]", unmasked, and masks phone and ID numbers unless revealed', () => {
    const erasedCollection = opened(
      { type: 'DataCollected', data: { subjectId, category: 'identity_document', purposeId: 'health-management', fields: { number: ERASED }, collectedAt: at(2) } },
      2,
    );
    const erased = opened({ type: 'SubjectErased', data: { subjectId, erasedCategories: ['identity_document'], retained: [], erasedAt: at(3) } }, 3);
    const history = subjectHistory([registered, collected, erasedCollection, erased]);
    const masked = maskHistory(history, []);
    expect(masked.find((entry) => entry.field === 'phone')!.value).toBe('+86138****5678');
    expect(masked.find((entry) => entry.field === 'number')!.value).toBe(ERASED);
    expect(masked.at(-1)).toMatchObject({ eventType: 'SubjectErased', value: { erasedCategories: ['identity_document'], retained: [] } });
    expect(maskHistory(history, ['contact']).find((entry) => entry.field === 'phone')!.value).toBe('+8613812345678');
    expect(historyAccess(history, ['contact'])).toEqual({ categories: ['contact', 'identity_document'], revealed: ['contact.phone'] });
  });

  it('masks every value for a compliance audit unless its category is revealed; erased values and removals stay', () => {
    const erasedName = opened(
      { type: 'DataCollected', data: { subjectId, category: 'identity', purposeId: 'health-management', fields: { name: ERASED }, collectedAt: at(2) } },
      2,
    );
    const history = subjectHistory([registered, collected, erasedName]);
    const masked = maskForAudit(history, []);
    expect(masked.find((entry) => entry.field === 'phone')!.value).toBe('+86138****5678');
    expect(masked.find((entry) => entry.field === 'email')!.value).toBe(MASKED);
    expect(masked.find((entry) => entry.field === 'name')!.value).toBe(ERASED);
    expect(masked[0]).toEqual(history[0]);
    expect(JSON.stringify(masked)).not.toContain('a@b.cn');
    const revealed = maskForAudit(history, ['contact']);
    expect(revealed.find((entry) => entry.field === 'email')!.value).toBe('a@b.cn');
    expect(auditAccess(revealed, ['contact'])).toEqual({ categories: ['contact', 'identity'], revealed: ['contact.phone', 'contact.email'] });
  });
});
