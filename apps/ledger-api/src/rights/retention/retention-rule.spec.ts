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
const collected = (category: 'identity' | 'contact' | 'health' | 'preferences' | 'consumption', purposeId: string, at = T0): SubjectEvent => ({
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

  describe('after the relationship ends', () => {
    const ended = (days: number): SubjectEvent => ({ type: 'RelationshipEnded', data: { subjectId: S, reason: 'relationship-ended', endedAt: after(days).toISOString() } });
    const buyer = [...customer, collected('consumption', 'health-management')];
    const SEVEN_YEARS = 2555;

    it('basic data is due at the end; transaction records (consumption) are kept 7 years after it', () => {
      const verdict = retentionVerdict([...buyer, ended(10)], registry, after(11));
      expect(verdict.due).toEqual(['identity', 'contact', 'health', 'preferences']);
      expect(verdict.kept).toEqual([
        { category: 'consumption', collectedAt: T0, keptBy: [{ afterEnd: { endedAt: after(10).toISOString(), days: SEVEN_YEARS }, until: after(10 + SEVEN_YEARS).toISOString() }] },
      ]);
      expect(retentionVerdict([...buyer, ended(10)], registry, after(10 + SEVEN_YEARS - 1)).due).not.toContain('consumption');
      expect(retentionVerdict([...buyer, ended(10)], registry, after(10 + SEVEN_YEARS)).due).toContain('consumption');
    });

    it('records in streams of their own follow the relationship: check-ups go at its end, orders 7 years later', () => {
      const records = ['health_records', 'consumption', 'service_interactions'] as const;
      const lasting = retentionVerdict(customer, registry, after(11), records);
      expect(lasting.due).toEqual([]);
      expect(lasting.kept.find((k) => k.category === 'health_records')).toEqual({ category: 'health_records', collectedAt: T0, keptBy: [{ relationship: 'lasting' }] });
      const verdict = retentionVerdict([...customer, ended(10)], registry, after(11), records);
      expect(verdict.due).toEqual(['identity', 'contact', 'health', 'preferences', 'health_records', 'service_interactions']);
      expect(verdict.kept.map((k) => k.category)).toEqual(['consumption']);
    });

    it('once the file is erased in part, what is left of it is still judged from the end', () => {
      const partial: SubjectEvent = {
        type: 'SubjectErased',
        data: { subjectId: S, erasedCategories: ['identity', 'contact', 'health', 'preferences'], retained: [], whole: false, erasedAt: after(11).toISOString() },
      };
      const events = [...buyer, ended(10), partial];
      expect(retentionVerdict(events, registry, after(12), ['consumption'])).toMatchObject({ due: [], kept: [{ category: 'consumption' }] });
      expect(retentionVerdict(events, registry, after(10 + SEVEN_YEARS), ['consumption']).due).toEqual(['consumption']);
    });

    it('without an explicit end, records follow the file: due once no purpose keeps any of it, consumption 7 years later', () => {
      const verdict = retentionVerdict(customer, registry, after(3651), ['health_records', 'consumption']);
      expect(verdict.due).toEqual(['identity', 'contact', 'health', 'preferences', 'health_records']);
      expect(verdict.kept).toMatchObject([{ category: 'consumption', keptBy: [{ until: after(3650 + SEVEN_YEARS).toISOString() }] }]);
    });

    it('the retention after the end is the registry’s: set to 0, consumption goes with the rest', () => {
      const configured = decideRegistry({ type: 'SetCategoryRetention', category: 'consumption', retentionAfterEndDays: 0, now: T0 }, registry).reduce(evolveRegistry, registry);
      expect(retentionVerdict([...buyer, ended(10)], configured, after(11)).due).toContain('consumption');
      const services = decideRegistry({ type: 'SetCategoryRetention', category: 'service_interactions', retentionAfterEndDays: 1825, now: T0 }, registry).reduce(
        evolveRegistry,
        registry,
      );
      expect(retentionVerdict([...buyer, ended(10)], services, after(11), ['service_interactions']).kept.map((k) => k.category)).toEqual(['consumption', 'service_interactions']);
    });

    it('a withdrawn consent ends processing of what only it kept; a transaction record is still kept for its retention', () => {
      const shopper = [
        registered('marketing'),
        consent('c-m', 'marketing', ['contact', 'consumption'] as never),
        collected('contact', 'marketing'),
        collected('consumption', 'marketing'),
      ];
      const withdrawn: SubjectEvent = {
        type: 'ConsentWithdrawn',
        data: { subjectId: S, consentId: 'c-m', purposeId: 'marketing', withdrawnBy: 'subject', withdrawnAt: after(1).toISOString() },
      };
      const verdict = retentionVerdict([...shopper, withdrawn], registry, after(2));
      expect(verdict.due).toEqual(['contact']);
      expect(verdict.kept).toMatchObject([{ category: 'consumption', keptBy: [{ until: after(1 + SEVEN_YEARS).toISOString() }] }]);
    });
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
