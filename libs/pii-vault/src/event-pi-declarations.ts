import type { LegalHoldEvent } from '@pi-ledger/ledger-domain/legal-hold/legal-hold.events';
import type { LookupAlertEvent } from '@pi-ledger/ledger-domain/lookup-alert/lookup-alert.decider';
import type { AccessMatrixEvent } from '@pi-ledger/ledger-domain/access-matrix/access-matrix.events';
import type { RegistryEvent } from '@pi-ledger/ledger-domain/registry/registry.events';
import type { AssessmentEvent } from '@pi-ledger/ledger-domain/assessments/assessment.events';
import type { IncidentEvent } from '@pi-ledger/ledger-domain/incidents/incident.events';
import type { RightsRequestEvent } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { StaffAccountEvent } from '@pi-ledger/ledger-domain/staff/staff-account.events';
import type { StaffSigninEvent } from '@pi-ledger/ledger-domain/staff/staff-signin.events';
import type { DepartmentEvent } from '@pi-ledger/ledger-domain/departments/department.events';
import type { CustomerNumberEvent } from '@pi-ledger/ledger-domain/customer-number/customer-number';
import type { CheckupEvent } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import type { ServiceRecordEvent } from '@pi-ledger/ledger-domain/service-records/service-record.events';
import type { FollowUpEvent } from '@pi-ledger/ledger-domain/follow-ups/follow-up.events';
import type { AbnormalResultRuleSet } from '@pi-ledger/ledger-domain/follow-ups/abnormal-result-rule';
import type { OrderEvent } from '@pi-ledger/ledger-domain/orders/order.events';
import type { OrderNumberAllocated } from '@pi-ledger/ledger-domain/orders/order-number';
import type { ComplaintEvent } from '@pi-ledger/ledger-domain/complaints/complaint.events';
import type { ComplaintDeadlinePolicySet } from '@pi-ledger/ledger-domain/complaints/complaint-deadline-policy';
import type { FollowUpPlanEvent } from '@pi-ledger/ledger-domain/follow-ups/follow-up-plan.events';
import type { EscalationPolicySet } from '@pi-ledger/ledger-domain/follow-ups/escalation-policy';
import type { MessageEvent } from '@pi-ledger/ledger-domain/messages/message.events';
import type { SurveyResponseEvent } from '@pi-ledger/ledger-domain/surveys/survey-response.events';
import type { SurveyPublished } from '@pi-ledger/ledger-domain/surveys/survey-definition';
import type { DuplicatePairEvent } from '@pi-ledger/ledger-domain/duplicates/duplicate-pair';
import type { ExportEvent } from '@pi-ledger/ledger-domain/exports/export-produced';
import type { SavedQueryEvent } from '@pi-ledger/ledger-domain/saved-queries/saved-query.events';
import { FREE_TEXT_CATEGORY as FREE_TEXT } from './subject-event-codec';

/**
 * Where personal information sits in every event type of the ledger: the one declaration that
 * sealing before append and opening on read follow (DeclaredEventCodec), and that the specs hold
 * every event type and every string field to.
 *
 * Path grammar, over the event's `data`: members separated by `.`; `name[]` walks every element of
 * the array `name`; `*` every member of an object; in `clear` paths only, `**` anything below.
 */
export interface PiField {
  path: string;
  /**
   * The vault category whose data key seals the value: a fixed name, or `@category` for the
   * `category` member of the nearest enclosing object that has one (a correction's change set is
   * sealed under that category's key, so erasing the category reaches it).
   */
  category: string;
  /** The AAD's field name, when not the concrete path (values sealed before this declaration existed keep theirs). */
  field?: string;
}

export interface PiDeclaration {
  /** The member of `data` whose value names the AAD's event id; default `requestId`. */
  aadId?: string;
  /** The AAD's event id: the stream's request id followed by this suffix (kept from the first sealed fields). */
  aadSuffix: string;
  /** Every value that is, or may be, personal information: sealed under the subject's keys. */
  pi: readonly PiField[];
  /** Every other string, deliberately clear: ids, codes, categories, purposes, times. */
  clear: readonly string[];
}

/** The vault category of a rights request's requester (a next of kin's name and relation). */
export const REQUESTER_CATEGORY = 'requester';

/**
 * Rights requests (PIPL Arts. 44–50). What a requester writes may name people or carry the very
 * data the request is about: the requester's name and relation, evidence references, reasons, and
 * the values of a correction's or supplement's change sets.
 */
export const RIGHTS_REQUEST_PI: { readonly [T in RightsRequestEvent['type']]: PiDeclaration } = {
  RightsRequestFiled: {
    aadSuffix: '',
    pi: [
      { path: 'requester.name', category: REQUESTER_CATEGORY, field: 'name' },
      { path: 'requester.relation', category: REQUESTER_CATEGORY, field: 'relation' },
      { path: 'details.changes[].set.*', category: '@category' },
    ],
    clear: [
      'requestId',
      'subjectId',
      'requestType',
      'channel',
      'requester.kind',
      'status',
      'receivedAt',
      'dueAt',
      'details.categories[]',
      'details.purposeIds[]',
      'details.kind',
      'details.purposeId',
      'details.decisionRef',
      'details.consentId',
      'details.changes[].category',
      'details.changes[].purposeId',
    ],
  },
  RightsRequestVerified: {
    aadSuffix: '/verify',
    pi: [{ path: 'evidenceRef', category: FREE_TEXT, field: 'evidenceRef' }],
    clear: ['requestId', 'subjectId', 'method', 'verifiedBy', 'verifiedAt'],
  },
  RightsRequestExtended: {
    aadSuffix: '/extend',
    pi: [{ path: 'reason', category: FREE_TEXT, field: 'reason' }],
    clear: ['requestId', 'subjectId', 'dueAt', 'extendedAt'],
  },
  RightsRequestStarted: { aadSuffix: '/start', pi: [], clear: ['requestId', 'subjectId', 'startedAt'] },
  RightsRequestFulfilled: {
    aadSuffix: '/fulfil',
    pi: [],
    // links, category and field names, versions, and the explanation built from the registry's purposes and recipient organisations
    clear: ['requestId', 'subjectId', 'fulfilledAt', 'result.**'],
  },
  RightsRequestRejected: {
    aadSuffix: '/reject',
    pi: [{ path: 'reason', category: FREE_TEXT, field: 'reason' }],
    clear: ['requestId', 'subjectId', 'reasonCode', 'status', 'rejectedAt'],
  },
};

/** Vault categories of a staff account (its id is the vault's subject): the person's name and addresses, and the credentials. */
export const STAFF_PROFILE_CATEGORY = 'staff_profile';
export const STAFF_CREDENTIALS_CATEGORY = 'staff_credentials';
const staffFact = (...clear: string[]): PiDeclaration => ({ aadSuffix: '', pi: [], clear: ['staffId', ...clear] });
const staffIp = (...clear: string[]): PiDeclaration => ({ aadSuffix: '', pi: [{ path: 'ip', category: STAFF_PROFILE_CATEGORY }], clear: ['staffId', ...clear] });

/**
 * Staff accounts and their sign-ins (issue #13): a staff member's name and the addresses they sign
 * in from are their personal information; a password hash and a TOTP secret are secrets. Sealed by
 * StaffEventCodec under the account's keys, the AAD's event id being the event's own id.
 */
export const STAFF_PI: { readonly [T in StaffAccountEvent['type'] | StaffSigninEvent['type']]: PiDeclaration } = {
  StaffAccountCreated: { aadSuffix: '', pi: [{ path: 'displayName', category: STAFF_PROFILE_CATEGORY }], clear: ['staffId', 'username', 'roles[]', 'departmentId', 'createdAt'] },
  StaffRoleGranted: staffFact('role', 'grantedAt'),
  StaffRoleRevoked: staffFact('role', 'revokedAt'),
  StaffDepartmentSet: staffFact('departmentId', 'setAt'),
  StaffPasswordSet: { aadSuffix: '', pi: [{ path: 'passwordHash', category: STAFF_CREDENTIALS_CATEGORY }], clear: ['staffId', 'setAt'] },
  StaffMfaEnrolmentStarted: { aadSuffix: '', pi: [{ path: 'totpSecret', category: STAFF_CREDENTIALS_CATEGORY }], clear: ['staffId', 'startedAt'] },
  StaffMfaConfirmed: staffFact('confirmedAt'),
  StaffMfaReset: staffFact('resetAt'),
  StaffAccountDisabled: staffFact('disabledAt'),
  StaffAccountEnabled: staffFact('enabledAt'),
  StaffLoginSucceeded: staffIp('sessionId', 'at'),
  StaffLoginFailed: staffIp('reason', 'at'),
  StaffLockedOut: staffFact('until', 'at'),
  StaffUnlocked: staffFact('at'),
  StaffLoggedOut: staffIp('sessionId', 'reason', 'at'),
};

/**
 * A break-glass access: the note a person typed may name someone, so it is sealed under the
 * customer's free-text key (AAD event id: the break-glass id); the rest are ids, codes and times.
 */
export const BREAK_GLASS_PI: PiDeclaration = {
  aadSuffix: '',
  pi: [{ path: 'note', category: FREE_TEXT, field: 'note' }],
  clear: ['breakGlassId', 'subjectId', 'actor', 'roles[]', 'actorDepartmentId', 'assignment.departmentId', 'assignment.healthManagerId', 'reason', 'access', 'usedAt'],
};

/**
 * Check-ups (issue #14): the whole visit (package, institution, results, conclusions) is one value
 * sealed under the customer's `health_records` key; its date stays clear for ordering and trends.
 */
export const CHECKUP_PI: { readonly [T in CheckupEvent['type']]: PiDeclaration } = {
  CheckupRecorded: {
    aadId: 'visitId',
    aadSuffix: '',
    pi: [{ path: 'visit', category: 'health_records' }],
    clear: ['visitId', 'subjectId', 'visitDate', 'recordedBy', 'recordedAt'],
  },
};

/** Service records (issue #14): what was done and its outcome, sealed under the customer's `service_interactions` key. */
export const SERVICE_RECORD_PI: { readonly [T in ServiceRecordEvent['type']]: PiDeclaration } = {
  ServiceRecorded: {
    aadId: 'recordId',
    aadSuffix: '',
    pi: [{ path: 'details', category: 'service_interactions' }],
    clear: ['recordId', 'subjectId', 'serviceDate', 'serviceType', 'staffId', 'recordedBy', 'recordedAt'],
  },
};

/** Follow-up tasks (issue #14): the note, the outcome and a cancellation's reason, sealed under the customer's `service_interactions` key. */
export const FOLLOW_UP_PI: { readonly [T in FollowUpEvent['type']]: PiDeclaration } = {
  FollowUpOpened: {
    aadId: 'taskId',
    aadSuffix: '',
    pi: [{ path: 'note', category: 'service_interactions' }],
    clear: ['taskId', 'subjectId', 'dueDate', 'assignee', 'department', 'channel', 'source.kind', 'source.visitId', 'source.planId', 'openedBy', 'openedAt'],
  },
  FollowUpReassigned: { aadId: 'taskId', aadSuffix: '/reassign', pi: [], clear: ['taskId', 'subjectId', 'assignee', 'department', 'reassignedBy', 'reassignedAt'] },
  FollowUpCompleted: {
    aadId: 'taskId',
    aadSuffix: '/complete',
    pi: [{ path: 'outcome', category: 'service_interactions' }],
    clear: ['taskId', 'subjectId', 'completedBy', 'completedAt'],
  },
  FollowUpCancelled: {
    aadId: 'taskId',
    aadSuffix: '/cancel',
    pi: [{ path: 'reason', category: 'service_interactions' }],
    clear: ['taskId', 'subjectId', 'cancelledBy', 'cancelledAt'],
  },
  FollowUpTaskEscalated: {
    aadId: 'taskId',
    aadSuffix: '/escalate',
    pi: [],
    clear: ['taskId', 'subjectId', 'department', 'escalatedTo', 'dueDate', 'escalatedBy', 'escalatedAt'],
  },
};

/** Recurring follow-up plans (issue #14): the reason, sealed under the customer's `service_interactions` key like the notes of the tasks it opens. */
export const FOLLOW_UP_PLAN_PI: { readonly [T in FollowUpPlanEvent['type']]: PiDeclaration } = {
  FollowUpPlanCreated: {
    aadId: 'planId',
    aadSuffix: '',
    pi: [{ path: 'reason', category: 'service_interactions' }],
    clear: ['planId', 'subjectId', 'schedule.unit', 'schedule.startDate', 'schedule.endDate', 'channel', 'assignee', 'department', 'purposeId', 'createdBy', 'createdAt'],
  },
  FollowUpPlanPaused: { aadId: 'planId', aadSuffix: '/pause', pi: [], clear: ['planId', 'subjectId', 'pausedBy', 'pausedAt'] },
  FollowUpPlanResumed: { aadId: 'planId', aadSuffix: '/resume', pi: [], clear: ['planId', 'subjectId', 'resumedBy', 'resumedAt'] },
  FollowUpPlanOccurrenceOpened: { aadId: 'planId', aadSuffix: '/occurrence', pi: [], clear: ['planId', 'subjectId', 'taskId', 'dueDate', 'openedBy', 'openedAt'] },
  FollowUpPlanEnded: { aadId: 'planId', aadSuffix: '/end', pi: [], clear: ['planId', 'subjectId', 'cause', 'endedBy', 'endedAt'] },
};

/**
 * Orders (issue #14): what was bought (items, note), a cancellation's and each refund's reason,
 * sealed under the customer's `consumption` key (a refund's AAD names the refund). Clear: ids, the
 * number and date, the money and payment method, who and when.
 */
export const ORDER_PI: { readonly [T in OrderEvent['type']]: PiDeclaration } = {
  OrderPlaced: {
    aadId: 'orderId',
    aadSuffix: '',
    pi: [{ path: 'contents', category: 'consumption' }],
    clear: ['orderId', 'subjectId', 'orderNumber', 'orderDate', 'currency', 'placedBy', 'placedAt'],
  },
  OrderPaid: { aadId: 'orderId', aadSuffix: '/pay', pi: [], clear: ['orderId', 'subjectId', 'paymentMethod', 'paidBy', 'paidAt'] },
  OrderCancelled: { aadId: 'orderId', aadSuffix: '/cancel', pi: [{ path: 'reason', category: 'consumption' }], clear: ['orderId', 'subjectId', 'cancelledBy', 'cancelledAt'] },
  OrderRefunded: {
    aadId: 'refundId',
    aadSuffix: '',
    pi: [{ path: 'reason', category: 'consumption' }],
    clear: ['orderId', 'subjectId', 'refundId', 'refundedBy', 'refundedAt'],
  },
};

const complaintStep = (suffix: string, pi: PiField[], ...clear: string[]): PiDeclaration => ({
  aadId: 'complaintId',
  aadSuffix: suffix,
  pi,
  clear: ['complaintId', 'subjectId', ...pi.map((field) => field.path.replace(/\.text$/, '.category')), ...clear],
});
const complaintText = (member: string): PiField[] => [{ path: `${member}.text`, category: '@category' }];

/**
 * Complaints (issue #14): the description, notes, reply and the reasons of a reopening or a manual
 * escalation, each sealed under the customer's key for the complaint's text category, the
 * `category` beside the text (`service_interactions`, or `health_records` for a complaint marked as
 * holding health data). Channel, category, severity, deadlines, satisfaction and actors stay clear.
 */
export const COMPLAINT_PI: { readonly [T in ComplaintEvent['type']]: PiDeclaration } = {
  ComplaintReceived: complaintStep(
    '',
    complaintText('description'),
    'channel',
    'category',
    'severity',
    'serviceRecordId',
    'department',
    'replyDueAt',
    'resolutionDueAt',
    'receivedBy',
    'receivedAt',
  ),
  ComplaintAssigned: complaintStep('/assign', [], 'handler', 'department', 'assignedBy', 'assignedAt'),
  ComplaintStarted: complaintStep('/start', [], 'startedBy', 'startedAt'),
  ComplaintNoted: complaintStep('/note', complaintText('note'), 'notedBy', 'notedAt'),
  ComplaintReplied: complaintStep('/reply', complaintText('reply'), 'repliedBy', 'repliedAt'),
  ComplaintClosed: complaintStep('/close', [], 'closedBy', 'closedAt'),
  ComplaintReopened: complaintStep('/reopen', complaintText('reason'), 'replyDueAt', 'resolutionDueAt', 'reopenedBy', 'reopenedAt'),
  ComplaintEscalated: complaintStep('/escalate', complaintText('reason'), 'trigger', 'dueAt', 'department', 'escalatedTo[]', 'escalatedBy', 'escalatedAt'),
};

/**
 * Messages to customers (issue #14): the recipient's address and the content, sealed under the
 * customer's key for the message's `category` (service_interactions, or contact for marketing).
 */
export const MESSAGE_PI: { readonly [T in MessageEvent['type']]: PiDeclaration } = {
  MessageQueued: {
    aadId: 'messageId',
    aadSuffix: '',
    pi: [
      { path: 'recipient', category: '@category' },
      { path: 'content', category: '@category' },
    ],
    clear: ['messageId', 'subjectId', 'kind', 'channel', 'purposeId', 'category', 'source.kind', 'source.responseId', 'source.taskId', 'source.date', 'queuedBy', 'queuedAt'],
  },
  MessageSent: { aadId: 'messageId', aadSuffix: '/sent', pi: [], clear: ['messageId', 'subjectId', 'transport', 'sentAt'] },
  MessageFailed: { aadId: 'messageId', aadSuffix: '/failed', pi: [], clear: ['messageId', 'subjectId', 'errorCode', 'nextAttemptAt', 'failedAt'] },
  MessageCancelled: { aadId: 'messageId', aadSuffix: '/cancel', pi: [], clear: ['messageId', 'subjectId', 'reason', 'cancelledBy', 'cancelledAt'] },
};

const SURVEYED = ['responseId', 'subjectId', 'surveyId', 'serviceRecordId', 'serviceType', 'serviceDate', 'staffId'];

/** Survey responses (issue #14): the customer's free-text answers, sealed under its `service_interactions` key; ratings are numbers. */
export const SURVEY_RESPONSE_PI: { readonly [T in SurveyResponseEvent['type']]: PiDeclaration } = {
  SurveyDispatched: { aadId: 'responseId', aadSuffix: '', pi: [], clear: [...SURVEYED, 'messageId', 'dispatchedBy', 'dispatchedAt'] },
  SurveyAnswered: {
    aadId: 'responseId',
    aadSuffix: '/answer',
    pi: [{ path: 'comments', category: 'service_interactions' }],
    clear: [...SURVEYED, 'answeredBy', 'answeredVia', 'answeredAt'],
  },
};

/** How an event type's PI is sealed: by a declaration here, by SubjectEventCodec's exhaustive switch, or not at all (it carries none). */
export type PiSealing = { declared: PiDeclaration } | { codec: 'SubjectEventCodec' } | { none: string } | { carries: string };

const SUBJECT_CODEC = { codec: 'SubjectEventCodec' } as const;
const REGISTRY = { none: 'the registry: purposes, notices and sensitivity, the handler’s own texts' } as const;
const DEPARTMENTS = { none: 'the centre’s departments: a code, a name, a staff account id' } as const;
const REVOKED = { none: 'a revoked session, token or account id, a reason code, times (libs/access-control/src/revocation)' } as const;
const HOLDS = { none: 'legal holds: a citation as basis, categories, an end date' } as const;

/**
 * Every event type the ledger appends. A new event type must be added here (the mapped types make
 * the typecheck fail for the domain's unions; the canary e2e fails for any type found in
 * `ledger_events` that is not listed).
 */
export const LEDGER_EVENT_PI: {
  readonly [
    T in
      | SubjectEvent['type']
      | RightsRequestEvent['type']
      | RegistryEvent['type']
      | LegalHoldEvent['type']
      | LookupAlertEvent['type']
      | ExportEvent['type']
      | AccessMatrixEvent['type']
      | DepartmentEvent['type']
      | AssessmentEvent['type']
      | IncidentEvent['type']
      | CustomerNumberEvent['type']
      | CheckupEvent['type']
      | ServiceRecordEvent['type']
      | FollowUpEvent['type']
      | AbnormalResultRuleSet['type']
      | OrderEvent['type']
      | OrderNumberAllocated['type']
      | ComplaintEvent['type']
      | ComplaintDeadlinePolicySet['type']
      | FollowUpPlanEvent['type']
      | EscalationPolicySet['type']
      | MessageEvent['type']
      | SurveyResponseEvent['type']
      | SurveyPublished['type']
      | DuplicatePairEvent['type']
      | SavedQueryEvent['type']
  ]: PiSealing;
} & {
  readonly PersonalDataAccessed: PiSealing;
  readonly BreakGlassUsed: PiSealing;
  readonly ReportRun: PiSealing;
  readonly EvidenceExported: PiSealing;
  readonly SessionRevoked: PiSealing;
  readonly TokenRevoked: PiSealing;
  readonly ActorRevoked: PiSealing;
  readonly RecordMoved: PiSealing;
} & {
  readonly [T in keyof typeof STAFF_PI]: PiSealing;
} = {
  SubjectRegistered: SUBJECT_CODEC,
  DataCollected: SUBJECT_CODEC,
  DataUpdated: SUBJECT_CODEC,
  DataCorrected: SUBJECT_CODEC,
  DataSupplemented: SUBJECT_CODEC,
  DataItemAdded: SUBJECT_CODEC,
  ConsentGranted: SUBJECT_CODEC,
  ConsentWithdrawn: SUBJECT_CODEC,
  ProcessingRestricted: SUBJECT_CODEC,
  RestrictionLifted: SUBJECT_CODEC,
  DisclosedToThirdParty: SUBJECT_CODEC,
  SubjectAssigned: SUBJECT_CODEC,
  RelationshipEnded: SUBJECT_CODEC,
  LifecycleStageChanged: SUBJECT_CODEC,
  SubjectErased: SUBJECT_CODEC,
  SubjectMerged: SUBJECT_CODEC,
  SubjectMergedInto: SUBJECT_CODEC,
  RightsRequestFiled: { declared: RIGHTS_REQUEST_PI.RightsRequestFiled },
  RightsRequestVerified: { declared: RIGHTS_REQUEST_PI.RightsRequestVerified },
  RightsRequestExtended: { declared: RIGHTS_REQUEST_PI.RightsRequestExtended },
  RightsRequestStarted: { declared: RIGHTS_REQUEST_PI.RightsRequestStarted },
  RightsRequestFulfilled: { declared: RIGHTS_REQUEST_PI.RightsRequestFulfilled },
  RightsRequestRejected: { declared: RIGHTS_REQUEST_PI.RightsRequestRejected },
  PurposeDefined: REGISTRY,
  NoticePublished: REGISTRY,
  CategorySensitivityChanged: REGISTRY,
  CategoryRetentionChanged: REGISTRY,
  PurposeFlagsChanged: REGISTRY,
  AssessmentRecorded: { none: 'an impact assessment: the handler’s own analysis of an activity, recipient organisations, an approver account' },
  AssessmentApproved: { none: 'an impact assessment’s approval: an account and times' },
  IncidentRecorded: { none: 'a security incident: a kind, times, staff accounts and system identifiers, category names; who was affected is never stored' },
  IncidentNotificationRecorded: { none: 'a notification sent: an audience, channel and reference codes, a count and a digest of the list' },
  RolePermissionsSet: { none: 'the category permission matrix: a role and category names' },
  LegalHoldPlaced: HOLDS,
  LegalHoldReleased: HOLDS,
  PersonalDataAccessed: { none: 'who read which categories of whom, when and why: names, never values' },
  BulkLookupSuspected: { none: 'a staff account, its roles, a count and an hour: nothing it looked up' },
  ExportProduced: {
    none: 'a bulk export: a staff account, a purpose, category and condition names, non-personal filter values (status, classification, assignment), a row count and a digest',
  },
  EvidenceExported: { none: 'an audit evidence export: ids, positions, digests' },
  ReportRun: { none: 'a report run: the report, its period, dimensions and filter values (department, type, tier, region), a staff account' },
  DepartmentCreated: DEPARTMENTS,
  DepartmentRenamed: DEPARTMENTS,
  DepartmentManagerSet: DEPARTMENTS,
  DepartmentDeactivated: DEPARTMENTS,
  BreakGlassUsed: { declared: BREAK_GLASS_PI },
  SessionRevoked: REVOKED,
  TokenRevoked: REVOKED,
  ActorRevoked: REVOKED,
  ...(Object.fromEntries(Object.entries(STAFF_PI).map(([type, declared]) => [type, { declared }])) as { readonly [T in keyof typeof STAFF_PI]: PiSealing }),
  CheckupRecorded: { declared: CHECKUP_PI.CheckupRecorded },
  ServiceRecorded: { declared: SERVICE_RECORD_PI.ServiceRecorded },
  FollowUpOpened: { declared: FOLLOW_UP_PI.FollowUpOpened },
  FollowUpReassigned: { declared: FOLLOW_UP_PI.FollowUpReassigned },
  FollowUpCompleted: { declared: FOLLOW_UP_PI.FollowUpCompleted },
  FollowUpCancelled: { declared: FOLLOW_UP_PI.FollowUpCancelled },
  FollowUpTaskEscalated: { declared: FOLLOW_UP_PI.FollowUpTaskEscalated },
  FollowUpPlanCreated: { declared: FOLLOW_UP_PLAN_PI.FollowUpPlanCreated },
  FollowUpPlanPaused: { declared: FOLLOW_UP_PLAN_PI.FollowUpPlanPaused },
  FollowUpPlanResumed: { declared: FOLLOW_UP_PLAN_PI.FollowUpPlanResumed },
  FollowUpPlanOccurrenceOpened: { declared: FOLLOW_UP_PLAN_PI.FollowUpPlanOccurrenceOpened },
  FollowUpPlanEnded: { declared: FOLLOW_UP_PLAN_PI.FollowUpPlanEnded },
  FollowUpEscalationPolicySet: { none: 'the escalation policy: on or off, a delay in days' },
  AbnormalResultRuleSet: { none: 'the abnormal-result rule: indicator codes, a delay, a channel, a staff account' },
  OrderPlaced: { declared: ORDER_PI.OrderPlaced },
  OrderPaid: { declared: ORDER_PI.OrderPaid },
  OrderCancelled: { declared: ORDER_PI.OrderCancelled },
  OrderRefunded: { declared: ORDER_PI.OrderRefunded },
  OrderNumberAllocated: { none: 'an order number: an identifier the centre issues, with its year, sequence and order id' },
  ...(Object.fromEntries(Object.entries(COMPLAINT_PI).map(([type, declared]) => [type, { declared }])) as { readonly [T in keyof typeof COMPLAINT_PI]: PiSealing }),
  ComplaintDeadlinePolicySet: { none: 'the complaint deadline policy: hours and days per severity' },
  MessageQueued: { declared: MESSAGE_PI.MessageQueued },
  MessageSent: { declared: MESSAGE_PI.MessageSent },
  MessageFailed: { declared: MESSAGE_PI.MessageFailed },
  MessageCancelled: { declared: MESSAGE_PI.MessageCancelled },
  SurveyDispatched: { declared: SURVEY_RESPONSE_PI.SurveyDispatched },
  SurveyAnswered: { declared: SURVEY_RESPONSE_PI.SurveyAnswered },
  SurveyPublished: { none: 'a questionnaire: the centre’s own title and questions, a staff account' },
  DuplicatePairDismissed: { none: 'two subject ids found not to be one person, a staff account, a time' },
  CustomerNumberAllocated: { none: 'a customer number: a pseudonymous identifier the centre issues, like the subject id, with its year and sequence' },
  SavedQueryCreated: { none: 'a saved combined query: a name, criteria (fields, operators, values such as a condition or an age band), a department, a staff account' },
  SavedQueryDeleted: { none: 'a saved query deleted: ids, a department, a staff account' },
  RecordMoved: { carries: 'a record’s events moved by a merge, each sealed by its own type’s declaration under the survivor’s keys (RecordMoveCodec)' },
};

export function piSealingOf(type: string): PiSealing | undefined {
  return Object.hasOwn(LEDGER_EVENT_PI, type) ? LEDGER_EVENT_PI[type as keyof typeof LEDGER_EVENT_PI] : undefined;
}

/** A value found at a declared path, with what its sealing needs. */
export interface DeclaredValue {
  value: unknown;
  /** The concrete path, e.g. `details.changes[0].set.email`. */
  path: string;
  category: string;
  field: string;
}

/**
 * A copy of `data` with every value at a declared PI path replaced by `transform`'s result. Nulls
 * (a change set's "remove this field") and absent members are left as they are.
 */
export async function mapDeclaredPi(
  data: Record<string, unknown>,
  declaration: PiDeclaration,
  transform: (found: DeclaredValue) => Promise<unknown>,
): Promise<Record<string, unknown>> {
  const copy = structuredClone(data);
  for (const declared of declaration.pi) {
    const found: Array<{ holder: Record<string, unknown> | unknown[]; key: string | number } & DeclaredValue> = [];
    walk(copy, declared.path.split('.'), '', undefined, (holder, key, value, path, category) => {
      if (value === null || value === undefined) return;
      const vaultCategory = declared.category === '@category' ? category : declared.category;
      if (!vaultCategory) throw new TypeError(`no category for the PI at ${path}`);
      found.push({ holder, key, value, path, category: vaultCategory, field: declared.field ?? path });
    });
    for (const { holder, key, ...value } of found) (holder as Record<string | number, unknown>)[key] = await transform(value);
  }
  return copy;
}

type Visit = (holder: Record<string, unknown> | unknown[], key: string | number, value: unknown, path: string, category: string | undefined) => void;

function walk(node: unknown, segments: readonly string[], path: string, category: string | undefined, visit: Visit): void {
  if (node === null || typeof node !== 'object') return;
  const here = !Array.isArray(node) && typeof (node as Record<string, unknown>).category === 'string' ? ((node as Record<string, unknown>).category as string) : category;
  const [segment, ...rest] = segments;
  const join = (key: string) => (path ? `${path}.${key}` : key);
  const step = (holder: Record<string, unknown> | unknown[], key: string | number, childPath: string) => {
    const child = (holder as Record<string | number, unknown>)[key];
    if (rest.length === 0) visit(holder, key, child, childPath, here);
    else walk(child, rest, childPath, here, visit);
  };
  const object = node as Record<string, unknown>;
  if (segment === '*') {
    for (const key of Object.keys(object)) step(object, key, join(key));
    return;
  }
  if (segment.endsWith('[]')) {
    const name = segment.slice(0, -2);
    const list = Object.hasOwn(object, name) ? object[name] : undefined;
    if (!Array.isArray(list)) return;
    list.forEach((_, index) => {
      const childPath = `${join(name)}[${index}]`;
      if (rest.length === 0) visit(list, index, list[index], childPath, here);
      else walk(list[index], rest, childPath, here, visit);
    });
    return;
  }
  if (Object.hasOwn(object, segment)) step(object, segment, join(segment));
}

/** Does the concrete path (e.g. `details.changes[0].set.email`) fall under the declared one (`details.changes[].set.*`)? */
export function pathMatches(declared: string, concrete: string): boolean {
  const pattern = declared
    .split('.')
    .map((segment) => (segment === '**' ? '.+' : segment === '*' ? '[^.]+' : segment.replace(/\[\]$/, '\\[\\d+\\]').replace(/[$]/g, '\\$')))
    .join('\\.');
  return new RegExp(`^${pattern}$`).test(concrete);
}

/** Every string leaf of `data`, by concrete path (what the declaration specs check is declared). */
export function stringLeaves(data: unknown, path = ''): string[] {
  if (typeof data === 'string') return [path];
  if (Array.isArray(data)) return data.flatMap((item, index) => stringLeaves(item, `${path}[${index}]`));
  if (data !== null && typeof data === 'object') return Object.entries(data).flatMap(([key, value]) => stringLeaves(value, path ? `${path}.${key}` : key));
  return [];
}
