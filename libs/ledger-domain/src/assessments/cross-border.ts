import { DomainError, InvalidInput } from '../domain-error';
import { Category } from '../registry/categories';
import { RegistryState } from '../registry/registry.decider';
import { ProcessingContext, separateConsentCovering } from '../subject/processing-rules';
import { Recipient } from '../subject/subject.events';
import { ConsentState } from '../subject/subject.state';
import { MAINLAND } from './assessment.events';

/** Why a provision outside the mainland is refused: each names what is missing (mapped to HTTP by the assessments module). */
export type CrossBorderErrorCode = 'cross-border-mechanism-required' | 'cross-border-consent-required' | 'cross-border-assessment-required';

export function isCrossBorder(recipient: Pick<Recipient, 'country'>): boolean {
  return recipient.country !== undefined && recipient.country !== MAINLAND;
}

/**
 * Provision to a recipient outside the mainland (PIPL Arts. 38–39, 55): it names a legal
 * mechanism with its reference, rests on a separate consent naming that country or region, and an
 * approved, unexpired impact assessment of the purpose names a recipient there. Returns the
 * recipient as recorded (with the assessment that covered it) and the consent it rests on; for a
 * recipient on the mainland, the recipient as given and no consent (the Art. 23 rule applies).
 */
export function crossBorderProvision(
  registry: RegistryState,
  subject: Pick<ProcessingContext, 'consents' | 'minor'>,
  purposeId: string,
  categories: readonly Category[],
  recipient: Recipient,
): { recipient: Recipient; consent?: ConsentState } {
  if (!isCrossBorder(recipient)) {
    if (recipient.transfer) throw new InvalidInput([{ path: 'recipient.transfer', message: 'only for a recipient outside the mainland (recipient.country)' }]);
    return { recipient: { ...recipient, ...(recipient.country ? { country: recipient.country } : {}) } };
  }
  const country = recipient.country!;
  if (!recipient.transfer?.mechanism || !recipient.transfer.reference?.trim()) {
    throw refused('cross-border-mechanism-required', `provision to ${country} needs a legal mechanism and its reference (PIPL Art. 38)`, 'recipient.transfer', { country });
  }
  const named = Object.fromEntries(Object.entries(subject.consents).filter(([, consent]) => consent.crossBorderCountries?.includes(country)));
  const consent = separateConsentCovering({ consents: named, minor: subject.minor }, purposeId, categories);
  if (!consent) {
    throw refused(
      'cross-border-consent-required',
      `provision to ${country} needs a separate consent naming it, for ${purposeId} and ${categories.join(', ')} (PIPL Art. 39)`,
      undefined,
      {
        country,
        purposeId,
        categories,
      },
    );
  }
  const assessment = registry.assessments?.[purposeId]?.find((covering) => covering.crossBorderCountries.includes(country));
  if (!assessment) {
    throw refused('cross-border-assessment-required', `no approved, unexpired impact assessment of ${purposeId} covers provision to ${country} (PIPL Art. 55)`, undefined, {
      country,
      purposeId,
    });
  }
  const { mechanism, reference } = recipient.transfer;
  return { recipient: { ...recipient, country, transfer: { mechanism, reference: reference.trim(), assessmentId: assessment.assessmentId } }, consent };
}

function refused(code: CrossBorderErrorCode, message: string, path?: string, details: Record<string, unknown> = {}): DomainError<CrossBorderErrorCode> {
  return new DomainError(code, message, { ...details, ...(path ? { errors: [{ path, message: 'required for a recipient outside the mainland' }] } : {}) });
}
