import { FieldProblem, InvalidInput } from '@pi-ledger/ledger-domain/domain-error';
import { isCategory } from '@pi-ledger/ledger-domain/registry/categories';
import { residentIdBirthDate, residentIdProblem } from '@pi-ledger/ledger-domain/validation/resident-id';
import { validateCategoryFields } from './subject-data.dto';

const ID_PROBLEM: Record<string, string> = {
  format: 'must be 18 characters: 17 digits and a digit or X',
  'check-digit': 'has a wrong check digit (GB 11643)',
  'birth-date': 'embeds a date that does not exist',
};

/**
 * A registration's `data`: known categories, valid fields, and a resident ID number that is valid
 * and consistent with identity.birthDate. Returns the normalised data and the facts the rules need.
 */
export function validateSubjectData(input: Record<string, unknown>, today: string): { data: Record<string, Record<string, unknown>>; birthDate?: string; idNumber?: string } {
  const problems: FieldProblem[] = [];
  const data: Record<string, Record<string, unknown>> = {};
  for (const [category, fields] of Object.entries(input)) {
    if (!isCategory(category)) {
      problems.push({ path: `data.${category}`, message: 'unknown category' });
      continue;
    }
    const validated = validateCategoryFields(category, fields, `data.${category}`, today);
    problems.push(...validated.problems);
    data[category] = validated.value;
  }
  const facts = identityFacts(data.identity?.birthDate as string | undefined, data.identity_document, 'data.identity_document.number', today);
  problems.push(...facts.problems);
  if (problems.length > 0) throw validationFailed(problems);
  return { data, birthDate: facts.birthDate, idNumber: data.identity_document?.number as string | undefined };
}

/** Resident ID checks; the birth date comes from identity.birthDate or, failing that, the ID number. */
export function identityFacts(
  birthDate: string | undefined,
  document: { type?: string; number?: string } | undefined,
  path: string,
  today: string,
): { birthDate?: string; problems: FieldProblem[] } {
  // a number that is no string was already refused by the field's validation: nothing to check here
  if (typeof document?.number !== 'string' || !document.number || (document.type ?? 'resident_id') !== 'resident_id') return { birthDate, problems: [] };
  const problem = residentIdProblem(document.number);
  if (problem) return { birthDate, problems: [{ path, message: `resident ID number ${ID_PROBLEM[problem]}` }] };
  const embedded = residentIdBirthDate(document.number);
  if (birthDate && birthDate !== embedded) return { birthDate, problems: [{ path, message: 'the birth date in the resident ID number does not match identity.birthDate' }] };
  if (embedded > today) return { birthDate, problems: [{ path, message: 'resident ID number embeds a future birth date' }] };
  return { birthDate: birthDate ?? embedded, problems: [] };
}

export function validationFailed(problems: FieldProblem[]): InvalidInput {
  return new InvalidInput(problems);
}
