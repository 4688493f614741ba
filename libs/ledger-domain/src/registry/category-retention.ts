import { Category } from './categories';

/** At most 30 years: a category kept longer after processing ends is a legal hold, not a retention rule. */
export const MAX_RETENTION_AFTER_END_DAYS = 10_950;

/**
 * How long each category is still kept, for storage only, once processing of it has ended (the
 * relationship ended, or no purpose keeps it any more), in days; absent: 0, it goes at once. The
 * centre's rule (shared/design/centre-requirements.md, seeds 004 七): transaction records 5–7 years
 * for tax audits, basic data only while the relationship lasts. Orders and purchases are
 * `consumption`, so it is kept 7 years (2555 days); check-ups, services, follow-ups, complaints and
 * surveys are not transactions and go with the relationship. Each is configurable in the registry
 * (`PATCH /v1/categories/{name}` with `retentionAfterEndDays`).
 */
export const DEFAULT_RETENTION_AFTER_END_DAYS: Partial<Record<Category, number>> = { consumption: 2555 };
