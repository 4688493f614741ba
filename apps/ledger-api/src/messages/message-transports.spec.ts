import { outboxSettingsFrom } from './message-transports';

describe('outbox settings', () => {
  it('reminds of check-ups a year after the last one unless configured, 0 turning them off', () => {
    expect(outboxSettingsFrom({}, '/tmp/x').checkupReminderDays).toBe(365);
    expect(outboxSettingsFrom({ LEDGER_CHECKUP_REMINDER_DAYS: ' 180 ' }, '/tmp/x').checkupReminderDays).toBe(180);
    expect(outboxSettingsFrom({ LEDGER_CHECKUP_REMINDER_DAYS: '0' }, '/tmp/x').checkupReminderDays).toBe(0);
  });

  it.each(['-1', '1.5', 'a year', '4000'])('refuses LEDGER_CHECKUP_REMINDER_DAYS=%s', (value) => {
    expect(() => outboxSettingsFrom({ LEDGER_CHECKUP_REMINDER_DAYS: value }, '/tmp/x')).toThrow(/LEDGER_CHECKUP_REMINDER_DAYS must be an integer/);
  });
});
