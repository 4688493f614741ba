import type { MergeErrorCode } from '@pi-ledger/ledger-domain/subject/subject.errors';

/** HTTP statuses of a merge's refusals (registered with the subjects' codes). */
export const MERGE_PROBLEMS = {
  'subject-merged': { status: 409, title: 'The customer file was merged into another: use mergedInto' },
  'merge-same-subject': { status: 422, title: 'A customer file cannot be merged into itself' },
  'merge-conflicting-facts': { status: 409, title: 'The two files hold conflicting facts: they are not one person' },
  'merge-choice-required': { status: 422, title: 'The two files hold different values: choose which side wins' },
  'merge-under-legal-hold': { status: 409, title: 'A file under a legal hold cannot be merged' },
  'merge-pending-erasure': { status: 409, title: 'An erasure request of either file is pending' },
} satisfies Record<MergeErrorCode, unknown>;
