import { decideRegistry, evolveRegistry, initialRegistry, RegistryState } from '../registry/registry.decider';
import { defaultRegistryCommands } from '../registry/default-registry';
import { DomainError, InvalidInput } from '../domain-error';
import { decideSubject, SubjectCommand } from './subject.decider';
import { SubjectEvent } from './subject.events';
import { evolveSubject, initialSubjectState } from './subject.state';
import type { LifecycleStage } from './lifecycle';

const NOW = '2026-11-23T10:00:00.000Z';
const LATER = '2026-11-24T09:00:00.000Z';
const registry: RegistryState = defaultRegistryCommands(NOW).reduce((state, command) => decideRegistry(command, state).reduce(evolveRegistry, state), initialRegistry());
const S = 's-file';

const registration = (over: Partial<Extract<SubjectCommand, { type: 'RegisterSubject' }>> = {}): SubjectCommand => ({
  type: 'RegisterSubject',
  now: NOW,
  registry,
  subjectId: S,
  purposeId: 'health-management',
  noticeVersion: 'v1',
  channel: 'front-desk',
  consents: [],
  data: { identity: { name: '王芳' }, contact: { phone: '+8613812345678' } },
  ...over,
});

/** The events of a history, then the decision on them. */
const decide = (history: SubjectEvent[], command: SubjectCommand) => decideSubject(command, history.reduce(evolveSubject, initialSubjectState()));
const registered = (over: Partial<Extract<SubjectCommand, { type: 'RegisterSubject' }>> = {}) => decideSubject(registration(over), initialSubjectState());
const move = (stage: LifecycleStage, now = LATER, purposeId = 'health-management'): SubjectCommand => ({ type: 'ChangeLifecycleStage', stage, purposeId, now, registry });
const moved = (history: SubjectEvent[], ...stages: LifecycleStage[]) => stages.reduce((events, stage) => [...events, ...decide(events, move(stage))], history);
/** A customer that went through `stages`, a prospect registered as one. */
const through = (stages: LifecycleStage[]) => (stages[0] === 'prospect' ? moved(registered({ lifecycleStage: 'prospect' }), ...stages.slice(1)) : moved(registered(), ...stages));

function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('customer file: lifecycle stage', () => {
  describe('at registration', () => {
    it('given no stage, records none: the customer is active from its registration', () => {
      const events = registered();
      expect(events.map((e) => e.type)).not.toContain('LifecycleStageChanged');
      expect(events.reduce(evolveSubject, initialSubjectState())).toMatchObject({ lifecycle: { stage: 'active', changedAt: null } });
    });

    it('given a stage, records it last, from nothing, under the purpose of collection', () => {
      const events = registered({ lifecycleStage: 'prospect' });
      expect(events.at(-1)).toEqual({ type: 'LifecycleStageChanged', data: { subjectId: S, from: null, to: 'prospect', purposeId: 'health-management', changedAt: NOW } });
    });

    it('refuses a stage under a purpose that does not cover customer_profile', () => {
      const error = refusal(() =>
        registered({
          purposeId: 'marketing',
          consents: [{ consentId: 'c1', purposeId: 'marketing', categories: ['identity', 'contact'], separate: false }],
          lifecycleStage: 'prospect',
        }),
      );
      expect(error.code).toBe('category-not-in-purpose');
    });
  });

  describe('moves', () => {
    it.each<[LifecycleStage[], LifecycleStage]>([
      [['prospect'], 'active'],
      [['prospect'], 'churned'],
      [[], 'dormant'],
      [[], 'churned'],
      [['dormant'], 'active'],
      [['dormant'], 'churned'],
      [['churned'], 'active'],
    ])('given the stages %j, when moved to %s, then one event from the last stage with the time of the change', (before, to) => {
      const history = through(before);
      const from = before.at(-1) ?? 'active';
      expect(decide(history, move(to))).toEqual([{ type: 'LifecycleStageChanged', data: { subjectId: S, from, to, purposeId: 'health-management', changedAt: LATER } }]);
      expect([...history, ...decide(history, move(to))].reduce(evolveSubject, initialSubjectState())).toMatchObject({ lifecycle: { stage: to, changedAt: LATER } });
    });

    it.each<[LifecycleStage[], LifecycleStage]>([
      [['prospect'], 'dormant'],
      [[], 'prospect'],
      [['dormant'], 'prospect'],
      [['churned'], 'dormant'],
      [['churned'], 'prospect'],
    ])('given the stages %j, refuses a move to %s, naming the stages allowed', (before, to) => {
      const error = refusal(() => decide(through(before), move(to)));
      expect(error.code).toBe('lifecycle-transition-not-allowed');
      expect(error.details).toMatchObject({ to, allowed: expect.any(Array) });
    });

    it('a move to the stage the customer is at records nothing', () => {
      expect(decide(registered(), move('active'))).toEqual([]);
      expect(decide(moved(registered(), 'dormant'), move('dormant'))).toEqual([]);
    });

    it('refuses a purpose that does not cover customer_profile, and a restricted one', () => {
      expect(refusal(() => decide(registered(), move('dormant', LATER, 'research'))).code).toBe('category-not-in-purpose');
      const restricted: SubjectEvent = {
        type: 'ProcessingRestricted',
        data: { subjectId: S, restrictionId: 'r1', purposeIds: ['health-management'], reason: 'x', restrictedAt: NOW },
      };
      expect(refusal(() => decide([...registered(), restricted], move('dormant'))).code).toBe('processing-restricted');
    });

    it('refuses an erased customer', () => {
      const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'contact'], retained: [], whole: true, erasedAt: NOW } };
      expect(refusal(() => decide([...registered(), erased], move('churned'))).code).toBe('subject-erased');
    });
  });
});

describe('customer file: several phones and addresses', () => {
  const change = (set: Record<string, unknown>): Extract<SubjectCommand, { type: 'ChangeData' }> => ({
    type: 'ChangeData',
    category: 'contact',
    set,
    reason: 'update',
    purposeId: 'health-management',
    now: LATER,
    registry,
  });
  const phones = [
    { number: '+8613812345678', type: 'mobile', primary: true },
    { number: '+861087654321', type: 'landline' },
  ];

  it('given an older file with one phone, setting the list removes the single phone in the same event', () => {
    expect(decide(registered(), change({ phones }))).toMatchObject([{ type: 'DataUpdated', data: { set: { phones, phone: null } } }]);
  });

  it('given an older file with one address, setting the list removes the single address', () => {
    const history = registered({ data: { contact: { address: { province: '广东省', line: '科技园' } } } });
    expect(decide(history, change({ addresses: [{ type: 'home', divisionCode: '440305' }] }))).toMatchObject([{ type: 'DataUpdated', data: { set: { address: null } } }]);
  });

  it('given a file with the list, refuses setting the single phone, naming set.phone', () => {
    const history = [...registered(), ...decide(registered(), change({ phones }))];
    const error = refusal(() => decide(history, change({ phone: '+8613900001111' })));
    expect(error).toBeInstanceOf(InvalidInput);
    expect(error.details).toMatchObject({ errors: [{ path: 'set.phone' }] });
  });

  it('a first contact collected with lists records them as given', () => {
    const history = registered({ data: { identity: { name: '王芳' } } });
    expect(decide(history, change({ phones }))).toEqual([
      expect.objectContaining({ type: 'DataCollected', data: expect.objectContaining({ category: 'contact', fields: { phones } }) }),
    ]);
  });

  it('other categories are untouched by the rule', () => {
    expect(decide(registered(), { ...change({ name: '王芳芳' }), category: 'identity' })).toMatchObject([{ type: 'DataUpdated', data: { set: { name: '王芳芳' } } }]);
  });
});
