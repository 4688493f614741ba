import { registerProblemCodes } from '@pi-ledger/platform/http/problem';

/** HTTP meaning of the erasure, legal-hold and retention error codes. */
registerProblemCodes({
  'partial-erasure-unsupported': { status: 422, title: 'Erasure must cover every category the subject holds' },
  'erasure-request-conflict': { status: 409, title: 'This request id already certifies the erasure of another subject' },
  'erasure-certificate-not-found': { status: 404, title: 'No erasure certificate for this request' },
  'certificate-signature-invalid': { status: 422, title: 'Not an erasure certificate this ledger signed' },
  'certificate-subject-mismatch': { status: 422, title: 'The certificate’s keys and pseudonym do not name one subject' },
  'legal-hold-missing': { status: 409, title: 'A legal hold the erasure kept is not in this ledger' },
  'legal-hold-not-found': { status: 404, title: 'Legal hold not found' },
  'legal-hold-exists': { status: 409, title: 'Legal hold already exists' },
  'legal-hold-expired': { status: 422, title: 'Legal hold already ended' },
  'invalid-legal-hold': { status: 422, title: 'Invalid legal hold' },
});
