/** Shapes of the API's answers the console reads (docs/api.md, shared/design/api-contract.md). */

export interface Purpose {
  id: string;
  name: string;
  description?: string;
  legalBasis: string;
  categories: string[];
  necessaryForService?: boolean;
  retentionDays?: number;
}

export interface CategoryInfo {
  name: string;
  fields: string[];
  listFields: string[];
  sensitive: boolean;
}

export interface Consent {
  consentId: string;
  purposeId: string;
  categories: string[];
  separate: boolean;
  status: 'active' | 'withdrawn';
  noticeVersion: string;
  grantedAt: string;
  withdrawnAt?: string;
  guardian?: { name: string; relation: string };
}

export interface Profile {
  subjectId: string;
  version: number;
  status: 'active' | 'restricted' | 'erased';
  createdAt: string;
  updatedAt: string;
  data: Record<string, Record<string, unknown>>;
  consents: Consent[];
}

export interface SubjectSummary {
  subjectId: string;
  name?: string;
  phone?: string;
  status: string;
  updatedAt: string;
}

export interface RightsRequestRow {
  requestId: string;
  subjectId: string;
  type: string;
  status: string;
  requester?: string;
  receivedAt: string;
  dueAt: string;
  extended: boolean;
  overdue: boolean;
}

export interface RightsRequest extends RightsRequestRow {
  details?: Record<string, unknown>;
  history: { at?: string; status?: string; note?: string }[];
  rejection?: { reasonCode: string; reason: string };
  result?: Record<string, unknown>;
}

export interface TreeHead {
  treeSize: number;
  rootHash: string;
  timestamp: string;
  signature: string;
  keyId: string;
}

export interface AuditEvent {
  position: number;
  eventId: string;
  type: string;
  streamId: string;
  subjectId?: string;
  actor?: string;
  purposeId?: string;
  legalBasis?: string;
  categories?: string[];
  fields?: string[];
  recordedAt: string;
  leafIndex: number;
  commitment: string;
}

export interface AccessRecord {
  accessId: string;
  subjectId: string;
  actor: string;
  roles: string[];
  purposeId: string | null;
  categories: string[];
  revealed: string[];
  via: string;
  accessedAt: string;
  position: number;
}

export interface HistoryEntry {
  position: number;
  recordedAt: string;
  eventType: string;
  category: string | null;
  field: string | null;
  value: unknown;
  previousValue?: unknown;
  actor: string;
  reason: string | null;
  purposeId: string | null;
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** The data categories the signed-in person's roles may read and write (GET /v1/access-matrix/mine). */
export interface MyCategories {
  roles: string[];
  read: string[];
  write: string[];
}

export interface ReferenceRange {
  low?: number;
  high?: number;
  text?: string;
}

export interface CheckupResult {
  code: string;
  name: string;
  value: number | string;
  unit?: string;
  referenceRange?: ReferenceRange;
  abnormal: boolean | null;
  abnormalSource: 'given' | 'computed' | 'unknown';
  direction?: 'high' | 'low';
}

export interface CheckupVisit {
  visitId: string;
  subjectId: string;
  visitDate: string;
  recordedBy: string;
  recordedAt: string;
  visit: { package?: string; institution: string; results: CheckupResult[]; conclusions: string[] };
}

export interface IndicatorTrend {
  code: string;
  name?: string;
  points: { visitId: string; visitDate: string; value: number | string; unit?: string; referenceRange?: ReferenceRange; abnormal: boolean | null }[];
}

export interface ServiceRecord {
  recordId: string;
  subjectId: string;
  serviceDate: string;
  serviceType: string;
  staffId: string;
  recordedBy: string;
  recordedAt: string;
  /** "[erased]" once the customer's key is shredded. */
  details: { content: string; outcome?: string } | string;
}

export interface FollowUpTask {
  taskId: string;
  subjectId: string;
  dueDate: string;
  assignee: string;
  department: string | null;
  channel: string;
  status: 'open' | 'done' | 'cancelled';
  source: { kind: 'manual' } | { kind: 'checkup'; visitId: string };
  openedBy: string;
  openedAt: string;
  closedBy: string | null;
  closedAt: string | null;
  overdue: boolean;
  /** Only in a customer's own list (a recorded read); never in a work queue. */
  note?: string;
  outcome?: string;
  reason?: string;
}
