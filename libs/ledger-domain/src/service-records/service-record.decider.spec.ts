import { InvalidInput } from '../domain-error';
import { decideServiceRecord, evolveServiceRecord, initialServiceRecordState, RecordService } from './service-record.decider';
import { ServiceRecordEvent } from './service-record.events';

const NOW = '2026-06-01T02:00:00.000Z';
const record = (overrides: Partial<RecordService> = {}): RecordService => ({
  type: 'RecordService',
  recordId: 'r1',
  subjectId: 's1',
  serviceDate: '2026-06-01',
  serviceType: 'nutrition_guidance',
  staffId: 'hm-2',
  content: '低盐低脂饮食指导',
  outcome: '客户表示理解并愿意执行',
  recordedBy: 'hm-1',
  now: NOW,
  today: '2026-06-01',
  ...overrides,
});
const given = (...events: ServiceRecordEvent[]) => events.reduce(evolveServiceRecord, initialServiceRecordState());

describe('service record decider', () => {
  describe('a new record', () => {
    it('records the service, its staff member and the details to seal', () => {
      expect(decideServiceRecord(record(), given())).toEqual([
        {
          type: 'ServiceRecorded',
          data: {
            recordId: 'r1',
            subjectId: 's1',
            serviceDate: '2026-06-01',
            serviceType: 'nutrition_guidance',
            staffId: 'hm-2',
            recordedBy: 'hm-1',
            recordedAt: NOW,
            details: { content: '低盐低脂饮食指导', outcome: '客户表示理解并愿意执行' },
          },
        },
      ]);
    });

    it('leaves the outcome out when there is none yet', () => {
      expect(decideServiceRecord(record({ outcome: undefined }), given())[0].data.details).toEqual({ content: '低盐低脂饮食指导' });
    });

    it.each([['2026-06-02'], ['2026-02-30']])('refuses a service dated %s, naming serviceDate', (serviceDate) => {
      expect(() => decideServiceRecord(record({ serviceDate }), given())).toThrow(InvalidInput);
      expect(() => decideServiceRecord(record({ serviceDate }), given())).toThrow(/serviceDate/);
    });
  });

  describe('a recorded service', () => {
    it('refuses to record it again', () => {
      expect(() => decideServiceRecord(record(), given(...decideServiceRecord(record(), given())))).toThrow(expect.objectContaining({ code: 'service-record-exists' }));
    });
  });
});
