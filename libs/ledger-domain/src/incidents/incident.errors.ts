/** Why an incident command is refused (mapped to HTTP by the incidents module). */
export type IncidentErrorCode = 'incident-not-found' | 'incident-scope-empty' | 'notification-exists';
