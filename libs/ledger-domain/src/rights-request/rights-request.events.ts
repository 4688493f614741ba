export const RIGHTS_REQUEST_TYPES = [
  'access',
  'copy',
  'portability',
  'correction',
  'supplement',
  'erasure',
  'restriction',
  'consent_withdrawal',
  'explanation',
  'account_closure',
  /** An explanation of a decision made by automated means about the subject (PIPL Art. 24). */
  'decision_explanation',
] as const;
export type RightsRequestType = (typeof RIGHTS_REQUEST_TYPES)[number];

export const REQUESTER_KINDS = ['subject', 'staff_on_behalf', 'next_of_kin'] as const;
export type RequesterKind = (typeof REQUESTER_KINDS)[number];

export type RightsRequestStatus = 'received' | 'verified' | 'in_progress' | 'fulfilled' | 'rejected' | 'failed_verification' | 'canceled';

/**
 * Events of `rights-request-<id>`. `V` marks free text sealed with the subject's key (a next of
 * kin's name and relation, reasons, evidence references): it may name people, so erasure must
 * reach it. The values of a correction's change sets (`details.changes[].set`) are sealed too:
 * libs/pii-vault/src/event-pi-declarations.ts declares every PI path of every type.
 */
export type RightsRequestEvent<V = unknown> =
  | {
      type: 'RightsRequestFiled';
      data: {
        requestId: string;
        subjectId: string;
        requestType: RightsRequestType;
        details: Record<string, unknown>;
        channel: string;
        requester: { kind: RequesterKind; relation?: V; name?: V };
        status: 'received' | 'verified';
        receivedAt: string;
        dueAt: string;
      };
    }
  | { type: 'RightsRequestVerified'; data: { requestId: string; subjectId: string; method: string; evidenceRef?: V; verifiedBy: string; verifiedAt: string } }
  | { type: 'RightsRequestExtended'; data: { requestId: string; subjectId: string; reason: V; dueAt: string; extendedAt: string } }
  | { type: 'RightsRequestStarted'; data: { requestId: string; subjectId: string; startedAt: string } }
  | { type: 'RightsRequestFulfilled'; data: { requestId: string; subjectId: string; result: Record<string, unknown>; fulfilledAt: string } }
  | {
      type: 'RightsRequestRejected';
      data: { requestId: string; subjectId: string; reasonCode: string; reason: V; status: 'rejected' | 'failed_verification'; rejectedAt: string };
    };

export const rightsRequestStream = (requestId: string) => `rights-request-${requestId}`;
