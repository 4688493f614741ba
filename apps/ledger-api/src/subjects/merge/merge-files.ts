import type { JsonValue, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import type { DuplicateConsent, DuplicateDisclosure, DuplicateFile, FileValues } from '@pi-ledger/ledger-domain/subject/merge.decider';
import { RELATIONSHIP_ENDED_RESTRICTION_REASON } from '@pi-ledger/ledger-domain/subject/subject.decider';
import type { Guardian, SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import { evolveSubject, initialSubjectState, SubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';
import { evolveProfile, SubjectProfileDocument } from '@pi-ledger/read-models/projections/subject-profile/subject-profile.document';
import type { StoredSubjectEvent, SubjectCommandsService } from '../subject-commands.service';

/** A customer file as a merge reads it: its stream, folded, and its values and carried facts in clear. */
export interface OpenedFile {
  version: number;
  events: RecordedEvent<StoredSubjectEvent>[];
  state: SubjectState;
  file: DuplicateFile;
}

/**
 * Reads a file's stream and opens its values (the one place a merge decrypts). `frozen`: the file was
 * closed into the survivor by an attempt that failed before the survivor's append; it is read as it
 * stood before its SubjectMergedInto, which is what that attempt decided on.
 */
export async function openFile(subjects: SubjectCommandsService, subjectId: string, frozen: boolean): Promise<OpenedFile> {
  const loaded = await subjects.load(subjectId);
  const events = frozen && loaded.events.at(-1)?.type === 'SubjectMergedInto' ? loaded.events.slice(0, -1) : loaded.events;
  const opened = await subjects.openEvents(events);
  let profile: SubjectProfileDocument | null = null;
  const consents = new Map<string, DuplicateConsent>();
  const restrictions = new Map<string, { restrictionId: string; purposeIds: string[] | null; reason: string }>();
  const disclosures: DuplicateDisclosure[] = [];
  for (const { recorded, event } of opened) {
    profile = evolveProfile(profile, event, recorded.streamVersion);
    carried(event, consents, restrictions, disclosures);
  }
  const state = events.reduce<SubjectState>((folded, event) => evolveSubject(folded, event), initialSubjectState());
  const data = (profile?.status === 'erased' ? {} : (profile?.data ?? {})) as FileValues;
  return {
    version: loaded.version,
    events: loaded.events,
    state,
    file: { subjectId, state, data, consents: [...consents.values()], restrictions: [...restrictions.values()], disclosures },
  };
}

/** Consents in force, restrictions the subject asked for that still stand, and every disclosure (PIPL Art. 23 records). */
function carried(
  event: SubjectEvent<JsonValue>,
  consents: Map<string, DuplicateConsent>,
  restrictions: Map<string, { restrictionId: string; purposeIds: string[] | null; reason: string }>,
  disclosures: DuplicateDisclosure[],
): void {
  switch (event.type) {
    case 'ConsentGranted': {
      const { subjectId: _subject, evidence: _evidence, guardian, crossBorderCountries, ...facts } = event.data;
      consents.set(facts.consentId, { ...facts, ...(guardian ? { guardian: guardian as unknown as Guardian } : {}), ...(crossBorderCountries ? { crossBorderCountries } : {}) });
      return;
    }
    case 'ConsentWithdrawn':
      consents.delete(event.data.consentId);
      return;
    case 'ProcessingRestricted': {
      // the end of the duplicate's relationship is not the survivor's: that restriction stays behind
      const reason = typeof event.data.reason === 'string' ? event.data.reason : JSON.stringify(event.data.reason);
      if (reason !== RELATIONSHIP_ENDED_RESTRICTION_REASON)
        restrictions.set(event.data.restrictionId, { restrictionId: event.data.restrictionId, purposeIds: event.data.purposeIds, reason });
      return;
    }
    case 'RestrictionLifted':
      restrictions.delete(event.data.restrictionId);
      return;
    case 'DisclosedToThirdParty': {
      const { subjectId: _subject, ...disclosure } = event.data;
      disclosures.push(disclosure);
      return;
    }
    default:
      return;
  }
}
