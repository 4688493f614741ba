import { DomainError, InvalidInput } from '../domain-error';
import type { RegistryErrorCode } from './registry.errors';
import { CATEGORIES, Category } from './categories';
import { DEFAULT_RETENTION_AFTER_END_DAYS, MAX_RETENTION_AFTER_END_DAYS } from './category-retention';
import { Notice, Purpose, PurposeFlags, RegistryEvent } from './registry.events';
import type { CoveringAssessment } from '../assessments/assessment.events';

/** Purposes, notices and category sensitivity: the frame every processing decision is made in. */
export interface RegistryState {
  purposes: Record<string, Purpose>;
  notices: Record<string, Notice>;
  sensitivity: Record<Category, boolean>;
  /** Days each category is kept, for storage only, after processing of it ends (category-retention.ts); absent: 0. */
  retentionAfterEnd: Partial<Record<Category, number>>;
  /**
   * Not folded from this stream: the approved, unexpired impact assessments per purpose at the time
   * the registry was read (RegistryService adds them). Absent: none is known to cover any purpose.
   */
  assessments?: Record<string, CoveringAssessment[]>;
}

export type RegistryCommand =
  | { type: 'DefinePurpose'; purpose: Purpose; now: string }
  | { type: 'PublishNotice'; notice: Omit<Notice, 'publishedAt'>; now: string }
  | { type: 'SetCategorySensitivity'; category: Category; sensitive: boolean; now: string }
  | { type: 'SetCategoryRetention'; category: Category; retentionAfterEndDays: number; now: string }
  | { type: 'SetPurposeFlags'; purposeId: string; flags: PurposeFlags; now: string };

export const REGISTRY_STREAM = 'registry';

/** Own-property lookups: a purpose named "constructor" or "__proto__" is not a known purpose. */
export function purposeOf(registry: Pick<RegistryState, 'purposes'>, id: string): Purpose | undefined {
  return Object.hasOwn(registry.purposes, id) ? registry.purposes[id] : undefined;
}

export function noticeOf(registry: Pick<RegistryState, 'notices'>, version: string): Notice | undefined {
  return Object.hasOwn(registry.notices, version) ? registry.notices[version] : undefined;
}

export function initialRegistry(): RegistryState {
  const sensitivity = Object.fromEntries(Object.entries(CATEGORIES).map(([name, spec]) => [name, spec.sensitive])) as Record<Category, boolean>;
  return { purposes: {}, notices: {}, sensitivity, retentionAfterEnd: { ...DEFAULT_RETENTION_AFTER_END_DAYS } };
}

/** Days `category` is kept, for storage only, once processing of it has ended. */
export function retentionAfterEndDays(registry: Pick<RegistryState, 'retentionAfterEnd'>, category: Category): number {
  return registry.retentionAfterEnd[category] ?? 0;
}

export function evolveRegistry(state: RegistryState, event: RegistryEvent): RegistryState {
  switch (event.type) {
    case 'PurposeDefined':
      return { ...state, purposes: { ...state.purposes, [event.data.purpose.id]: event.data.purpose } };
    case 'NoticePublished':
      return { ...state, notices: { ...state.notices, [event.data.notice.version]: event.data.notice } };
    case 'CategorySensitivityChanged':
      return { ...state, sensitivity: { ...state.sensitivity, [event.data.category]: event.data.sensitive } };
    case 'CategoryRetentionChanged':
      return { ...state, retentionAfterEnd: { ...state.retentionAfterEnd, [event.data.category]: event.data.retentionAfterEndDays } };
    case 'PurposeFlagsChanged': {
      const { purposeId, changedAt: _changedAt, ...flags } = event.data;
      const purpose = purposeOf(state, purposeId);
      return purpose ? { ...state, purposes: { ...state.purposes, [purposeId]: { ...purpose, ...flags } } } : state;
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideRegistry(command: RegistryCommand, state: RegistryState): RegistryEvent[] {
  switch (command.type) {
    case 'DefinePurpose': {
      if (purposeOf(state, command.purpose.id)) {
        throw new DomainError<RegistryErrorCode>('purpose-exists', `purpose ${command.purpose.id} already exists`, { purposeId: command.purpose.id });
      }
      return [{ type: 'PurposeDefined', data: { purpose: withAssessmentDefault(command.purpose, state), definedAt: command.now } }];
    }
    case 'PublishNotice': {
      const { notice } = command;
      if (noticeOf(state, notice.version)) {
        throw new DomainError<RegistryErrorCode>('notice-exists', `notice version ${notice.version} is published and immutable`, { version: notice.version });
      }
      // a notice tells the subject what is processed and why (PIPL Art. 17): one describing no purpose could never be consented to
      if (notice.purposeIds.length === 0) {
        throw new DomainError<RegistryErrorCode>('notice-without-purpose', `notice version ${notice.version} covers no purpose`, {
          version: notice.version,
          errors: [{ path: 'purposeIds', message: 'must name at least one purpose' }],
        });
      }
      const unknown = notice.purposeIds.filter((id) => !purposeOf(state, id));
      if (unknown.length > 0) throw new DomainError<RegistryErrorCode>('unknown-purpose', `unknown purposes: ${unknown.join(', ')}`, { purposeIds: unknown });
      return [{ type: 'NoticePublished', data: { notice: { ...notice, publishedAt: command.now } } }];
    }
    case 'SetCategorySensitivity':
      if (state.sensitivity[command.category] === command.sensitive) return [];
      return [{ type: 'CategorySensitivityChanged', data: { category: command.category, sensitive: command.sensitive, changedAt: command.now } }];
    case 'SetCategoryRetention': {
      const days = command.retentionAfterEndDays;
      if (!Number.isInteger(days) || days < 0 || days > MAX_RETENTION_AFTER_END_DAYS) {
        throw new InvalidInput([{ path: 'retentionAfterEndDays', message: `must be a whole number of days from 0 to ${MAX_RETENTION_AFTER_END_DAYS}` }]);
      }
      if (retentionAfterEndDays(state, command.category) === days) return [];
      return [{ type: 'CategoryRetentionChanged', data: { category: command.category, retentionAfterEndDays: days, changedAt: command.now } }];
    }
    case 'SetPurposeFlags': {
      const purpose = purposeOf(state, command.purposeId);
      if (!purpose) throw new DomainError<RegistryErrorCode>('unknown-purpose', `unknown purpose ${command.purposeId}`, { purposeId: command.purposeId });
      const changed = Object.fromEntries(
        Object.entries(command.flags).filter(([flag, value]) => value !== undefined && Boolean(purpose[flag as keyof PurposeFlags]) !== value),
      ) as PurposeFlags;
      if (Object.keys(changed).length === 0) return [];
      return [{ type: 'PurposeFlagsChanged', data: { purposeId: purpose.id, ...changed, changedAt: command.now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/**
 * PIPL Art. 55: processing sensitive PI, automated decisions, entrusting, provision to others,
 * publication and cross-border provision need an impact assessment beforehand. A purpose defined
 * without saying so requires one when it involves any of these; the event records the answer.
 */
function withAssessmentDefault(purpose: Purpose, state: RegistryState): Purpose {
  if (purpose.requiresAssessment !== undefined) return purpose;
  const sensitive = purpose.categories.some((category) => state.sensitivity[category]);
  return { ...purpose, requiresAssessment: sensitive || Boolean(purpose.automatedDecisionMaking) || (purpose.involves ?? []).length > 0 };
}
