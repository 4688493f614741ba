import { DomainError } from '../domain-error';

/**
 * Bulk look-up is how personal information leaks from the inside: one account reading many
 * customers' files. When an actor's look-ups within a window pass the threshold, the ledger records
 * one alert for that actor and window, for the compliance officer's report (PIPL Arts. 51, 54).
 * The stream holds no personal information of customers: the actor's id, counts and times.
 */
export const LOOKUP_ALERTS_STREAM = 'lookup-alerts';

export type LookupAlertErrorCode = 'invalid-lookup-alert';

export interface BulkLookupSuspected {
  type: 'BulkLookupSuspected';
  data: {
    alertId: string;
    actor: string;
    roles: string[];
    /** The window the look-ups fell in: [windowStart, windowEnd). */
    windowStart: string;
    windowEnd: string;
    lookups: number;
    threshold: number;
    raisedAt: string;
  };
}

export type LookupAlertEvent = BulkLookupSuspected;

export interface RaiseLookupAlert {
  type: 'RaiseLookupAlert';
  alert: BulkLookupSuspected['data'];
}

export interface LookupAlertState {
  /** Per actor, the windows an alert was raised for already. */
  raised: Record<string, string[]>;
}

export const initialLookupAlerts = (): LookupAlertState => ({ raised: {} });

/** One alert per actor and window, whatever the number of instances that saw the threshold passed. */
export function decideLookupAlert(command: RaiseLookupAlert, state: LookupAlertState): LookupAlertEvent[] {
  const { alert } = command;
  if (alert.lookups <= alert.threshold || alert.threshold < 1 || !(alert.windowStart < alert.windowEnd)) {
    throw new DomainError<LookupAlertErrorCode>('invalid-lookup-alert', 'an alert needs more look-ups than its threshold within a window');
  }
  if (Object.hasOwn(state.raised, alert.actor) && state.raised[alert.actor].includes(alert.windowStart)) return [];
  return [{ type: 'BulkLookupSuspected', data: alert }];
}

export function evolveLookupAlerts(state: LookupAlertState, event: LookupAlertEvent): LookupAlertState {
  const { actor, windowStart } = event.data;
  const windows = Object.hasOwn(state.raised, actor) ? state.raised[actor] : [];
  // only the last few windows matter for deciding; older ones stay in the stream for the report
  return { raised: { ...state.raised, [actor]: [...windows.slice(-23), windowStart] } };
}
