/** One measured indicator of a check-up, as recorded: the abnormal flag given by the institution, or computed from the range. */
export interface CheckupResult {
  code: string;
  name: string;
  /** A number, or text for qualitative results (e.g. "阴性"). */
  value: number | string;
  unit?: string;
  referenceRange?: { low?: number; high?: number; text?: string };
  /** null: neither given nor computable (a text value without a flag). */
  abnormal: boolean | null;
  /** `given` by the report, `computed` from a numeric value and range, or `unknown`. */
  abnormalSource: 'given' | 'computed' | 'unknown';
  /** When computed: which side of the range the value lies on. */
  direction?: 'high' | 'low';
}

/** What a visit found: sealed as one value under the customer's `health_records` key. */
export interface CheckupVisit {
  package?: string;
  institution: string;
  results: CheckupResult[];
  conclusions: string[];
}

/**
 * Events of one check-up visit's stream (`checkup-<visitId>`). `V` is how the visit travels:
 * plaintext between the decider and the service, sealed in the event store. In clear: ids, the
 * visit's date (for ordering and trends), who recorded it and when.
 */
export type CheckupEvent<V = CheckupVisit> = {
  type: 'CheckupRecorded';
  data: { visitId: string; subjectId: string; visitDate: string; recordedBy: string; recordedAt: string; visit: V };
};

export const checkupStream = (visitId: string) => `checkup-${visitId}`;

/** The category whose data key seals a check-up, and that the access matrix and purposes govern. */
export const CHECKUP_CATEGORY = 'health_records';
