import type { LegalBasis } from '@pi-ledger/event-store/event-store.port';
import { purposeOf, RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import type { SubjectCommand } from '@pi-ledger/ledger-domain/subject/subject.decider';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';

/**
 * The purpose recorded on events that honour a data subject's rights without concerning exactly
 * one registry purpose (a restriction of all processing, an erasure). Not a registry purpose: the
 * colon lies outside the grammar of registry ids (`[a-z0-9][a-z0-9-]*`), so no purpose can ever
 * be defined under it, and nothing reads it as one.
 */
export const RIGHTS_PURPOSE_ID = 'pipl:rights';

/**
 * The purpose recorded on a customer's assignment to a department: setting who may operate on which
 * records is the handler's own duty (PIPL Art. 51(3), operating permissions), not processing under a
 * registry purpose. Reserved like RIGHTS_PURPOSE_ID.
 */
export const ACCESS_CONTROL_PURPOSE_ID = 'pipl:access-control';

export interface EventPurpose {
  id: string;
  legalBasis: LegalBasis;
}

/**
 * Why an event was appended, for its metadata. A command that names a purpose processes PI under
 * it and its legal basis. The others record the handler honouring the subject's rights
 * (withdrawal, restriction, lifting one, erasure): the handler must (PIPL Arts. 15, 44, 47), so
 * their basis is `legal_obligation`, and their purpose is the one they concern when there is
 * exactly one, else RIGHTS_PURPOSE_ID.
 */
export function eventPurpose(command: SubjectCommand, event: SubjectEvent, before: SubjectState, registry: RegistryState): EventPurpose {
  if ('purposeId' in command) {
    const purpose = purposeOf(registry, command.purposeId);
    // the decider refuses unknown purposes before anything is appended
    if (!purpose) throw new Error(`purpose ${command.purposeId} vanished after the decision`);
    return { id: purpose.id, legalBasis: purpose.legalBasis };
  }
  if (event.type === 'SubjectAssigned') return { id: ACCESS_CONTROL_PURPOSE_ID, legalBasis: 'legal_obligation' };
  return { id: rightsPurposeId(event, before), legalBasis: 'legal_obligation' };
}

function rightsPurposeId(event: SubjectEvent, before: SubjectState): string {
  switch (event.type) {
    case 'ConsentWithdrawn':
      return event.data.purposeId;
    case 'ProcessingRestricted':
      return only(event.data.purposeIds);
    case 'RestrictionLifted':
      return only('restrictions' in before ? before.restrictions[event.data.restrictionId] : null);
    case 'RelationshipEnded':
    case 'SubjectErased':
      return RIGHTS_PURPOSE_ID;
    default:
      throw new Error(`${event.type} comes only from commands that name a purpose`);
  }
}

const only = (purposeIds: readonly string[] | null | undefined): string => (purposeIds?.length === 1 ? purposeIds[0] : RIGHTS_PURPOSE_ID);
