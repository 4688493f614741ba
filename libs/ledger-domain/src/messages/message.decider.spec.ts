import { DomainError } from '../domain-error';
import { decideMessage, evolveMessage, initialMessageState, MAX_ATTEMPTS, MessageCommand } from './message.decider';
import { MessageEvent } from './message.events';
import { asMarketingRefusal, assertMarketingChannelChosen } from './marketing-rules';

const NOW = '2026-06-01T02:00:00.000Z';
const at = { messageId: 'm1', actor: 'hm-1', now: NOW };
const queue: MessageCommand = {
  ...at,
  type: 'QueueMessage',
  subjectId: 's1',
  kind: 'follow_up_reminder',
  channel: 'sms',
  purposeId: 'health-management',
  category: 'service_interactions',
  source: { kind: 'follow-up', taskId: 't1' },
  recipient: '+8613812345678',
  content: { subject: '回访提醒', body: '明天我们将致电回访' },
};
const given = (...events: MessageEvent[]) => events.reduce(evolveMessage, initialMessageState());
const queued = () => decideMessage(queue, given());
const fail = (state: ReturnType<typeof given>, now = NOW) => decideMessage({ ...at, now, type: 'RecordFailure', errorCode: 'smtp-ECONNECTION' }, state);

describe('message decider', () => {
  describe('a new message', () => {
    it('is queued with its recipient and content to seal, by whom and when', () => {
      expect(queued()).toEqual([
        {
          type: 'MessageQueued',
          data: {
            messageId: 'm1',
            subjectId: 's1',
            kind: 'follow_up_reminder',
            channel: 'sms',
            purposeId: 'health-management',
            category: 'service_interactions',
            source: { kind: 'follow-up', taskId: 't1' },
            recipient: '+8613812345678',
            content: { subject: '回访提醒', body: '明天我们将致电回访' },
            queuedBy: 'hm-1',
            queuedAt: NOW,
          },
        },
      ]);
    });

    it.each([['RecordDelivery'], ['CancelMessage']])('refuses %s of a message never queued', (type) => {
      const command = { ...at, type, transport: 'file', reason: 'subject-erased' } as MessageCommand;
      expect(() => decideMessage(command, given())).toThrow(expect.objectContaining({ code: 'message-not-found' }));
    });
  });

  describe('a queued message', () => {
    it('refuses to be queued again (a sweep queuing the same reminder twice)', () => {
      expect(() => decideMessage(queue, given(...queued()))).toThrow(expect.objectContaining({ code: 'message-exists' }));
    });

    it('is sent once, at its first attempt', () => {
      const sent = decideMessage({ ...at, type: 'RecordDelivery', transport: 'file' }, given(...queued()));
      expect(sent).toEqual([{ type: 'MessageSent', data: { messageId: 'm1', subjectId: 's1', attempt: 1, transport: 'file', sentAt: NOW } }]);
      expect(() => decideMessage({ ...at, type: 'RecordDelivery', transport: 'file' }, given(...queued(), ...sent))).toThrow(
        expect.objectContaining({ code: 'message-not-queued' }),
      );
    });

    it('stays queued after a failed attempt, due again after a growing wait, and fails for good at the last attempt', () => {
      let events = queued();
      const waits: number[] = [];
      for (let attempt = 1; attempt < MAX_ATTEMPTS; attempt++) {
        const [failed] = fail(given(...events));
        expect(failed).toMatchObject({ type: 'MessageFailed', data: { attempt, final: false, errorCode: 'smtp-ECONNECTION' } });
        waits.push(Date.parse((failed.data as { nextAttemptAt: string }).nextAttemptAt) - Date.parse(NOW));
        events = [...events, failed];
        expect(given(...events).status).toBe('queued');
      }
      expect(waits).toEqual([60_000, 300_000, 1_800_000, 7_200_000]);
      const [last] = fail(given(...events));
      expect(last.data).toMatchObject({ attempt: MAX_ATTEMPTS, final: true, nextAttemptAt: null });
      expect(given(...events, last).status).toBe('failed');
      expect(() => fail(given(...events, last))).toThrow(expect.objectContaining({ code: 'message-not-queued' }));
    });

    it('is cancelled with its reason, and then never sent', () => {
      const cancelled = decideMessage({ ...at, actor: 'system:outbox', type: 'CancelMessage', reason: 'subject-erased' }, given(...queued()));
      expect(cancelled).toEqual([
        { type: 'MessageCancelled', data: { messageId: 'm1', subjectId: 's1', reason: 'subject-erased', cancelledBy: 'system:outbox', cancelledAt: NOW } },
      ]);
      expect(() => decideMessage({ ...at, type: 'RecordDelivery', transport: 'file' }, given(...queued(), ...cancelled))).toThrow(
        expect.objectContaining({ code: 'message-not-queued' }),
      );
    });
  });

  describe('marketing rules', () => {
    it('turns a refusal for want of consent into marketing-consent-required, and leaves other refusals alone', () => {
      expect(asMarketingRefusal(new DomainError('consent-required', 'x'))).toMatchObject({ code: 'marketing-consent-required' });
      expect(asMarketingRefusal(new DomainError('no-legal-basis', 'x'))).toMatchObject({ code: 'marketing-consent-required' });
      expect(asMarketingRefusal(new DomainError('processing-restricted', 'x'))).toMatchObject({ code: 'processing-restricted' });
    });

    it('admits only a channel the customer chose', () => {
      expect(() => assertMarketingChannelChosen('sms', ['sms', 'wechat'])).not.toThrow();
      expect(() => assertMarketingChannelChosen('email', ['sms'])).toThrow(expect.objectContaining({ code: 'marketing-channel-not-chosen' }));
      expect(() => assertMarketingChannelChosen('email', undefined)).toThrow(expect.objectContaining({ code: 'marketing-channel-not-chosen' }));
    });
  });
});
