import { DomainError } from '../domain-error';
import { Purpose } from '../registry/registry.events';
import { decideRightsRequest, evolveRightsRequest, isOverdue, RightsRequestCommand, RightsRequestState } from './rights-request.decider';
import { RightsRequestEvent } from './rights-request.events';
import { addWorkingDays } from './working-days';

const NOW = '2026-11-23T02:00:00.000Z';
const purpose = (id: string): Purpose => ({ id, name: id, description: id, legalBasis: 'contract', categories: ['contact'], necessaryForService: true });
const registry = { purposes: { 'health-management': purpose('health-management'), marketing: purpose('marketing') } };
const calendar = { holidays: new Set<string>() };
const file = (over: Partial<Extract<RightsRequestCommand, { type: 'FileRequest' }>> = {}): RightsRequestCommand => ({
  type: 'FileRequest',
  requestId: 'r1',
  subjectId: 's1',
  requestType: 'access',
  details: {},
  channel: 'app',
  requester: { kind: 'staff_on_behalf' },
  filedBySubject: false,
  now: NOW,
  dueAt: '2026-12-14T02:00:00.000Z',
  registry,
  ...over,
});
const state = (...events: RightsRequestEvent[]): RightsRequestState => events.reduce(evolveRightsRequest, { status: 'absent' } as RightsRequestState);
const decide = (command: RightsRequestCommand, ...given: RightsRequestEvent[]) => decideRightsRequest(command, state(...given));
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (error) {
    return (error as DomainError).code;
  }
  return 'no error';
};

describe('rights request decider', () => {
  const filed = decide(file())[0];

  it('starts staff-filed requests as received and subject-filed ones as verified', () => {
    expect(filed.data).toMatchObject({ status: 'received' });
    expect(decide(file({ filedBySubject: true, requester: { kind: 'subject' } }))[0].data).toMatchObject({ status: 'verified' });
  });

  it('needs the relation for a next of kin (Art. 49)', () => {
    expect(code(() => decide(file({ requester: { kind: 'next_of_kin' } })))).toBe('relation-required');
    expect(decide(file({ requester: { kind: 'next_of_kin', relation: 'spouse' } }))).toHaveLength(1);
  });

  it('verifies once, then fulfils; fulfilling again changes nothing', () => {
    const verified = decide({ type: 'VerifyRequest', method: 'id_card_in_person', verifiedBy: 'staff-1', now: NOW }, filed)[0];
    expect(code(() => decide({ type: 'VerifyRequest', method: 'x', verifiedBy: 'y', now: NOW }, filed, verified))).toBe('invalid-transition');
    const fulfilled = decide({ type: 'FulfilRequest', result: { ok: true }, now: NOW }, filed, verified)[0];
    expect(state(filed, verified, fulfilled)).toMatchObject({ status: 'fulfilled', result: { ok: true } });
    expect(decide({ type: 'FulfilRequest', result: {}, now: NOW }, filed, verified, fulfilled)).toEqual([]);
  });

  it('refuses to fulfil an unverified request', () => {
    expect(code(() => decide({ type: 'FulfilRequest', result: {}, now: NOW }, filed))).toBe('not-verified');
  });

  it('rejects with a reason code; an unverifiable identity ends as failed_verification', () => {
    const rejected = decide({ type: 'RejectRequest', reasonCode: 'manifestly_unfounded', reason: 'x', now: NOW }, filed)[0];
    expect(state(filed, rejected)).toMatchObject({ status: 'rejected', rejection: { reasonCode: 'manifestly_unfounded' } });
    const failed = decide({ type: 'RejectRequest', reasonCode: 'identity_not_verified', reason: 'x', now: NOW }, filed)[0];
    expect(state(filed, failed).status).toBe('failed_verification');
    expect(code(() => decide({ type: 'VerifyRequest', method: 'x', verifiedBy: 'y', now: NOW }, filed, rejected))).toBe('invalid-transition');
  });

  it('extends once, to a later date, with a reason', () => {
    const extended = decide({ type: 'ExtendRequest', reason: 'large archive', dueAt: '2026-12-30T00:00:00.000Z', calendar, now: NOW }, filed)[0];
    expect(state(filed, extended)).toMatchObject({ dueAt: '2026-12-30T00:00:00.000Z', extended: true });
    expect(code(() => decide({ type: 'ExtendRequest', reason: 'again', dueAt: '2027-01-30T00:00:00.000Z', calendar, now: NOW }, filed, extended))).toBe('already-extended');
    expect(code(() => decide({ type: 'ExtendRequest', reason: 'x', dueAt: '2026-12-01T00:00:00.000Z', calendar, now: NOW }, filed))).toBe('invalid-due-date');
  });

  describe('bounds an extension to 15 working days past the current due date', () => {
    const extend = (dueAt: string) => decide({ type: 'ExtendRequest', reason: 'archive', dueAt, calendar, now: NOW }, filed);
    it('given a request due Mon 2026-12-14, when extended to 9999-12-31, then extension-too-long naming dueAt and the latest date', () => {
      let refused: DomainError | undefined;
      try {
        extend('9999-12-31T00:00:00.000Z');
      } catch (error) {
        refused = error as DomainError;
      }
      expect(refused?.code).toBe('extension-too-long');
      expect(refused?.details).toEqual({ latestDueAt: '2027-01-04T02:00:00.000Z', errors: [{ path: 'dueAt', message: 'must be no later than 2027-01-04T02:00:00.000Z' }] });
    });
    it('given the same request, when extended to exactly 15 working days later, then it is extended; one millisecond more is refused', () => {
      expect(extend('2027-01-04T02:00:00.000Z')[0]).toMatchObject({ type: 'RightsRequestExtended', data: { dueAt: '2027-01-04T02:00:00.000Z' } });
      expect(code(() => extend('2027-01-04T02:00:00.001Z'))).toBe('extension-too-long');
    });
    it('given holidays in the calendar, when extended, then the bound skips them', () => {
      const withHolidays = { holidays: new Set(['2027-01-01', '2027-01-04']) };
      expect(decide({ type: 'ExtendRequest', reason: 'x', dueAt: '2027-01-06T02:00:00.000Z', calendar: withHolidays, now: NOW }, filed)).toHaveLength(1);
    });
  });

  describe('refuses requests naming purposes the registry does not have', () => {
    const refusal = (command: RightsRequestCommand) => {
      try {
        decide(command);
      } catch (error) {
        return { code: (error as DomainError).code, details: (error as DomainError).details };
      }
      return undefined;
    };
    it('given no purpose "nope", when a restriction request names it, then unknown-purpose naming details.purposeIds[1]', () => {
      expect(refusal(file({ requestType: 'restriction', details: { purposeIds: ['marketing', 'nope'] } }))).toEqual({
        code: 'unknown-purpose',
        details: { purposeIds: ['nope'], errors: [{ path: 'details.purposeIds[1]', message: 'unknown purpose' }] },
      });
    });
    it('given no purpose "nope", when a correction’s change names it, then unknown-purpose naming details.changes[0].purposeId', () => {
      const details = { changes: [{ category: 'contact', purposeId: 'nope', set: { email: 'a@b.cn' } }] };
      expect(refusal(file({ requestType: 'correction', details }))).toMatchObject({ code: 'unknown-purpose', details: { errors: [{ path: 'details.changes[0].purposeId' }] } });
    });
    it('given known purposes, when a restriction request names them, then it is filed', () => {
      expect(decide(file({ requestType: 'restriction', details: { purposeIds: ['marketing'] } }))).toHaveLength(1);
    });
  });

  it('is overdue after its due date unless finished', () => {
    const s = state(filed) as Extract<RightsRequestState, { requestId: string }>;
    expect(isOverdue(s, new Date('2026-12-15T00:00:00Z'))).toBe(true);
    expect(isOverdue(s, new Date('2026-12-01T00:00:00Z'))).toBe(false);
  });

  it('counts 15 working days, skipping weekends and holidays (China time)', () => {
    // Mon 2026-11-23 10:00 +08 → 15 working days → Mon 2026-12-14
    expect(addWorkingDays(new Date(NOW), 15, { holidays: new Set() }).toISOString().slice(0, 10)).toBe('2026-12-14');
    expect(
      addWorkingDays(new Date(NOW), 15, { holidays: new Set(['2026-12-01']) })
        .toISOString()
        .slice(0, 10),
    ).toBe('2026-12-15');
  });
});
