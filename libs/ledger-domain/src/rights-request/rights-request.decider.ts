import { DomainError, FieldProblem } from '../domain-error';
import { purposeOf, RegistryState } from '../registry/registry.decider';
import type { RightsRequestErrorCode } from './rights-request.errors';
import { RequesterKind, RightsRequestEvent, RightsRequestStatus, RightsRequestType } from './rights-request.events';
import { addWorkingDays, WorkingCalendar } from './working-days';

/**
 * How far an extension may move a request's due date: 15 working days past the current one. PIPL
 * Art. 50 asks for timely handling and its reasons when refusing; the Network Data Security
 * Management Regulations (Art. 23) set 15 working days; an extension of as much again for a
 * complex request is the bound taken here (docs/rights-requests.md).
 */
export const MAX_EXTENSION_WORKING_DAYS = 15;

export interface HistoryEntry {
  status: RightsRequestStatus | 'extended';
  at: string;
  note?: string;
}

export type RightsRequestState =
  | { status: 'absent' }
  | {
      status: RightsRequestStatus;
      requestId: string;
      subjectId: string;
      requestType: RightsRequestType;
      details: Record<string, unknown>;
      requesterKind: RequesterKind;
      receivedAt: string;
      dueAt: string;
      extended: boolean;
      history: HistoryEntry[];
      result?: Record<string, unknown>;
      rejection?: { reasonCode: string; reason: unknown };
    };

export type RightsRequestCommand =
  | {
      type: 'FileRequest';
      requestId: string;
      subjectId: string;
      requestType: RightsRequestType;
      details: Record<string, unknown>;
      channel: string;
      requester: { kind: RequesterKind; relation?: string; name?: unknown };
      /** The subject's own token proves the identity: the request starts verified. */
      filedBySubject: boolean;
      now: string;
      dueAt: string;
      /** The purposes a restriction or a change set names must exist. */
      registry: Pick<RegistryState, 'purposes'>;
    }
  | { type: 'VerifyRequest'; method: string; evidenceRef?: unknown; verifiedBy: string; now: string }
  | { type: 'ExtendRequest'; reason: unknown; dueAt: string; calendar: WorkingCalendar; now: string }
  | { type: 'StartRequest'; now: string }
  | { type: 'FulfilRequest'; result: Record<string, unknown>; now: string }
  | { type: 'RejectRequest'; reasonCode: string; reason: unknown; now: string };

const FINAL: RightsRequestStatus[] = ['fulfilled', 'rejected', 'failed_verification', 'canceled'];
/** Rejections for an identity that could not be verified end as failed_verification. */
export const VERIFICATION_FAILED = 'identity_not_verified';

export function evolveRightsRequest(state: RightsRequestState, event: RightsRequestEvent): RightsRequestState {
  if (event.type === 'RightsRequestFiled') {
    const d = event.data;
    return {
      status: d.status,
      requestId: d.requestId,
      subjectId: d.subjectId,
      requestType: d.requestType,
      details: d.details,
      requesterKind: d.requester.kind,
      receivedAt: d.receivedAt,
      dueAt: d.dueAt,
      extended: false,
      history: [{ status: 'received', at: d.receivedAt }, ...(d.status === 'verified' ? [{ status: 'verified' as const, at: d.receivedAt, note: 'the subject’s own token' }] : [])],
    };
  }
  if (state.status === 'absent') return state;
  switch (event.type) {
    case 'RightsRequestVerified':
      return { ...state, status: 'verified', history: [...state.history, { status: 'verified', at: event.data.verifiedAt, note: event.data.method }] };
    case 'RightsRequestExtended':
      return { ...state, dueAt: event.data.dueAt, extended: true, history: [...state.history, { status: 'extended', at: event.data.extendedAt }] };
    case 'RightsRequestStarted':
      return { ...state, status: 'in_progress', history: [...state.history, { status: 'in_progress', at: event.data.startedAt }] };
    case 'RightsRequestFulfilled':
      return { ...state, status: 'fulfilled', result: event.data.result, history: [...state.history, { status: 'fulfilled', at: event.data.fulfilledAt }] };
    case 'RightsRequestRejected': {
      const { status, reasonCode, reason, rejectedAt } = event.data;
      return { ...state, status, rejection: { reasonCode, reason }, history: [...state.history, { status, at: rejectedAt, note: reasonCode }] };
    }
    default: {
      const unknown: never = event;
      return unknown;
    }
  }
}

export function decideRightsRequest(command: RightsRequestCommand, state: RightsRequestState): RightsRequestEvent[] {
  if (command.type === 'FileRequest') {
    if (state.status !== 'absent') throw new DomainError<RightsRequestErrorCode>('request-exists', `request ${command.requestId} exists`);
    if (command.requester.kind === 'next_of_kin' && !command.requester.relation) {
      throw new DomainError<RightsRequestErrorCode>('relation-required', 'a next of kin must state the relation to the deceased (PIPL Art. 49)');
    }
    assertKnownPurposes(command);
    const { requestId, subjectId, requestType, details, channel, requester, now, dueAt } = command;
    return [
      {
        type: 'RightsRequestFiled',
        data: { requestId, subjectId, requestType, details, channel, requester, status: command.filedBySubject ? 'verified' : 'received', receivedAt: now, dueAt },
      },
    ];
  }
  if (state.status === 'absent') throw new DomainError<RightsRequestErrorCode>('request-not-found', 'no such rights request');
  const { requestId, subjectId } = state;
  if (command.type === 'FulfilRequest' && state.status === 'fulfilled') return []; // fulfilling again changes nothing
  if (FINAL.includes(state.status)) throw transition(state.status, command.type);
  switch (command.type) {
    case 'VerifyRequest':
      if (state.status !== 'received') throw transition(state.status, command.type);
      return [
        {
          type: 'RightsRequestVerified',
          data: {
            requestId,
            subjectId,
            method: command.method,
            ...(command.evidenceRef ? { evidenceRef: command.evidenceRef } : {}),
            verifiedBy: command.verifiedBy,
            verifiedAt: command.now,
          },
        },
      ];
    case 'ExtendRequest': {
      if (state.extended) throw new DomainError<RightsRequestErrorCode>('already-extended', 'a request may be extended once');
      if (command.dueAt <= state.dueAt) {
        throw new DomainError<RightsRequestErrorCode>('invalid-due-date', 'the new due date must be after the current one', {
          errors: [{ path: 'dueAt', message: 'must be after the current due date' }],
        });
      }
      const latestDueAt = addWorkingDays(new Date(state.dueAt), MAX_EXTENSION_WORKING_DAYS, command.calendar).toISOString();
      if (command.dueAt > latestDueAt) {
        throw new DomainError<RightsRequestErrorCode>(
          'extension-too-long',
          `an extension may move the due date by at most ${MAX_EXTENSION_WORKING_DAYS} working days, to ${latestDueAt}`,
          { latestDueAt, errors: [{ path: 'dueAt', message: `must be no later than ${latestDueAt}` }] },
        );
      }
      return [{ type: 'RightsRequestExtended', data: { requestId, subjectId, reason: command.reason, dueAt: command.dueAt, extendedAt: command.now } }];
    }
    case 'StartRequest':
      if (state.status === 'in_progress') return [];
      if (state.status !== 'verified') throw new DomainError<RightsRequestErrorCode>('not-verified', 'the requester’s identity is not verified yet');
      return [{ type: 'RightsRequestStarted', data: { requestId, subjectId, startedAt: command.now } }];
    case 'FulfilRequest':
      if (state.status !== 'verified' && state.status !== 'in_progress')
        throw new DomainError<RightsRequestErrorCode>('not-verified', 'the requester’s identity is not verified yet');
      return [{ type: 'RightsRequestFulfilled', data: { requestId, subjectId, result: command.result, fulfilledAt: command.now } }];
    case 'RejectRequest': {
      const status = command.reasonCode === VERIFICATION_FAILED ? 'failed_verification' : 'rejected';
      return [{ type: 'RightsRequestRejected', data: { requestId, subjectId, reasonCode: command.reasonCode, reason: command.reason, status, rejectedAt: command.now } }];
    }
    default: {
      const unknown: never = command;
      return unknown;
    }
  }
}

/** A restriction request's purposes and a change set's purpose must be purposes of the registry: fulfilment could not honour others. */
function assertKnownPurposes(command: Extract<RightsRequestCommand, { type: 'FileRequest' }>): void {
  const problems: FieldProblem[] = [];
  const unknown: string[] = [];
  const check = (purposeId: unknown, path: string) => {
    if (typeof purposeId === 'string' && !purposeOf(command.registry, purposeId)) {
      unknown.push(purposeId);
      problems.push({ path, message: 'unknown purpose' });
    }
  };
  const { details } = command;
  if (command.requestType === 'restriction' && Array.isArray(details.purposeIds)) {
    details.purposeIds.forEach((purposeId: unknown, index) => check(purposeId, `details.purposeIds[${index}]`));
  }
  if ((command.requestType === 'correction' || command.requestType === 'supplement') && Array.isArray(details.changes)) {
    details.changes.forEach((change: unknown, index) => check((change as { purposeId?: unknown } | null)?.purposeId, `details.changes[${index}].purposeId`));
  }
  if (command.requestType === 'decision_explanation') {
    check(details.purposeId, 'details.purposeId');
    const purpose = typeof details.purposeId === 'string' ? purposeOf(command.registry, details.purposeId) : undefined;
    if (purpose && !purpose.automatedDecisionMaking) {
      throw new DomainError<RightsRequestErrorCode>('not-automated-decision', `purpose ${purpose.id} makes no automated decisions`, {
        purposeId: purpose.id,
        errors: [{ path: 'details.purposeId', message: 'not flagged automatedDecisionMaking' }],
      });
    }
  }
  if (problems.length > 0) {
    throw new DomainError<RightsRequestErrorCode>('unknown-purpose', `unknown purposes: ${unknown.join(', ')}`, { purposeIds: unknown, errors: problems });
  }
}

function transition(status: RightsRequestStatus, command: string): DomainError {
  return new DomainError<RightsRequestErrorCode>('invalid-transition', `a ${status} request cannot take ${command}`, { status });
}

export function isOverdue(state: Extract<RightsRequestState, { requestId: string }>, now: Date): boolean {
  return !FINAL.includes(state.status) && new Date(state.dueAt) < now;
}
