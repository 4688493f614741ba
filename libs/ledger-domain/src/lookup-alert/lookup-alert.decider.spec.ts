import { BulkLookupSuspected, decideLookupAlert, evolveLookupAlerts, initialLookupAlerts, LookupAlertEvent, LookupAlertState } from './lookup-alert.decider';

const alert = (over: Partial<BulkLookupSuspected['data']> = {}): BulkLookupSuspected['data'] => ({
  alertId: '0190a0a0-0000-7000-8000-000000000001',
  actor: 'staff-wang',
  roles: ['staff'],
  windowStart: '2026-06-01T02:00:00.000Z',
  windowEnd: '2026-06-01T03:00:00.000Z',
  lookups: 101,
  threshold: 100,
  raisedAt: '2026-06-01T02:41:00.000Z',
  ...over,
});
const given = (...events: LookupAlertEvent[]): LookupAlertState => events.reduce(evolveLookupAlerts, initialLookupAlerts());

describe('lookup alerts', () => {
  it('raises an alert when an actor passes the threshold within a window', () => {
    expect(decideLookupAlert({ type: 'RaiseLookupAlert', alert: alert() }, given())).toEqual([{ type: 'BulkLookupSuspected', data: alert() }]);
  });

  it('raises one alert per actor and window, however many times the threshold is seen passed', () => {
    const state = given({ type: 'BulkLookupSuspected', data: alert() });
    expect(decideLookupAlert({ type: 'RaiseLookupAlert', alert: alert({ lookups: 150, alertId: 'another' }) }, state)).toEqual([]);
  });

  it('raises again in the next window, and for another actor in the same window', () => {
    const state = given({ type: 'BulkLookupSuspected', data: alert() });
    const next = alert({ windowStart: '2026-06-01T03:00:00.000Z', windowEnd: '2026-06-01T04:00:00.000Z' });
    expect(decideLookupAlert({ type: 'RaiseLookupAlert', alert: next }, state)).toHaveLength(1);
    expect(decideLookupAlert({ type: 'RaiseLookupAlert', alert: alert({ actor: 'staff-li' }) }, state)).toHaveLength(1);
  });

  it('refuses an alert that does not pass its threshold, or whose window is empty', () => {
    expect(() => decideLookupAlert({ type: 'RaiseLookupAlert', alert: alert({ lookups: 100 }) }, given())).toThrow(expect.objectContaining({ code: 'invalid-lookup-alert' }));
    expect(() => decideLookupAlert({ type: 'RaiseLookupAlert', alert: alert({ windowEnd: '2026-06-01T02:00:00.000Z' }) }, given())).toThrow(
      expect.objectContaining({ code: 'invalid-lookup-alert' }),
    );
  });

  it('treats an actor named like an object property as any other actor', () => {
    expect(decideLookupAlert({ type: 'RaiseLookupAlert', alert: alert({ actor: 'constructor' }) }, given())).toHaveLength(1);
  });
});
