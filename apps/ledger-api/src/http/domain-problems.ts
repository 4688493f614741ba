import { registerProblemCodes } from '@pi-ledger/platform/http/problem';

/** HTTP meaning of the domain's error codes (api-contract.md). */
registerProblemCodes({
  'category-not-in-purpose': { status: 422, title: 'Category not within the purpose' },
  'separate-consent-required': { status: 422, title: 'Separate consent required' },
  'consent-required': { status: 422, title: 'Consent required' },
  'guardian-consent-required': { status: 422, title: 'Guardian consent required' },
  'unknown-purpose': { status: 422, title: 'Unknown purpose' },
  'unknown-notice': { status: 422, title: 'Unknown notice version' },
  'notice-does-not-cover-purpose': { status: 422, title: 'Notice does not describe the purpose' },
  'duplicate-subject': { status: 409, title: 'Subject already registered' },
  'subject-exists': { status: 409, title: 'Subject already exists' },
  'purpose-exists': { status: 409, title: 'Purpose already exists' },
  'notice-exists': { status: 409, title: 'Notice version already published' },
  'subject-not-found': { status: 404, title: 'Subject not found' },
  'consent-not-found': { status: 404, title: 'Consent not found' },
  'restriction-not-found': { status: 404, title: 'Restriction not found' },
  'subject-erased': { status: 410, title: 'Subject erased' },
  'processing-restricted': { status: 403, title: 'Processing restricted' },
  'no-legal-basis': { status: 403, title: 'No legal basis for this purpose' },
  'data-erased': { status: 410, title: 'Data erased' },
});
