import { DomainError } from '../domain-error';
import { decideIncident, evolveIncidents, IncidentCommand, IncidentState, initialIncidents } from './incident.decider';
import { Incident } from './incident.events';

const NOW = '2026-06-01T02:00:00.000Z';
const incident: Incident = {
  incidentId: 'i1',
  kind: 'compromised-account',
  detectedAt: NOW,
  from: '2026-05-31T00:00:00.000Z',
  to: '2026-06-01T00:00:00.000Z',
  actors: ['staff-mole'],
  systems: [],
  categories: [],
};
const record = (overrides: Partial<Incident> = {}): IncidentCommand => ({ type: 'RecordIncident', incident: { ...incident, ...overrides }, now: NOW });
const notify = (notificationId = 'n1', notifiedAt = NOW): IncidentCommand => ({
  type: 'RecordNotification',
  incidentId: 'i1',
  notification: { notificationId, audience: 'regulator', channel: 'cac', notifiedAt },
  now: NOW,
});
const given = (...commands: IncidentCommand[]): IncidentState => commands.reduce((state, c) => decideIncident(c, state).reduce(evolveIncidents, state), initialIncidents());
const refusal = (command: IncidentCommand, state = initialIncidents()) => {
  try {
    decideIncident(command, state);
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
};

describe('incident decider', () => {
  it('records an incident, then its notifications, each once', () => {
    expect(decideIncident(record(), initialIncidents())).toEqual([{ type: 'IncidentRecorded', data: { ...incident, recordedAt: NOW } }]);
    expect(given(record(), notify()).incidents.i1.notifications).toEqual([{ notificationId: 'n1', audience: 'regulator', channel: 'cac', notifiedAt: NOW, recordedAt: NOW }]);
    expect(refusal(notify(), given(record(), notify()))).toBe('notification-exists');
  });

  it('refuses an empty scope, a backwards window, a future detection or notification, an unknown incident', () => {
    expect(refusal(record({ actors: [] }))).toBe('incident-scope-empty');
    expect(refusal(record({ from: incident.to, to: incident.from }))).toBe('validation-failed');
    expect(refusal(record({ detectedAt: '2026-06-02T00:00:00.000Z' }))).toBe('validation-failed');
    expect(refusal(notify('n2', '2026-06-02T00:00:00.000Z'), given(record()))).toBe('validation-failed');
    expect(refusal(notify())).toBe('incident-not-found');
  });
});
