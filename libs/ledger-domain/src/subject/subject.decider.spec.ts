import { decideRegistry, evolveRegistry, initialRegistry, RegistryState } from '../registry/registry.decider';
import { defaultRegistryCommands } from '../registry/default-registry';
import { DomainError } from '../domain-error';
import { decideSubject, SubjectCommand } from './subject.decider';
import { CHANGE_EVENT, SubjectEvent } from './subject.events';
import { evolveSubject, initialSubjectState, SubjectState } from './subject.state';

const NOW = '2026-11-23T10:00:00.000Z';
const registry: RegistryState = defaultRegistryCommands(NOW).reduce((state, command) => decideRegistry(command, state).reduce(evolveRegistry, state), initialRegistry());
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
const fold = (events: SubjectEvent[]) => events.reduce(evolveSubject, initialSubjectState());
/** The events after deciding `command` on `events`. */
const after = (events: SubjectEvent[], command: SubjectCommand): SubjectEvent[] => [...events, ...decideSubject(command, fold(events))];
const guardian = { name: '李四', relation: 'mother' };
const restrictedHealth: SubjectEvent = {
  type: 'ProcessingRestricted',
  data: { subjectId: S, restrictionId: 'r1', purposeIds: ['health-management'], reason: 'dispute', restrictedAt: NOW },
};
const restrictedAll: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r2', purposeIds: null, reason: 'all', restrictedAt: NOW } };
const addAllergy = { ...ctx, type: 'AddDataItem' as const, category: 'health' as const, field: 'allergies', item: '青霉素', purposeId: 'health-management' };
const discloseHealth = {
  ...ctx,
  type: 'Disclose' as const,
  disclosureId: 'd1',
  recipient: { name: 'Lab Co.', contact: 'lab@example.cn' },
  purposeId: 'health-management',
  categories: ['health' as const],
};
const grantMarketing = {
  ...ctx,
  type: 'GrantConsent' as const,
  consentId: 'c-m',
  purposeId: 'marketing',
  categories: ['contact' as const],
  separate: false,
  noticeVersion: 'v1',
  channel: 'app',
};
const narrowNotice = evolveRegistry(registry, {
  type: 'NoticePublished',
  data: { notice: { version: 'v2', content: 'x', contentHash: 'h', purposeIds: ['marketing'], publishedAt: NOW } },
});
const marketingConsent: SubjectEvent = {
  type: 'ConsentGranted',
  data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', categories: ['contact', 'preferences'], separate: false, noticeVersion: 'v1', channel: 'app', grantedAt: NOW },
};

describe('data subject decider', () => {
  describe('absent subject', () => {
    it('registers with its consents and one DataCollected per category', () => {
      given()
        .when(register())
        .then([
          {
            type: 'SubjectRegistered',
            data: { subjectId: S, purposeId: 'health-management', legalBasis: 'contract', noticeVersion: 'v1', minor: false, registeredAt: NOW } as never,
          },
          { type: 'ConsentGranted', data: { consentId: 'c-h', separate: true } as never },
          { type: 'DataCollected', data: { category: 'identity', fields: { name: '张三', birthDate: '1980-05-01' } } as never },
          { type: 'DataCollected', data: { category: 'health', fields: { conditions: ['高血压'] } } as never },
        ]);
    });

    it('refuses a category outside the purpose', () => {
      given()
        .when(register({ data: { preferences: { interests: ['跑步'] } } }))
        .thenThrows('category-not-in-purpose');
    });

    it('refuses sensitive data without a separate consent for the purpose', () => {
      given()
        .when(register({ consents: [{ ...healthConsent, separate: false }] }))
        .thenThrows('separate-consent-required');
      given()
        .when(register({ consents: [] }))
        .thenThrows('separate-consent-required');
    });

    it('refuses a consent-based purpose without a consent covering the categories', () => {
      given()
        .when(register({ purposeId: 'marketing', consents: [], data: { contact: { phone: '+8613812345678' } } }))
        .thenThrows('consent-required');
      given()
        .when(
          register({
            purposeId: 'marketing',
            consents: [{ consentId: 'c', purposeId: 'marketing', categories: ['preferences'], separate: false }],
            data: { contact: { phone: '+8613812345678' } },
          }),
        )
        .thenThrows('consent-required');
    });

    it('registers under a consent-based purpose when the consent covers the data', () => {
      given()
        .when(
          register({
            purposeId: 'marketing',
            consents: [{ consentId: 'c', purposeId: 'marketing', categories: ['contact'], separate: false }],
            data: { contact: { phone: '+8613812345678' } },
          }),
        )
        .then([{ type: 'SubjectRegistered' }, { type: 'ConsentGranted' }, { type: 'DataCollected' }]);
    });

    it('needs a guardian’s consent for a child under 14, for every consent', () => {
      given()
        .when(register({ ageYears: 13 }))
        .thenThrows('guardian-consent-required');
      const guardian = { name: '李四', relation: 'mother' };
      given()
        .when(
          register({
            ageYears: 13,
            consents: [
              { ...healthConsent, guardian },
              { consentId: 'c2', purposeId: 'research', categories: ['health'], separate: true },
            ],
          }),
        )
        .thenThrows('guardian-consent-required');
      given()
        .when(register({ ageYears: 13, consents: [{ ...healthConsent, guardian }] }))
        .thenThrows('separate-consent-required'); // identity is sensitive for a child
      given()
        .when(register({ ageYears: 13, consents: [{ ...healthConsent, categories: ['health', 'identity'], guardian }] }))
        .then([
          { type: 'SubjectRegistered', data: { minor: true } as never },
          { type: 'ConsentGranted', data: { guardian } as never },
          { type: 'DataCollected' },
          { type: 'DataCollected' },
        ]);
    });

    it('needs the guardian’s consent to cover the purpose of collection, not only to be on each consent', () => {
      const research = { consentId: 'c-r', purposeId: 'research', categories: ['health' as const], separate: true, guardian };
      given()
        .when(register({ ageYears: 13, consents: [research] }))
        .thenThrows('guardian-consent-required');
    });

    it('refuses a consent outside its purpose, for an unknown purpose, or for a purpose its notice does not describe', () => {
      given()
        .when(register({ consents: [healthConsent, { consentId: 'c-m', purposeId: 'marketing', categories: ['health'], separate: true }] }))
        .thenThrows('category-not-in-purpose');
      given()
        .when(register({ consents: [healthConsent, { consentId: 'c-x', purposeId: 'nope', categories: ['health'], separate: true }] }))
        .thenThrows('unknown-purpose');
      const both = evolveRegistry(narrowNotice, {
        type: 'NoticePublished',
        data: { notice: { version: 'v3', content: 'y', contentHash: 'h3', purposeIds: ['health-management'], publishedAt: NOW } },
      });
      given()
        .when(register({ noticeVersion: 'v3', registry: both, consents: [healthConsent, { consentId: 'c-r', purposeId: 'research', categories: ['health'], separate: true }] }))
        .thenThrows('notice-does-not-cover-purpose');
    });

    it('refuses unknown purposes and notices, and a notice that does not describe the purpose', () => {
      given()
        .when(register({ purposeId: 'nope' }))
        .thenThrows('unknown-purpose');
      given()
        .when(register({ purposeId: 'constructor' }))
        .thenThrows('unknown-purpose'); // not an own property
      given()
        .when(register({ noticeVersion: '__proto__' }))
        .thenThrows('unknown-notice');
      given()
        .when(register({ noticeVersion: 'v9' }))
        .thenThrows('unknown-notice');
      const narrow = evolveRegistry(registry, {
        type: 'NoticePublished',
        data: { notice: { version: 'v2', content: 'x', contentHash: 'h', purposeIds: ['marketing'], publishedAt: NOW } },
      });
      given()
        .when(register({ noticeVersion: 'v2', registry: narrow }))
        .thenThrows('notice-does-not-cover-purpose');
    });

    it('refuses every other command', () => {
      given()
        .when({ ...ctx, type: 'WithdrawConsent', consentId: 'c', withdrawnBy: 'subject' })
        .thenThrows('subject-not-found');
      given()
        .when({ ...ctx, type: 'ChangeData', category: 'contact', set: { email: 'a@b.cn' }, reason: 'update', purposeId: 'health-management' })
        .thenThrows('subject-not-found');
      given().when(addAllergy).thenThrows('subject-not-found');
      given().when(grantMarketing).thenThrows('subject-not-found');
      given().when(discloseHealth).thenThrows('subject-not-found');
      given()
        .when({ ...ctx, type: 'RestrictProcessing', restrictionId: 'r', reason: 'x' })
        .thenThrows('subject-not-found');
      given()
        .when({ ...ctx, type: 'LiftRestriction', restrictionId: 'r' })
        .thenThrows('subject-not-found');
    });
  });

  describe('registered subject', () => {
    it('refuses a second registration', () => {
      given(...registered())
        .when(register())
        .thenThrows('subject-exists');
    });

    it('collects a category not yet held, then records updates, corrections and supplements with their reason', () => {
      const base = { ...ctx, type: 'ChangeData' as const, category: 'contact' as const, purposeId: 'health-management' };
      given(...registered())
        .when({ ...base, set: { phone: '+8613812345678' }, reason: 'update' })
        .then([{ type: 'DataCollected', data: { fields: { phone: '+8613812345678' } } as never }]);
      const withContact = [
        ...registered(),
        ...decideSubject({ ...base, set: { phone: '+8613812345678' }, reason: 'update' }, registered().reduce(evolveSubject, initialSubjectState())),
      ];
      given(...withContact)
        .when({
          ...base,
          set: { phone: '+8613900000000' },
          reason: 'correction',
          rightsRequestId: 'r-1',
          rightsRequest: { subjectId: S, requestType: 'correction', status: 'in_progress' },
        })
        .then([{ type: 'DataCorrected', data: { reason: 'correction', rightsRequestId: 'r-1', set: { phone: '+8613900000000' } } as never }]);
      given(...withContact)
        .when({ ...base, set: { email: 'a@b.cn' }, reason: 'supplement' })
        .then([{ type: 'DataSupplemented' }]);
      given(...withContact)
        .when({ ...base, set: { email: null }, reason: 'update' })
        .then([{ type: 'DataUpdated', data: { set: { email: null } } as never }]);
    });

    it('applies the processing rules to changes and list items', () => {
      const base = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const };
      given(...registered())
        .when({ ...base, category: 'preferences', set: { interests: ['x'] }, purposeId: 'health-management' })
        .thenThrows('category-not-in-purpose');
      given(...registered())
        .when({ ...base, category: 'health_records', set: { exams: [] }, purposeId: 'health-management' })
        .thenThrows('separate-consent-required');
      given(...registered())
        .when({ ...base, category: 'preferences', set: { interests: ['x'] }, purposeId: 'marketing' })
        .thenThrows('consent-required');
      given(...registered(), marketingConsent)
        .when({ ...base, category: 'preferences', set: { interests: ['x'] }, purposeId: 'marketing' })
        .then([{ type: 'DataCollected' }]);
      given(...registered())
        .when({ ...ctx, type: 'AddDataItem', category: 'health', field: 'allergies', item: '青霉素', purposeId: 'health-management' })
        .then([{ type: 'DataItemAdded', data: { field: 'allergies', item: '青霉素' } as never }]);
      given(...registered())
        .when({ ...ctx, type: 'AddDataItem', category: 'consumption', field: 'purchases', item: {}, purposeId: 'health-management' })
        .thenThrows('separate-consent-required');
    });

    it('refuses changes and list items for an unknown purpose, outside the purpose, or without the consent the purpose needs', () => {
      given(...registered())
        .when({ ...ctx, type: 'ChangeData', category: 'contact', set: { email: 'a@b.cn' }, reason: 'update', purposeId: 'nope' })
        .thenThrows('unknown-purpose');
      given(...registered())
        .when({ ...addAllergy, purposeId: 'nope' })
        .thenThrows('unknown-purpose');
      given(...registered())
        .when({ ...addAllergy, purposeId: 'marketing' })
        .thenThrows('category-not-in-purpose');
      given(...registered())
        .when({ ...addAllergy, category: 'preferences', field: 'interests', item: '跑步', purposeId: 'marketing' })
        .thenThrows('consent-required');
    });

    it('grants consents bound to a notice that describes the purpose, within the purpose', () => {
      const grant = {
        ...ctx,
        type: 'GrantConsent' as const,
        consentId: 'c-m',
        purposeId: 'marketing',
        categories: ['contact' as const],
        separate: false,
        noticeVersion: 'v1',
        channel: 'app',
      };
      given(...registered())
        .when(grant)
        .then([{ type: 'ConsentGranted', data: { consentId: 'c-m', noticeVersion: 'v1' } as never }]);
      given(...registered())
        .when({ ...grant, categories: ['health'] })
        .thenThrows('category-not-in-purpose');
      given(...registered())
        .when({ ...grant, noticeVersion: 'v0' })
        .thenThrows('unknown-notice');
      given(...registered())
        .when({ ...grant, purposeId: 'nope' })
        .thenThrows('unknown-purpose');
      given(...registered())
        .when({ ...grant, purposeId: 'research', categories: ['health'], noticeVersion: 'v2', registry: narrowNotice })
        .thenThrows('notice-does-not-cover-purpose');
    });

    it('grants a child under 14 only a guardian’s consent', () => {
      const child = decideSubject(register({ ageYears: 13, consents: [{ ...healthConsent, categories: ['health', 'identity'], guardian }] }), initialSubjectState());
      given(...child)
        .when(grantMarketing)
        .thenThrows('guardian-consent-required');
      // everything about a child is sensitive (Art. 28), so the guardian's consent is a separate one (Art. 29)
      given(...child)
        .when({ ...grantMarketing, guardian })
        .thenThrows('separate-consent-required');
      given(...child)
        .when({ ...grantMarketing, separate: true, guardian })
        .then([{ type: 'ConsentGranted', data: { consentId: 'c-m', guardian } as never }]);
    });

    it('withdraws a consent once; afterwards consent-based processing is refused but necessary purposes go on (Art. 16)', () => {
      const withdraw = { ...ctx, type: 'WithdrawConsent' as const, consentId: 'c-m', withdrawnBy: 'subject' };
      given(...registered(), marketingConsent)
        .when(withdraw)
        .then([{ type: 'ConsentWithdrawn', data: { consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject' } as never }]);
      const withdrawn: SubjectEvent = { type: 'ConsentWithdrawn', data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: NOW } };
      given(...registered(), marketingConsent, withdrawn)
        .when(withdraw)
        .then([]);
      given(...registered())
        .when({ ...withdraw, consentId: 'nope' })
        .thenThrows('consent-not-found');
      const change = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const, set: { interests: ['x'] } };
      given(...registered(), marketingConsent, withdrawn)
        .when({ ...change, category: 'preferences', purposeId: 'marketing' })
        .thenThrows('consent-required');
      given(...registered(), marketingConsent, withdrawn)
        .when({ ...change, category: 'contact', set: { email: 'a@b.cn' }, purposeId: 'health-management' })
        .then([{ type: 'DataCollected' }]);
    });

    it('restricts processing per purpose or entirely, refuses processing meanwhile, and lifts restrictions', () => {
      const restricted: SubjectEvent = {
        type: 'ProcessingRestricted',
        data: { subjectId: S, restrictionId: 'r1', purposeIds: ['health-management'], reason: 'dispute', restrictedAt: NOW },
      };
      given(...registered())
        .when({ ...ctx, type: 'RestrictProcessing', restrictionId: 'r1', purposeIds: ['health-management'], reason: 'dispute' })
        .then([{ type: 'ProcessingRestricted' }]);
      given(...registered())
        .when({ ...ctx, type: 'RestrictProcessing', restrictionId: 'r1', purposeIds: ['nope'], reason: 'x' })
        .thenThrows('unknown-purpose');
      const change = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const, category: 'contact' as const, set: { email: 'a@b.cn' }, purposeId: 'health-management' };
      given(...registered(), restricted)
        .when(change)
        .thenThrows('processing-restricted');
      const everything: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r2', purposeIds: null, reason: 'all', restrictedAt: NOW } };
      given(...registered(), marketingConsent, everything)
        .when({ ...change, category: 'preferences', purposeId: 'marketing' })
        .thenThrows('processing-restricted');
      given(...registered(), restricted)
        .when({ ...ctx, type: 'LiftRestriction', restrictionId: 'r1' })
        .then([{ type: 'RestrictionLifted' }]);
      given(...registered())
        .when({ ...ctx, type: 'LiftRestriction', restrictionId: 'r1' })
        .thenThrows('restriction-not-found');
      const lifted: SubjectEvent = { type: 'RestrictionLifted', data: { subjectId: S, restrictionId: 'r1', liftedAt: NOW } };
      given(...registered(), restricted, lifted)
        .when(change)
        .then([{ type: 'DataCollected' }]);
    });

    it('refuses list items and disclosures while restricted, for the purpose or entirely, and allows them once lifted', () => {
      given(...registered(), restrictedHealth)
        .when(addAllergy)
        .thenThrows('processing-restricted');
      given(...registered(), restrictedAll)
        .when(addAllergy)
        .thenThrows('processing-restricted');
      given(...registered(), restrictedHealth)
        .when(discloseHealth)
        .thenThrows('processing-restricted');
      given(...registered(), restrictedAll)
        .when(discloseHealth)
        .thenThrows('processing-restricted');
      const onlyMarketing: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r3', purposeIds: ['marketing'], reason: 'x', restrictedAt: NOW } };
      given(...registered(), onlyMarketing)
        .when(discloseHealth)
        .then([{ type: 'DisclosedToThirdParty' }]);
      const lifted: SubjectEvent = { type: 'RestrictionLifted', data: { subjectId: S, restrictionId: 'r1', liftedAt: NOW } };
      given(...registered(), restrictedHealth, lifted)
        .when(addAllergy)
        .then([{ type: 'DataItemAdded' }]);
    });

    it('refuses disclosures for an unknown purpose, outside the purpose, or without the consent the purpose needs', () => {
      given(...registered())
        .when({ ...discloseHealth, purposeId: 'nope' })
        .thenThrows('unknown-purpose');
      given(...registered())
        .when({ ...discloseHealth, categories: ['preferences'] })
        .thenThrows('category-not-in-purpose');
      given(...registered())
        .when({ ...discloseHealth, purposeId: 'marketing', categories: ['contact'] })
        .thenThrows('consent-required');
    });

    it('discloses to a third party only under a separate consent covering the categories (Art. 23)', () => {
      const disclose = {
        ...ctx,
        type: 'Disclose' as const,
        disclosureId: 'd1',
        recipient: { name: 'Lab Co.', contact: 'lab@example.cn' },
        purposeId: 'health-management',
        categories: ['health' as const],
      };
      given(...registered())
        .when(disclose)
        .then([{ type: 'DisclosedToThirdParty', data: { consentId: 'c-h', recipient: { name: 'Lab Co.' } } as never }]);
      given(...registered())
        .when({ ...disclose, categories: ['identity'] })
        .thenThrows('separate-consent-required');
      given(...registered(), marketingConsent)
        .when({ ...disclose, purposeId: 'marketing', categories: ['contact'] })
        .thenThrows('separate-consent-required');
    });
  });

  describe('erased subject', () => {
    const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], erasedAt: NOW } };
    it('refuses all further processing', () => {
      given(...registered(), erased)
        .when({ ...ctx, type: 'ChangeData', category: 'contact', set: { email: 'a@b.cn' }, reason: 'update', purposeId: 'health-management' })
        .thenThrows('subject-erased');
      given(...registered(), erased)
        .when({ ...ctx, type: 'RestrictProcessing', restrictionId: 'r', reason: 'x' })
        .thenThrows('subject-erased');
      given(...registered(), erased)
        .when(register())
        .thenThrows('subject-exists');
      given(...registered(), erased)
        .when(addAllergy)
        .thenThrows('subject-erased');
      given(...registered(), erased)
        .when(discloseHealth)
        .thenThrows('subject-erased');
      given(...registered(), erased)
        .when(grantMarketing)
        .thenThrows('subject-erased');
      given(...registered(), erased)
        .when({ ...ctx, type: 'WithdrawConsent', consentId: 'c-h', withdrawnBy: 'subject' })
        .thenThrows('subject-erased');
    });

    it('stays erased when it was restricted before, and refuses lifting the restriction', () => {
      given(...registered(), restrictedHealth, erased)
        .when(addAllergy)
        .thenThrows('subject-erased');
      given(...registered(), restrictedHealth, erased)
        .when(discloseHealth)
        .thenThrows('subject-erased');
      given(...registered(), restrictedHealth, erased)
        .when({ ...ctx, type: 'LiftRestriction', restrictionId: 'r1' })
        .thenThrows('subject-erased');
    });
  });

  describe('the end of the relationship', () => {
    const end = (over: Partial<Extract<SubjectCommand, { type: 'EndRelationship' }>> = {}): SubjectCommand => ({
      ...ctx,
      type: 'EndRelationship',
      reason: 'relationship-ended',
      restrictionId: 'end-1',
      ...over,
    });

    it('records the end with its reason and restricts every purpose to storage (PIPL Art. 47, second paragraph)', () => {
      const events = given(...registered())
        .when(end({ reason: 'purpose-fulfilled' }))
        .then([
          { type: 'RelationshipEnded', data: { subjectId: S, reason: 'purpose-fulfilled', endedAt: NOW } },
          { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'end-1', purposeIds: null, reason: 'relationship ended', restrictedAt: NOW } },
        ]);
      const state = fold([...registered(), ...events]);
      expect(state).toMatchObject({ status: 'restricted', relationshipEndedAt: NOW });
      // no processing under any purpose from then on
      given(...registered(), ...events)
        .when({ ...ctx, type: 'ChangeData', reason: 'update', category: 'identity', set: { gender: 'male' }, purposeId: 'health-management' })
        .thenThrows('processing-restricted');
    });

    it('ends once: a second end changes nothing', () => {
      const events = decideSubject(end(), fold(registered()));
      given(...registered(), ...events)
        .when(end({ reason: 'purpose-fulfilled', restrictionId: 'end-2' }))
        .then([]);
    });

    it('refuses an absent or erased subject', () => {
      given().when(end()).thenThrows('subject-not-found');
      const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], whole: true, erasedAt: NOW } };
      given(...registered(), erased)
        .when(end())
        .thenThrows('subject-erased');
    });
  });

  describe('erasure (PIPL Art. 47)', () => {
    const erase = (over: Partial<Extract<SubjectCommand, { type: 'Erase' }>> = {}): SubjectCommand => ({
      ...ctx,
      type: 'Erase',
      requestId: 'rr-1',
      holds: [],
      restrictionId: 'lh-1',
      ...over,
    });
    const hold = { category: 'health' as const, basis: '医疗机构病历管理规定 第29条', until: '2041-11-23' };
    const RETENTION = { initiative: 'handler', ground: 'retention-expired' } as const;

    it('refuses an absent subject', () => {
      given().when(erase()).thenThrows('subject-not-found');
    });

    it('erases every held category, naming the request', () => {
      given(...registered())
        .when(erase())
        .then([{ type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], requestId: 'rr-1', erasedAt: NOW } }]);
    });

    it('erases a restricted subject too, and accepts named categories that cover all it holds', () => {
      const restricted: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r1', purposeIds: null, reason: 'x', restrictedAt: NOW } };
      given(...registered(), restricted)
        .when(erase({ categories: ['health', 'identity', 'contact'] }))
        .then([{ type: 'SubjectErased', data: { erasedCategories: ['identity', 'health'] } as never }]);
    });

    it('keeps a category under a legal hold, restricted to storage for every purpose before the erasure', () => {
      given(...registered())
        .when(erase({ holds: [hold, { ...hold, category: 'consumption' }] }))
        .then([
          { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'lh-1', purposeIds: null, reason: 'legal hold', restrictedAt: NOW } },
          { type: 'SubjectErased', data: { erasedCategories: ['identity'], retained: [hold] } as never },
        ]);
    });

    it('erases only the named categories; the subject lives on without them', () => {
      const [partial] = given(...registered())
        .when(erase({ categories: ['health', 'preferences'] }))
        .then([{ type: 'SubjectErased', data: { erasedCategories: ['health'], retained: [], requestId: 'rr-1' } as never }]);
      const state = [...registered(), partial].reduce(evolveSubject, initialSubjectState());
      expect(state).toMatchObject({ status: 'active', held: { identity: ['name', 'birthDate'] } });
      expect(state.status !== 'erased' && state.status !== 'absent' && state.status !== 'merged' && state.held.health).toBeUndefined();
      const change = { ...ctx, type: 'ChangeData' as const, reason: 'update' as const, category: 'identity' as const, set: { gender: 'male' }, purposeId: 'health-management' };
      given(...registered(), partial)
        .when(change)
        .then([{ type: 'DataUpdated' }]);
      given(...registered(), partial)
        .when(erase({ requestId: 'rr-2' }))
        .then([{ type: 'SubjectErased', data: { erasedCategories: ['identity'] } as never }]);
    });

    it('keeps a held category when erasing only some categories, without restricting the rest', () => {
      given(...registered())
        .when(erase({ categories: ['health'], holds: [hold] }))
        .then([{ type: 'SubjectErased', data: { erasedCategories: [], retained: [hold] } as never }]);
    });

    it('counts the categories of records in streams of their own as held: a partial erasure of the whole file leaves the subject live with them', () => {
      const [partial] = given(...registered())
        .when(erase({ categories: ['identity', 'health', 'health_records'], recordCategories: ['identity', 'health_records', 'consumption'], grounds: RETENTION }))
        .then([
          {
            type: 'SubjectErased',
            data: { subjectId: S, erasedCategories: ['identity', 'health', 'health_records'], retained: [], requestId: 'rr-1', whole: false, ...RETENTION, erasedAt: NOW },
          },
        ]);
      const state = fold([...registered(), partial]);
      expect(state).toMatchObject({ status: 'active', held: {} });
      // the last category kept, consumption (orders), goes later: that erasure ends the subject
      const [last] = given(...registered(), partial)
        .when(erase({ requestId: 'rr-2', categories: ['consumption'], recordCategories: ['consumption'] }))
        .then([{ type: 'SubjectErased', data: { erasedCategories: ['consumption'], whole: true } as never }]);
      expect(fold([...registered(), partial, last])).toMatchObject({ status: 'erased' });
    });

    it('erases every record category with the file when no category is named, and ends the subject', () => {
      given(...registered())
        .when(erase({ recordCategories: ['service_interactions'] }))
        .then([{ type: 'SubjectErased', data: { erasedCategories: ['identity', 'health', 'service_interactions'], whole: true } as never }]);
    });

    it('a hold on a record category keeps it; with everything else erased, the subject ends restricted to storage', () => {
      const held = { ...hold, category: 'consumption' as const };
      given(...registered())
        .when(erase({ recordCategories: ['consumption'], holds: [held] }))
        .then([
          { type: 'ProcessingRestricted', data: { purposeIds: null, reason: 'legal hold' } as never },
          { type: 'SubjectErased', data: { erasedCategories: ['identity', 'health'], retained: [held], whole: true } as never },
        ]);
      // erasing the file alone while the held record category stays: the subject lives on with it
      given(...registered())
        .when(erase({ categories: ['identity', 'health', 'consumption'], recordCategories: ['consumption', 'service_interactions'], holds: [held] }))
        .then([{ type: 'SubjectErased', data: { erasedCategories: ['identity', 'health'], retained: [held], whole: false } as never }]);
    });

    it('an erasure recorded before `whole` existed still ends the subject when it covered the file', () => {
      const legacy: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], erasedAt: NOW } };
      expect(fold([...registered(), legacy])).toMatchObject({ status: 'erased' });
      const partialWithRecords: SubjectEvent = { ...legacy, data: { ...legacy.data, whole: false } };
      expect(fold([...registered(), partialWithRecords])).toMatchObject({ status: 'active', held: {} });
    });

    it('erasing an erased subject again changes nothing', () => {
      const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'health'], retained: [], erasedAt: NOW } };
      given(...registered(), erased)
        .when(erase({ requestId: 'rr-2' }))
        .then([]);
    });
  });
});

describe('minors under 14 after registration (PIPL Art. 31)', () => {
  /** An adult by default: registered without a birth date, on consents given in their own name. */
  const ownConsent = { ...healthConsent, categories: ['health' as const, 'identity' as const, 'identity_document' as const] };
  const undated = (): SubjectEvent[] =>
    decideSubject(register({ ageYears: undefined, consents: [ownConsent], data: { identity: { name: '张三' }, health: { conditions: ['哮喘'] } } }), initialSubjectState());
  const change = (
    category: 'identity' | 'identity_document' | 'health',
    set: Record<string, unknown>,
    reason: 'update' | 'correction' | 'supplement' = 'update',
  ): SubjectCommand => ({
    ...ctx,
    type: 'ChangeData',
    category,
    set,
    reason,
    purposeId: 'health-management',
  });
  const becameChild = () => after(undated(), change('identity', { birthDate: '2016-01-01' }));
  const guardianConsent = { ...ctx, type: 'GrantConsent' as const, ...ownConsent, consentId: 'c-g', guardian, noticeVersion: 'v1', channel: 'front-desk' };

  it.each(['update', 'correction', 'supplement'] as const)('carries the age fact of a birth date set by a change (%s), aged at the command’s time', (reason) => {
    given(...undated())
      .when(change('identity', { birthDate: '2016-01-01' }, reason))
      .then([{ type: CHANGE_EVENT[reason], data: { set: { birthDate: '2016-01-01' }, minor: true } as never }]);
    expect(fold(becameChild())).toMatchObject({ status: 'active', minor: true });
  });

  it('turns 14 on the birthday, by the command’s time', () => {
    given(...undated())
      .when(change('identity', { birthDate: '2012-11-24' }))
      .then([{ type: 'DataUpdated', data: { minor: true } as never }]);
    given(...undated())
      .when(change('identity', { birthDate: '2012-11-23' }))
      .then([{ type: 'DataUpdated', data: { minor: false } as never }]);
    given(...undated())
      .when({ ...change('identity', { birthDate: '2012-11-23' }), now: '2026-11-22T10:00:00.000Z' })
      .then([{ type: 'DataUpdated', data: { minor: true } as never }]);
  });

  it('carries the fact on the collection of a category not yet held, and no fact on other changes', () => {
    const noIdentity = decideSubject(register({ ageYears: undefined, consents: [ownConsent], data: { health: { conditions: ['哮喘'] } } }), initialSubjectState());
    given(...noIdentity)
      .when(change('identity', { name: '张三', birthDate: '2016-01-01' }))
      .then([{ type: 'DataCollected', data: { minor: true } as never }]);
    const [other] = given(...undated())
      .when(change('identity', { name: '张小三' }))
      .then([{ type: 'DataUpdated' }]);
    expect(other.data).not.toHaveProperty('minor');
  });

  it('derives the fact from a resident ID number while no birth date is held, as registration does', () => {
    const child = '310115201506070035'; // born 2015-06-07
    given(...undated())
      .when(change('identity_document', { type: 'resident_id', number: child }))
      .then([{ type: 'DataCollected', data: { minor: true } as never }]);
    given(...undated())
      .when(change('identity_document', { number: '110101198005010018' }))
      .then([{ type: 'DataCollected', data: { minor: false } as never }]);
    const [passport] = given(...undated())
      .when(change('identity_document', { type: 'passport', number: child }))
      .then([{ type: 'DataCollected' }]);
    expect(passport.data).not.toHaveProperty('minor');
    const [dated] = given(...registered())
      .when(change('identity_document', { type: 'resident_id', number: '110101198005010018' }))
      .then([{ type: 'DataCollected' }]);
    expect(dated.data).not.toHaveProperty('minor'); // identity.birthDate is the source while held
  });

  it('then grants only a guardian’s consent', () => {
    given(...becameChild())
      .when(grantMarketing)
      .thenThrows('guardian-consent-required');
    given(...becameChild())
      .when({ ...grantMarketing, separate: true, guardian })
      .then([{ type: 'ConsentGranted', data: { guardian } as never }]);
  });

  it('stops counting the consents given in the child’s own name until a guardian consents', () => {
    given(...becameChild())
      .when(addAllergy)
      .thenThrows('guardian-consent-required');
    given(...becameChild())
      .when(change('health', { conditions: [] }))
      .thenThrows('guardian-consent-required');
    given(...becameChild())
      .when(discloseHealth)
      .thenThrows('guardian-consent-required');
    const withMarketing = after(after(undated(), grantMarketing), change('identity', { birthDate: '2016-01-01' }));
    given(...withMarketing)
      .when({ ...ctx, type: 'ChangeData', category: 'contact', set: { email: 'a@b.cn' }, reason: 'update', purposeId: 'marketing' })
      .thenThrows('guardian-consent-required');
    const guarded = after(becameChild(), guardianConsent);
    given(...guarded)
      .when(addAllergy)
      .then([{ type: 'DataItemAdded' }]);
    given(...guarded)
      .when(discloseHealth)
      .then([{ type: 'DisclosedToThirdParty', data: { consentId: 'c-g' } as never }]);
  });

  it('keeps the last fact when the birth date is removed, and ends the child’s rules only by a birth date showing an adult, on a guardian’s consent', () => {
    const removed = after(after(becameChild(), guardianConsent), change('identity', { birthDate: null }));
    expect(removed.at(-1)?.data).not.toHaveProperty('minor');
    given(...removed)
      .when(grantMarketing)
      .thenThrows('guardian-consent-required');
    given(...becameChild())
      .when(change('identity', { birthDate: '1986-01-01' }, 'correction'))
      .thenThrows('guardian-consent-required');
    const corrected = after(after(becameChild(), guardianConsent), change('identity', { birthDate: '1986-01-01' }, 'correction'));
    expect(corrected.at(-1)).toMatchObject({ type: 'DataCorrected', data: { minor: false } });
    given(...corrected)
      .when(grantMarketing)
      .then([{ type: 'ConsentGranted' }]);
    given(...corrected)
      .when(addAllergy)
      .then([{ type: 'DataItemAdded' }]);
  });

  it('refuses reads on the child’s own consents: no legal basis (403), the guardian’s consent missing', () => {
    const { readableCategories } = jest.requireActual('./processing-rules') as typeof import('./processing-rules');
    const live = (events: SubjectEvent[]) => fold(events) as Extract<SubjectState, { status: 'active' }>;
    expect(() => readableCategories(registry, live(becameChild()), 'health-management', ['identity', 'health'])).toThrow(
      expect.objectContaining({ code: 'no-legal-basis', details: expect.objectContaining({ missing: 'guardian-consent' }) }),
    );
    expect(readableCategories(registry, live(after(becameChild(), guardianConsent)), 'health-management', ['identity', 'health'])).toEqual(['identity', 'health']);
  });
});

describe('reading under a purpose', () => {
  const { readableCategories } = jest.requireActual('./processing-rules') as typeof import('./processing-rules');
  const state = (...events: SubjectEvent[]) =>
    events.reduce(evolveSubject, initialSubjectState()) as Extract<ReturnType<typeof evolveSubject>, { status: 'active' | 'restricted' }>;
  const held = ['identity', 'health', 'contact', 'preferences'] as const;

  it('shows only categories within the purpose that have a legal basis', () => {
    expect(readableCategories(registry, state(...registered()), 'health-management', [...held])).toEqual(['identity', 'health', 'contact']);
    expect(readableCategories(registry, state(...registered(), marketingConsent), 'marketing', [...held])).toEqual(['contact', 'preferences']);
  });

  it('refuses with no-legal-basis once the only consent is withdrawn, and when restricted', () => {
    const withdrawn: SubjectEvent = { type: 'ConsentWithdrawn', data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: NOW } };
    expect(() => readableCategories(registry, state(...registered(), marketingConsent, withdrawn), 'marketing', [...held])).toThrow(
      expect.objectContaining({ code: 'no-legal-basis' }),
    );
    const restricted: SubjectEvent = { type: 'ProcessingRestricted', data: { subjectId: S, restrictionId: 'r', purposeIds: null, reason: 'x', restrictedAt: NOW } };
    expect(() => readableCategories(registry, state(...registered(), restricted), 'health-management', [...held])).toThrow(
      expect.objectContaining({ code: 'processing-restricted' }),
    );
    expect(() => readableCategories(registry, state(...registered()), 'nope', [...held])).toThrow(expect.objectContaining({ code: 'unknown-purpose' }));
  });
});

describe('meaningless input refused at the decision (issue #18, finding 9)', () => {
  const problemsOf = (error: DomainError) => (error.details as { errors?: unknown }).errors;

  describe('a change naming a rights request fulfils that request', () => {
    const withContact = () =>
      after(registered(), { ...ctx, type: 'ChangeData', category: 'contact', set: { phone: '+8613812345678' }, reason: 'update', purposeId: 'health-management' });
    const correct = (
      rightsRequest: Extract<SubjectCommand, { type: 'ChangeData' }>['rightsRequest'],
      reason: 'correction' | 'supplement' | 'update' = 'correction',
    ): SubjectCommand => ({
      ...ctx,
      type: 'ChangeData',
      category: 'contact',
      set: { phone: '+8613900000000' },
      reason,
      purposeId: 'health-management',
      rightsRequestId: 'rr-1',
      rightsRequest,
    });
    const open = { subjectId: S, requestType: 'correction', status: 'verified' };

    it('given no such request, when a correction names it, then rights-request-not-found naming rightsRequestId', () => {
      const error = given(...withContact())
        .when(correct(null))
        .thenThrows('rights-request-not-found');
      expect(problemsOf(error)).toEqual([{ path: 'rightsRequestId', message: 'no such rights request' }]);
    });

    it('given another subject’s request, when a correction names it, then rights-request-mismatch', () => {
      given(...withContact())
        .when(correct({ ...open, subjectId: 's-2' }))
        .thenThrows('rights-request-mismatch');
    });

    it('given a restriction request, or a change of another kind, then rights-request-mismatch naming the request type', () => {
      const error = given(...withContact())
        .when(correct({ ...open, requestType: 'restriction' }))
        .thenThrows('rights-request-mismatch');
      expect(error.details).toMatchObject({ requestType: 'restriction', errors: [{ path: 'rightsRequestId' }] });
      given(...withContact())
        .when(correct(open, 'update'))
        .thenThrows('rights-request-mismatch');
      given(...withContact())
        .when(correct(open, 'supplement'))
        .thenThrows('rights-request-mismatch');
    });

    it('given a request not yet verified, or already finished, then rights-request-not-open with its status', () => {
      for (const status of ['received', 'fulfilled', 'rejected']) {
        const error = given(...withContact())
          .when(correct({ ...open, status }))
          .thenThrows('rights-request-not-open');
        expect(error.details).toMatchObject({ status });
      }
    });

    it('given this subject’s verified or in-progress correction request, then the change is a DataCorrected naming it', () => {
      for (const status of ['verified', 'in_progress']) {
        given(...withContact())
          .when(correct({ ...open, status }))
          .then([{ type: 'DataCorrected', data: { rightsRequestId: 'rr-1' } as never }]);
      }
    });
  });

  describe('a consent for sensitive categories is a separate consent (PIPL Art. 29)', () => {
    it('given a subject, when a general consent covering health is granted, then separate-consent-required naming separate', () => {
      const error = given(...registered())
        .when({ ...grantMarketing, purposeId: 'health-management', categories: ['contact', 'health'], separate: false })
        .thenThrows('separate-consent-required');
      expect(error.details).toMatchObject({ categories: ['health'], errors: [{ path: 'separate' }] });
    });

    it('given nothing, when a registration carries a general consent for identity_document, then separate-consent-required naming consents[1].separate', () => {
      const general = { consentId: 'c-g', purposeId: 'health-management', categories: ['identity_document' as const], separate: false };
      const error = given()
        .when(register({ consents: [healthConsent, general] }))
        .thenThrows('separate-consent-required');
      expect(problemsOf(error)).toEqual([{ path: 'consents[1].separate', message: 'must be true: identity_document is sensitive' }]);
    });

    it('given a subject, when a general consent covers only non-sensitive categories, then it is granted', () => {
      given(...registered())
        .when(grantMarketing)
        .then([{ type: 'ConsentGranted', data: { separate: false } as never }]);
    });
  });

  describe('an identity document is recorded with its number', () => {
    const document = (set: Record<string, unknown>): SubjectCommand => ({
      ...ctx,
      type: 'ChangeData',
      category: 'identity_document',
      set,
      reason: 'update',
      purposeId: 'health-management',
    });

    it('given nothing, when a registration collects an identity document without a number, then validation-failed naming data.identity_document.number', () => {
      const error = given()
        .when(register({ data: { identity: { name: '张三' }, identity_document: { type: 'passport' } } }))
        .thenThrows('validation-failed');
      expect(problemsOf(error)).toEqual([{ path: 'data.identity_document.number', message: 'required: an identity document is recorded with its number' }]);
    });

    it('given a subject without a document, when a change collects one without a number, then validation-failed naming set.number', () => {
      const error = given(...registered())
        .when(document({ type: 'passport' }))
        .thenThrows('validation-failed');
      expect(problemsOf(error)).toEqual([{ path: 'set.number', message: 'required: an identity document is recorded with its number' }]);
    });

    it('given a held document, when its number alone is removed, then validation-failed; removing the whole document or changing the type is accepted', () => {
      const held = after(registered(), document({ type: 'passport', number: 'E12345678' }));
      given(...held)
        .when(document({ number: null }))
        .thenThrows('validation-failed');
      given(...held)
        .when(document({ type: null, number: null }))
        .then([{ type: 'DataUpdated' }]);
      given(...held)
        .when(document({ type: 'hk_macao_permit' }))
        .then([{ type: 'DataUpdated' }]);
    });
  });
});
