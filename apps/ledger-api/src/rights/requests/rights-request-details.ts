import { FieldProblem } from '@pi-ledger/platform/http/problem';
import { isCategory } from '@pi-ledger/ledger-domain/registry/categories';
import { RightsRequestType } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { validate as isUuid } from 'uuid';
import { validateCategoryFields } from '../../subjects/subject-data.dto';
import { RESTRICTION_KINDS } from '../../subjects/subject-commands.dto';

/** What each type needs in `details`, checked at filing so fulfilment cannot fail on shape. */
export function detailsProblems(type: RightsRequestType, details: Record<string, unknown>, today: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const known = (allowed: string[]) => {
    for (const key of Object.keys(details)) if (!allowed.includes(key)) problems.push({ path: `details.${key}`, message: 'unknown field' });
  };
  switch (type) {
    case 'erasure':
    case 'account_closure':
      known(['categories']);
      if (details.categories !== undefined && (!Array.isArray(details.categories) || !details.categories.every((c) => typeof c === 'string' && isCategory(c)))) {
        problems.push({ path: 'details.categories', message: 'must be a list of category names' });
      }
      break;
    case 'restriction':
      known(['purposeIds', 'kind']);
      if (details.purposeIds !== undefined && (!Array.isArray(details.purposeIds) || !details.purposeIds.every((p) => typeof p === 'string'))) {
        problems.push({ path: 'details.purposeIds', message: 'must be a list of purpose ids' });
      }
      if (details.kind !== undefined && !(RESTRICTION_KINDS as readonly unknown[]).includes(details.kind)) {
        problems.push({ path: 'details.kind', message: `must be one of ${RESTRICTION_KINDS.join(', ')}` });
      }
      if (details.kind === 'automated-decision-making' && details.purposeIds !== undefined) {
        problems.push({ path: 'details.purposeIds', message: 'a refusal of automated decisions names no purposes' });
      }
      break;
    case 'decision_explanation':
      known(['purposeId', 'decisionRef']);
      if (typeof details.purposeId !== 'string') problems.push({ path: 'details.purposeId', message: 'the purpose under which the decision was made' });
      // a reference into the deciding system, never free text: it reaches the log in clear
      if (typeof details.decisionRef !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/.test(details.decisionRef)) {
        problems.push({ path: 'details.decisionRef', message: 'must be the decision’s identifier (letters, digits and . _ : / -, up to 128)' });
      }
      break;
    case 'consent_withdrawal':
      known(['consentId']);
      if (typeof details.consentId !== 'string' || !isUuid(details.consentId)) problems.push({ path: 'details.consentId', message: 'must be the UUID of a consent' });
      break;
    case 'correction':
    case 'supplement': {
      known(['changes']);
      const changes = details.changes;
      if (!Array.isArray(changes) || changes.length === 0) {
        problems.push({ path: 'details.changes', message: 'must list at least one {category, set, purposeId}' });
        break;
      }
      changes.forEach((change: Record<string, unknown>, i) => {
        const path = `details.changes[${i}]`;
        if (change === null || typeof change !== 'object' || Array.isArray(change)) return problems.push({ path, message: 'must be {category, set, purposeId}' });
        // nothing beside the declared fields: anything else would reach the log unsealed
        for (const key of Object.keys(change)) if (!['category', 'set', 'purposeId'].includes(key)) problems.push({ path: `${path}.${key}`, message: 'unknown field' });
        if (typeof change.category !== 'string' || !isCategory(change.category)) return problems.push({ path: `${path}.category`, message: 'unknown category' });
        if (typeof change.purposeId !== 'string') problems.push({ path: `${path}.purposeId`, message: 'required' });
        problems.push(...validateCategoryFields(change.category, change.set, `${path}.set`, today, true).problems);
      });
      break;
    }
    default:
      known([]);
  }
  return problems;
}
