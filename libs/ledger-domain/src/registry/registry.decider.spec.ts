import { DomainError } from '../domain-error';
import { decideRegistry, evolveRegistry, initialRegistry, RegistryCommand, RegistryState } from './registry.decider';
import { defaultRegistryCommands } from './default-registry';

const NOW = '2026-11-23T10:00:00.000Z';
const registry: RegistryState = defaultRegistryCommands(NOW).reduce((state, command) => decideRegistry(command, state).reduce(evolveRegistry, state), initialRegistry());
const publish = (purposeIds: string[]): RegistryCommand => ({ type: 'PublishNotice', notice: { version: 'v9', content: '告知', contentHash: 'h', purposeIds }, now: NOW });

function refusal(command: RegistryCommand): DomainError | undefined {
  try {
    decideRegistry(command, registry);
  } catch (error) {
    return error as DomainError;
  }
  return undefined;
}

describe('registry decider: notices', () => {
  it('given the default registry, when a notice covering no purpose is published, then notice-without-purpose naming purposeIds', () => {
    const error = refusal(publish([]));
    expect(error?.code).toBe('notice-without-purpose');
    expect(error?.details).toEqual({ version: 'v9', errors: [{ path: 'purposeIds', message: 'must name at least one purpose' }] });
  });

  it('given the default registry, when a notice names an unknown purpose, then unknown-purpose', () => {
    expect(refusal(publish(['health-management', 'nope']))?.code).toBe('unknown-purpose');
  });

  it('given the default registry, when a notice covers a known purpose, then it is published', () => {
    expect(decideRegistry(publish(['marketing']), registry)).toEqual([
      { type: 'NoticePublished', data: { notice: { version: 'v9', content: '告知', contentHash: 'h', purposeIds: ['marketing'], publishedAt: NOW } } },
    ]);
  });
});

describe('registry decider: retention of a category after processing ends', () => {
  const set = (retentionAfterEndDays: number, category: 'consumption' | 'service_interactions' = 'service_interactions'): RegistryCommand => ({
    type: 'SetCategoryRetention',
    category,
    retentionAfterEndDays,
    now: NOW,
  });

  it('given the default registry, consumption (transaction records) is kept 2555 days and every other category none', () => {
    expect(registry.retentionAfterEnd).toEqual({ consumption: 2555 });
  });

  it('given the default registry, when service interactions are set to 5 years, then CategoryRetentionChanged; the same value again appends nothing', () => {
    const events = decideRegistry(set(1825), registry);
    expect(events).toEqual([{ type: 'CategoryRetentionChanged', data: { category: 'service_interactions', retentionAfterEndDays: 1825, changedAt: NOW } }]);
    const changed = events.reduce(evolveRegistry, registry);
    expect(changed.retentionAfterEnd).toEqual({ consumption: 2555, service_interactions: 1825 });
    expect(decideRegistry(set(1825), changed)).toEqual([]);
    expect(decideRegistry(set(2555, 'consumption'), registry)).toEqual([]);
  });

  it.each([-1, 1.5, 10_951, Number.NaN])('given %p days, then validation-failed naming retentionAfterEndDays', (days) => {
    const error = refusal(set(days));
    expect(error?.code).toBe('validation-failed');
    expect(error?.details).toEqual({ errors: [{ path: 'retentionAfterEndDays', message: expect.stringContaining('whole number of days') }] });
  });
});
