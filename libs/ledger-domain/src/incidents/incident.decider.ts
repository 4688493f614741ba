import { DomainError, InvalidInput } from '../domain-error';
import type { IncidentErrorCode } from './incident.errors';
import { Incident, IncidentEvent, IncidentNotification } from './incident.events';

export interface IncidentRecord extends Incident {
  recordedAt: string;
  notifications: Array<IncidentNotification & { recordedAt: string }>;
}

export interface IncidentState {
  incidents: Record<string, IncidentRecord>;
}

export type IncidentCommand =
  { type: 'RecordIncident'; incident: Incident; now: string } | { type: 'RecordNotification'; incidentId: string; notification: IncidentNotification; now: string };

export const initialIncidents = (): IncidentState => ({ incidents: {} });

export function evolveIncidents(state: IncidentState, event: IncidentEvent): IncidentState {
  switch (event.type) {
    case 'IncidentRecorded':
      return { incidents: { ...state.incidents, [event.data.incidentId]: { ...event.data, notifications: [] } } };
    case 'IncidentNotificationRecorded': {
      const { incidentId, ...notification } = event.data;
      const incident = state.incidents[incidentId];
      if (!incident) return state;
      return { incidents: { ...state.incidents, [incidentId]: { ...incident, notifications: [...incident.notifications, notification] } } };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideIncident(command: IncidentCommand, state: IncidentState): IncidentEvent[] {
  switch (command.type) {
    case 'RecordIncident': {
      const { incident, now } = command;
      const problems = [];
      if (Date.parse(incident.from) > Date.parse(incident.to)) problems.push({ path: 'to', message: 'must not be before from' });
      if (Date.parse(incident.detectedAt) > Date.parse(now)) problems.push({ path: 'detectedAt', message: 'must not be in the future' });
      if (problems.length > 0) throw new InvalidInput(problems);
      // an incident that names neither an account nor a system cannot say who was affected
      if (incident.actors.length === 0 && incident.systems.length === 0) {
        throw new DomainError<IncidentErrorCode>('incident-scope-empty', 'an incident names the accounts or systems involved', {
          errors: [{ path: 'actors', message: 'name at least one account or system' }],
        });
      }
      return [{ type: 'IncidentRecorded', data: { ...incident, recordedAt: now } }];
    }
    case 'RecordNotification': {
      const incident = Object.hasOwn(state.incidents, command.incidentId) ? state.incidents[command.incidentId] : undefined;
      if (!incident) throw new DomainError<IncidentErrorCode>('incident-not-found', `no incident ${command.incidentId}`, { incidentId: command.incidentId });
      if (incident.notifications.some((n) => n.notificationId === command.notification.notificationId)) {
        throw new DomainError<IncidentErrorCode>('notification-exists', 'this notification is recorded already', { notificationId: command.notification.notificationId });
      }
      if (Date.parse(command.notification.notifiedAt) > Date.parse(command.now)) throw new InvalidInput([{ path: 'notifiedAt', message: 'must not be in the future' }]);
      return [{ type: 'IncidentNotificationRecorded', data: { incidentId: incident.incidentId, ...command.notification, recordedAt: command.now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}
