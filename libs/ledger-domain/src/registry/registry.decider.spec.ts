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
