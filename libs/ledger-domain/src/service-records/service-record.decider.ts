import { DomainError, InvalidInput } from '../domain-error';
import { isRealDate } from '../validation/resident-id';
import type { ServiceRecordErrorCode } from './service-record.errors';
import { ServiceRecordEvent, ServiceType } from './service-record.events';

export interface RecordService {
  type: 'RecordService';
  recordId: string;
  subjectId: string;
  serviceDate: string;
  serviceType: ServiceType;
  /** The staff member who gave the service: named, or the one recording it. */
  staffId: string;
  content: string;
  outcome?: string;
  recordedBy: string;
  now: string;
  /** The decision's date in China. */
  today: string;
}

export type ServiceRecordState = { status: 'absent' } | { status: 'recorded'; recordId: string; subjectId: string };

export const initialServiceRecordState = (): ServiceRecordState => ({ status: 'absent' });

export function evolveServiceRecord(_state: ServiceRecordState, event: ServiceRecordEvent<unknown>): ServiceRecordState {
  switch (event.type) {
    case 'ServiceRecorded':
      return { status: 'recorded', recordId: event.data.recordId, subjectId: event.data.subjectId };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export function decideServiceRecord(command: RecordService, state: ServiceRecordState): ServiceRecordEvent[] {
  if (state.status !== 'absent') {
    throw new DomainError<ServiceRecordErrorCode>('service-record-exists', `service record ${command.recordId} exists already`, { recordId: command.recordId });
  }
  if (!isRealDate(command.serviceDate)) throw new InvalidInput([{ path: 'serviceDate', message: 'must be a real date, YYYY-MM-DD' }]);
  if (command.serviceDate > command.today) throw new InvalidInput([{ path: 'serviceDate', message: 'must not be after today' }]);
  const { recordId, subjectId, serviceDate, serviceType, staffId, content, outcome, recordedBy, now } = command;
  return [
    {
      type: 'ServiceRecorded',
      data: { recordId, subjectId, serviceDate, serviceType, staffId, recordedBy, recordedAt: now, details: { content, ...(outcome === undefined ? {} : { outcome }) } },
    },
  ];
}
