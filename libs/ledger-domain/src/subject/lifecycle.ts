/**
 * A customer's lifecycle stage (客户生命周期): a prospect becomes active, an active customer may
 * go dormant and come back, and any may churn; a churned customer won back is active again. The
 * stage is a fact of the relationship, kept in clear like the assignment: the retention rules ask
 * when the relationship ended, and reports count customers by stage without opening a value.
 */
export const LIFECYCLE_STAGES = ['prospect', 'active', 'dormant', 'churned'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** Where each stage may go next. */
export const LIFECYCLE_TRANSITIONS: Record<LifecycleStage, readonly LifecycleStage[]> = {
  prospect: ['active', 'churned'],
  active: ['dormant', 'churned'],
  dormant: ['active', 'churned'],
  churned: ['active'],
};

/** A customer registered without a stage is active from its registration. */
export const DEFAULT_LIFECYCLE_STAGE: LifecycleStage = 'active';

export interface Lifecycle {
  stage: LifecycleStage;
  /** When the stage last changed; null: never changed since the registration (the default stage). */
  changedAt: string | null;
}

export function isLifecycleStage(value: unknown): value is LifecycleStage {
  return typeof value === 'string' && (LIFECYCLE_STAGES as readonly string[]).includes(value);
}
