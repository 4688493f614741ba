import { decideRegistry, evolveRegistry, initialRegistry, RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { defaultRegistryCommands } from '@pi-ledger/ledger-domain/registry/default-registry';
import { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { retentionVerdict, shortestRetentionDays } from './retention-rule';

const T0 = '2026-01-10T08:00:00.000Z';
const registry: RegistryState = defaultRegistryCommands(T0).reduce((state, command) => decideRegistry(command, state).reduce(evolveRegistry, state), initialRegistry());
const S = 's-1';
const after = (days: number) => new Date(Date.parse(T0) + days * 86_400_000);

const registered = (purposeId = 'health-management'): SubjectEvent => ({
  type: 'SubjectRegistered',
  data: { subjectId: S, purposeId, legalBasis: purposeId === 'health-management' ? 'contract' : 'consent', noticeVersion: 'v1', channel: 'app', minor: false, registeredAt: T0 },
});
const collected = (category: 'identity' | 'contact' | 'health' | 'preferences', purposeId: string, at = T0): SubjectEvent => ({
  type: 'DataCollected',
  data: { subjectId: S, category, purposeId, fields: { x: 'sealed' }, collectedAt: at },
});
const consent = (consentId: string, purposeId: string, categories: Array<'identity' | 'contact' | 'health' | 'preferences'>, separate = false): SubjectEvent => ({
  type: 'ConsentGranted',
  data: { subjectId: S, consentId, purposeId, categories, separate, noticeVersion: 'v1', channel: 'app', grantedAt: T0 },
});

/** A health-management customer who also accepted marketing; preferences only serve marketing. */
const customer = [
  registered(),
  consent('c-h', 'health-management', ['health'], true),
  consent('c-m', 'marketing', ['contact', 'preferences']),
  collected('identity', 'health-management'),
  collected('contact', 'health-management'),
  collected('health', 'health-management'),
  collected('preferences', 'marketing'),
];

describe('retention rule', () => {
  it('keeps everything while every purpose’s retention runs', () => {
    expect(retentionVerdict(customer, registry, after(100))).toMatchObject({ due: [] });
  });

  it('erases what only an expired purpose kept; data another live purpose needs stays', () => {
    const verdict = retentionVerdict(customer, registry, after(731));
    expect(verdict.due).toEqual(['preferences']);
    expect(verdict.kept.find((k) => k.category === 'contact')).toEqual({
      category: 'contact',
      collectedAt: T0,
      keptBy: [{ purposeId: 'health-management', until: after(3650).toISOString() }],
    });
  });

  it('erases everything once the longest retention has run out', () => {
    expect(retentionVerdict(customer, registry, after(3651)).due).toEqual(['identity', 'contact', 'health', 'preferences']);
  });

  it('counts from the last collection: an update restarts the category’s clock', () => {
    const updated: SubjectEvent = {
      type: 'DataUpdated',
      data: { subjectId: S, category: 'health', purposeId: 'health-management', reason: 'update', set: { x: 'sealed' }, changedAt: after(3000).toISOString() },
    };
    const verdict = retentionVerdict([...customer, updated], registry, after(3651));
    expect(verdict.due).toEqual(['identity', 'contact', 'preferences']);
    expect(verdict.kept.map((k) => k.category)).toEqual(['health']);
  });

  it('a withdrawn consent keeps nothing: data only that purpose held is due at once (Art. 47(1)(3))', () => {
    const withdrawn: SubjectEvent = {
      type: 'ConsentWithdrawn',
      data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: after(1).toISOString() },
    };
    const marketingOnly = [
      registered('marketing'),
      consent('c-m', 'marketing', ['contact', 'preferences']),
      collected('contact', 'marketing'),
      collected('preferences', 'marketing'),
    ];
    expect(retentionVerdict(marketingOnly, registry, after(2)).due).toEqual([]);
    expect(retentionVerdict([...marketingOnly, withdrawn], registry, after(2)).due).toEqual(['contact', 'preferences']);
    expect(retentionVerdict([...customer, withdrawn], registry, after(2)).due).toEqual(['preferences']);
  });

  it('has nothing to say about an erased or unknown subject', () => {
    const erased: SubjectEvent = { type: 'SubjectErased', data: { subjectId: S, erasedCategories: ['identity', 'contact', 'health', 'preferences'], retained: [], erasedAt: T0 } };
    expect(retentionVerdict([...customer, erased], registry, after(9999))).toEqual({ due: [], kept: [] });
    expect(retentionVerdict([], registry, after(9999))).toEqual({ due: [], kept: [] });
  });

  it('knows the shortest retention of the registry', () => {
    expect(shortestRetentionDays(registry)).toBe(730);
    expect(shortestRetentionDays(initialRegistry())).toBeUndefined();
  });
});
