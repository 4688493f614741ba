import { LEDGER_EVENT_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import { RECORD_WRITES, timeMemberOf } from './affected-subjects.query';

describe('the record writes a breach scope reads', () => {
  const at = Object.fromEntries(RECORD_WRITES.map((w) => [w.type, w.at]));

  it('takes when each record event happened, never a deadline', () => {
    expect(at).toMatchObject({
      CheckupRecorded: 'recordedAt',
      ServiceRecorded: 'recordedAt',
      FollowUpOpened: 'openedAt',
      OrderPlaced: 'placedAt',
      ComplaintReceived: 'receivedAt',
      ComplaintEscalated: 'escalatedAt',
      MessageQueued: 'queuedAt',
      RightsRequestFiled: 'receivedAt',
    });
    expect(timeMemberOf({ aadSuffix: '', pi: [], clear: ['subjectId', 'failedAt', 'nextAttemptAt', 'dueAt', 'expiresAt'] })).toBe('failedAt');
  });

  it('covers every declared event type that carries a customer’s PI', () => {
    const carrying = Object.entries(LEDGER_EVENT_PI)
      .filter(([, sealing]) => 'declared' in sealing && sealing.declared.pi.length > 0 && sealing.declared.clear.includes('subjectId'))
      .map(([type]) => type)
      .sort();
    expect(carrying.length).toBeGreaterThan(10);
    expect(Object.keys(at).sort()).toEqual(carrying);
  });
});
