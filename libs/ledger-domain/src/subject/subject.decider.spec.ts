import { decideRegistry, evolveRegistry, initialRegistry, RegistryState } from '../registry/registry.decider';
import { defaultRegistryCommands } from '../registry/default-registry';
import { DomainError } from '../domain-error';
import { decideSubject, SubjectCommand } from './subject.decider';
import { SubjectEvent } from './subject.events';
import { evolveSubject, initialSubjectState } from './subject.state';

const NOW = '2026-11-23T10:00:00.000Z';
const registry: RegistryState = defaultRegistryCommands(NOW).reduce(
  (state, command) => decideRegistry(command, state).reduce(evolveRegistry, state),
  initialRegistry(),
);
const ctx = { now: NOW, registry };
const S = 's-1';

/** given(events).when(command).then(events) / .thenThrows(code) */
function given(...events: SubjectEvent[]) {
  const state = events.reduce(evolveSubject, initialSubjectState());
  return {
    when: (command: SubjectCommand) => ({
      then: (expected: Array<Partial<SubjectEvent> & { type: SubjectEvent['type'] }>) => {
        const produced = decideSubject(command, state);
        expect(produced).toHaveLength(expected.length);
        expected.forEach((e, i) => expect(produced[i]).toMatchObject(e));
        return produced;
      },
      thenThrows: (code: string) => {
        let error: unknown;
        try {
          decideSubject(command, state);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(code);
        return error as DomainError;
      },
    }),
  };
}

const healthConsent = { consentId: 'c-h', purposeId: 'health-management', categories: ['health' as const, 'identity_document' as const], separate: true };
const register = (over: Partial<Extract<SubjectCommand, { type: 'RegisterSubject' }>> = {}): SubjectCommand => ({
  ...ctx,
  type: 'RegisterSubject',
  subjectId: S,
  purposeId: 'health-management',
  noticeVersion: 'v1',
  channel: 'front-desk',
  consents: [healthConsent],
  data: { identity: { name: '张三', birthDate: '1980-05-01' }, health: { conditions: ['高血压'] } },
  ageYears: 46,
  ...over,
});

const registered = (): SubjectEvent[] => decideSubject(register(), initialSubjectState());
const marketingConsent: SubjectEvent = {
  type: 'ConsentGranted',
  data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', categories: ['contact', 'preferences'], separate: false, noticeVersion: 'v1', channel: 'app', grantedAt: NOW },
};

describe('data subject decider', () => {
  describe('absent subject', () => {
    it('registers with its consents and one DataCollected per category', () => {
      given().when(register()).then([
        { type: 'SubjectRegistered', data: { subjectId: S, purposeId: 'health-management', legalBasis: 'contract', noticeVersion: 'v1', minor: false, registeredAt: NOW } as never },
        { type: 'ConsentGranted', data: { consentId: 'c-h', separate: true } as never },
        { type: 'DataCollected', data: { category: 'identity', fields: { name: '张三', birthDate: '1980-05-01' } } as never },
        { type: 'DataCollected', data: { category: 'health', fields: { conditions: ['高血压'] } } as never },
      ]);
    });

    it('refuses a category outside the purpose', () => {
      given().when(register({ data: { preferences: { interests: ['跑步'] } } })).thenThrows('category-not-in-purpose');
    });

    it('refuses sensitive data without a separate consent for the purpose', () => {
      given().when(register({ consents: [{ ...healthConsent, separate: false }] })).thenThrows('separate-consent-required');
      given().when(register({ consents: [] })).thenThrows('separate-consent-required');
    });

    it('refuses a consent-based purpose without a consent covering the categories', () => {
      given().when(register({ purposeId: 'marketing', consents: [], data: { contact: { phone: '+8613812345678' } } })).thenThrows('consent-required');
      given()
        .when(register({ purposeId: 'marketing', consents: [{ consentId: 'c', purposeId: 'marketing', categories: ['preferences'], separate: false }], data: { contact: { phone: '+8613812345678' } } }))
        .thenThrows('consent-required');
    });

    it('registers under a consent-based purpose when the consent covers the data', () => {
      given()
        .when(register({ purposeId: 'marketing', consents: [{ consentId: 'c', purposeId: 'marketing', categories: ['contact'], separate: false }], data: { contact: { phone: '+8613812345678' } } }))
        .then([{ type: 'SubjectRegistered' }, { type: 'ConsentGranted' }, { type: 'DataCollected' }]);
    });

    it('needs a guardian’s consent for a child under 14, for every consent', () => {
      given().when(register({ ageYears: 13 })).thenThrows('guardian-consent-required');
      const guardian = { name: '李四', relation: 'mother' };
      given()
        .when(register({ ageYears: 13, consents: [{ ...healthConsent, guardian }, { consentId: 'c2', purposeId: 'research', categories: ['health'], separate: true }] }))
        .thenThrows('guardian-consent-required');
      given().when(register({ ageYears: 13, consents: [{ ...healthConsent, guardian }] })).thenThrows('separate-consent-required'); // identity is sensitive for a child
      given()
        .when(register({ ageYears: 13, consents: [{ ...healthConsent, categories: ['health', 'identity'], guardian }] }))
        .then([{ type: 'SubjectRegistered', data: { minor: true } as never }, { type: 'ConsentGranted', data: { guardian } as never }, { type: 'DataCollected' }, { type: 'DataCollected' }]);
    });

    it('refuses unknown purposes and notices, and a notice that does not describe the purpose', () => {
      given().when(register({ purposeId: 'nope' })).thenThrows('unknown-purpose');
      given().when(register({ purposeId: 'constructor' })).thenThrows('unknown-purpose'); // not an own property
      given().when(register({ noticeVersion: '__proto__' })).thenThrows('unknown-notice');
      given().when(register({ noticeVersion: 'v9' })).thenThrows('unknown-notice');
      const narrow = evolveRegistry(registry, { type: 'NoticePublished', data: { notice: { version: 'v2', content: 'x', contentHash: 'h', purposeIds: ['marketing'], publishedAt: NOW } } });
      given().when(register({ noticeVersion: 'v2', registry: narrow })).thenThrows('notice-does-not-cover-purpose');
    });

    it('refuses every other command', () => {
      given().when({ ...ctx, type: 'WithdrawConsent', consentId: 'c', withdrawnBy: 'subject' }).thenThrows('subject-not-found');
    });
  });

  describe('registered subject', () => {
    it('refuses a second registration', () => {
      given(...registered()).when(register()).thenThrows('subject-exists');
    });

    it('collects a category not yet held, then records updates, corrections and supplements with their reason', () => {
      const base = { ...ctx, type: 'ChangeData' as const, category: 'contact' as const, purposeId: 'health-management' };
      given(...registered()).when({ ...base, set: { phone: '+8613812345678' }, reason: 'update' }).then([{ type: 'DataCollected', data: { fields: { phone: '+8613812345678' } } as never }]);
      const withContact = [...registered(), ...decideSubject({ ...base, set: { phone: '+8613812345678' }, reason: 'update' }, registered().reduce(evolveSubject, initialSubjectState()))];
      given(...withContact).when({ ...base, set: { phone: '+8613900000000' }, reason: 'correction', rightsRequestId: 'r-1' }).then([
        { type: 'DataCorrected', data: { reason: 'correction', rightsRequestId: 'r-1', set: { phone: '+8613900000000' } } as never },
      ]);
      given(...withContact).when({ ...base, set: { email: 'a@b.cn' }, reason: 'supplement' }).then([{ type: 'DataSupplemented' }]);
      given(...withContact).when({ ...base, set: { email: null }, reason: 'update' }).then([{ type: 'DataUpdated', data: { set: { email: null } } as never }]);
    });

    it('applies the processing rules to changes and list items', () => {
      const base = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const };
      given(...registered()).when({ ...base, category: 'preferences', set: { interests: ['x'] }, purposeId: 'health-management' }).thenThrows('category-not-in-purpose');
      given(...registered()).when({ ...base, category: 'health_records', set: { exams: [] }, purposeId: 'health-management' }).thenThrows('separate-consent-required');
      given(...registered()).when({ ...base, category: 'preferences', set: { interests: ['x'] }, purposeId: 'marketing' }).thenThrows('consent-required');
      given(...registered(), marketingConsent).when({ ...base, category: 'preferences', set: { interests: ['x'] }, purposeId: 'marketing' }).then([{ type: 'DataCollected' }]);
      given(...registered())
        .when({ ...ctx, type: 'AddDataItem', category: 'health', field: 'allergies', item: '青霉素', purposeId: 'health-management' })
        .then([{ type: 'DataItemAdded', data: { field: 'allergies', item: '青霉素' } as never }]);
      given(...registered())
        .when({ ...ctx, type: 'AddDataItem', category: 'consumption', field: 'purchases', item: {}, purposeId: 'health-management' })
        .thenThrows('separate-consent-required');
    });

    it('grants consents bound to a notice that describes the purpose, within the purpose', () => {
      const grant = { ...ctx, type: 'GrantConsent' as const, consentId: 'c-m', purposeId: 'marketing', categories: ['contact' as const], separate: false, noticeVersion: 'v1', channel: 'app' };
      given(...registered()).when(grant).then([{ type: 'ConsentGranted', data: { consentId: 'c-m', noticeVersion: 'v1' } as never }]);
      given(...registered()).when({ ...grant, categories: ['health'] }).thenThrows('category-not-in-purpose');
      given(...registered()).when({ ...grant, noticeVersion: 'v0' }).thenThrows('unknown-notice');
    });

    it('withdraws a consent once; afterwards consent-based processing is refused but necessary purposes go on (Art. 16)', () => {
      const withdraw = { ...ctx, type: 'WithdrawConsent' as const, consentId: 'c-m', withdrawnBy: 'subject' };
      given(...registered(), marketingConsent).when(withdraw).then([{ type: 'ConsentWithdrawn', data: { consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject' } as never }]);
      const withdrawn: SubjectEvent = { type: 'ConsentWithdrawn', data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: NOW } };
      given(...registered(), marketingConsent, withdrawn).when(withdraw).then([]);
      given(...registered()).when({ ...withdraw, consentId: 'nope' }).thenThrows('consent-not-found');
      const change = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const, set: { interests: ['x'] } };
      given(...registered(), marketingConsent, withdrawn).when({ ...change, category: 'preferences', purposeId: 'marketing' }).thenThrows('consent-required');
      given(...registered(), marketingConsent, withdrawn).when({ ...change, category: 'contact', set: { email: 'a@b.cn' }, purposeId: 'health-management' }).then([{ type: 'DataCollected' }]);
    });

    it('restricts processing per purpose or entirely, refuses processing meanwhile, and lifts restrictions', () => {
      const restricted: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r1', purposeIds: ['health-management'], reason: 'dispute', restrictedAt: NOW } };
      given(...registered()).when({ ...ctx, type: 'RestrictProcessing', restrictionId: 'r1', purposeIds: ['health-management'], reason: 'dispute' }).then([{ type: 'ProcessingRestricted' }]);
      given(...registered()).when({ ...ctx, type: 'RestrictProcessing', restrictionId: 'r1', purposeIds: ['nope'], reason: 'x' }).thenThrows('unknown-purpose');
      const change = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const, category: 'contact' as const, set: { email: 'a@b.cn' }, purposeId: 'health-management' };
      given(...registered(), restricted).when(change).thenThrows('processing-restricted');
      const everything: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r2', purposeIds: null, reason: 'all', restrictedAt: NOW } };
      given(...registered(), marketingConsent, everything).when({ ...change, category: 'preferences', purposeId: 'marketing' }).thenThrows('processing-restricted');
      given(...registered(), restricted).when({ ...ctx, type: 'LiftRestriction', restrictionId: 'r1' }).then([{ type: 'RestrictionLifted' }]);
      given(...registered()).when({ ...ctx, type: 'LiftRestriction', restrictionId: 'r1' }).thenThrows('restriction-not-found');
      const lifted: SubjectEvent = { type: 'RestrictionLifted', data: { subjectId: S, restrictionId: 'r1', liftedAt: NOW } };
      given(...registered(), restricted, lifted).when(change).then([{ type: 'DataCollected' }]);
    });

    it('discloses to a third party only under a separate consent covering the categories (Art. 23)', () => {
      const disclose = { ...ctx, type: 'Disclose' as const, disclosureId: 'd1', recipient: { name: 'Lab Co.', contact: 'lab@example.cn' }, purposeId: 'health-management', categories: ['health' as const] };
      given(...registered()).when(disclose).then([{ type: 'DisclosedToThirdParty', data: { consentId: 'c-h', recipient: { name: 'Lab Co.' } } as never }]);
      given(...registered()).when({ ...disclose, categories: ['identity'] }).thenThrows('separate-consent-required');
      given(...registered(), marketingConsent).when({ ...disclose, purposeId: 'marketing', categories: ['contact'] }).thenThrows('separate-consent-required');
    });
  });

  describe('erased subject', () => {
    const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], erasedAt: NOW } };
    it('refuses all further processing', () => {
      given(...registered(), erased).when({ ...ctx, type: 'ChangeData', category: 'contact', set: { email: 'a@b.cn' }, reason: 'update', purposeId: 'health-management' }).thenThrows('subject-erased');
      given(...registered(), erased).when({ ...ctx, type: 'RestrictProcessing', restrictionId: 'r', reason: 'x' }).thenThrows('subject-erased');
      given(...registered(), erased).when(register()).thenThrows('subject-exists');
    });
  });

  describe('erasure (PIPL Art. 47)', () => {
    const erase = (over: Partial<Extract<SubjectCommand, { type: 'Erase' }>> = {}): SubjectCommand => ({ ...ctx, type: 'Erase', requestId: 'rr-1', holds: [], restrictionId: 'lh-1', ...over });
    const hold = { category: 'health' as const, basis: '医疗机构病历管理规定 第29条', until: '2041-11-23' };

    it('refuses an absent subject', () => {
      given().when(erase()).thenThrows('subject-not-found');
    });

    it('erases every held category, naming the request', () => {
      given(...registered()).when(erase()).then([
        { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], requestId: 'rr-1', erasedAt: NOW } },
      ]);
    });

    it('erases a restricted subject too, and accepts named categories that cover all it holds', () => {
      const restricted: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r1', purposeIds: null, reason: 'x', restrictedAt: NOW } };
      given(...registered(), restricted).when(erase({ categories: ['health', 'identity', 'contact'] })).then([{ type: 'SubjectErased', data: { erasedCategories: ['identity', 'health'] } as never }]);
    });

    it('keeps a category under a legal hold, restricted to storage for every purpose before the erasure', () => {
      given(...registered()).when(erase({ holds: [hold, { ...hold, category: 'consumption' }] })).then([
        { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'lh-1', purposeIds: null, reason: 'legal hold', restrictedAt: NOW } },
        { type: 'SubjectErased', data: { erasedCategories: ['identity'], retained: [hold] } as never },
      ]);
    });

    it('erases only the named categories; the subject lives on without them', () => {
      const [partial] = given(...registered()).when(erase({ categories: ['health', 'preferences'] })).then([
        { type: 'SubjectErased', data: { erasedCategories: ['health'], retained: [], requestId: 'rr-1' } as never },
      ]);
      const state = [...registered(), partial].reduce(evolveSubject, initialSubjectState());
      expect(state).toMatchObject({ status: 'active', held: { identity: ['name', 'birthDate'] } });
      expect(state.status !== 'erased' && state.status !== 'absent' && state.held.health).toBeUndefined();
      const change = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const, category: 'identity' as const, set: { gender: 'male' }, purposeId: 'health-management' };
      given(...registered(), partial).when(change).then([{ type: 'DataUpdated' }]);
      given(...registered(), partial).when(erase({ requestId: 'rr-2' })).then([{ type: 'SubjectErased', data: { erasedCategories: ['identity'] } as never }]);
    });

    it('keeps a held category when erasing only some categories, without restricting the rest', () => {
      given(...registered()).when(erase({ categories: ['health'], holds: [hold] })).then([{ type: 'SubjectErased', data: { erasedCategories: [], retained: [hold] } as never }]);
    });

    it('erasing an erased subject again changes nothing', () => {
      const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], erasedAt: NOW } };
      given(...registered(), erased).when(erase({ requestId: 'rr-2' })).then([]);
    });
  });
});

describe('reading under a purpose', () => {
  const { readableCategories } = jest.requireActual('./processing-rules') as typeof import('./processing-rules');
  const state = (...events: SubjectEvent[]) => events.reduce(evolveSubject, initialSubjectState()) as Extract<ReturnType<typeof evolveSubject>, { status: 'active' | 'restricted' }>;
  const held = ['identity', 'health', 'contact', 'preferences'] as const;

  it('shows only categories within the purpose that have a legal basis', () => {
    expect(readableCategories(registry, state(...registered()), 'health-management', [...held])).toEqual(['identity', 'health', 'contact']);
    expect(readableCategories(registry, state(...registered(), marketingConsent), 'marketing', [...held])).toEqual(['contact', 'preferences']);
  });

  it('refuses with no-legal-basis once the only consent is withdrawn, and when restricted', () => {
    const withdrawn: SubjectEvent = { type: 'ConsentWithdrawn', data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: NOW } };
    expect(() => readableCategories(registry, state(...registered(), marketingConsent, withdrawn), 'marketing', [...held])).toThrow(expect.objectContaining({ code: 'no-legal-basis' }));
    const restricted: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r', purposeIds: null, reason: 'x', restrictedAt: NOW } };
    expect(() => readableCategories(registry, state(...registered(), restricted), 'health-management', [...held])).toThrow(expect.objectContaining({ code: 'processing-restricted' }));
    expect(() => readableCategories(registry, state(...registered()), 'nope', [...held])).toThrow(expect.objectContaining({ code: 'unknown-purpose' }));
  });
});
