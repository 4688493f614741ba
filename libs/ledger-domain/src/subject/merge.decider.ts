import { DomainError, FieldProblem, InvalidInput } from '../domain-error';
import { Category, isCategory } from '../registry/categories';
import { RegistryState } from '../registry/registry.decider';
import { ageInYears, isRealDate, residentIdBirthDate, residentIdProblem } from '../validation/resident-id';
import { assertMayProcess, knownPurpose } from './processing-rules';
import type { MergeErrorCode, SubjectErrorCode } from './subject.errors';
import { ConsentEvidence, Guardian, MergeCarried, MergeTaken, Recipient, SubjectEvent } from './subject.events';
import { evolveSubject, SubjectState } from './subject.state';

/** Which file's value wins a field both hold. */
export type MergeSide = 'survivor' | 'duplicate';
/** Per category one side, or per field of it. A field held by one file only is kept whatever the choice (a correction afterwards removes it). */
export type MergeChoices = Partial<Record<Category, MergeSide | Record<string, MergeSide>>>;
/** A file's values in clear, per category and field. */
export type FileValues = Partial<Record<Category, Record<string, unknown>>>;

/** A consent of the duplicate still in force, its guardian in clear. */
export type DuplicateConsent = Omit<Extract<SubjectEvent<Guardian>, { type: 'ConsentGranted' }>['data'], 'subjectId' | 'evidence'>;

export interface DuplicateDisclosure {
  disclosureId: string;
  recipient: Recipient;
  purposeId: string;
  categories: Category[];
  consentId: string;
  disclosedAt: string;
}

/** The duplicate as the merge reads it: its state as decided on, its values and what it carries over, in clear. */
export interface DuplicateFile {
  subjectId: string;
  state: SubjectState;
  data: FileValues;
  consents: DuplicateConsent[];
  restrictions: Array<{ restrictionId: string; purposeIds: string[] | null; reason: string }>;
  disclosures: DuplicateDisclosure[];
}

/** What refuses a merge from outside the two streams (legal holds, erasure requests), found by the handler. */
export interface MergeObstacles {
  /** The sides a legal hold in force keeps data of: a merge corrects the one and shreds the other's keys. */
  legalHolds: MergeSide[];
  /** Erasure requests not yet closed, of either side: the customer asked for the data to go, not to be joined. */
  pendingErasures: string[];
}

export interface MergeCommand {
  type: 'MergeDuplicate';
  duplicate: DuplicateFile;
  purposeId: string;
  choices: MergeChoices;
  /** The survivor's values in clear, as its stream stands. */
  survivorData: FileValues;
  obstacles: MergeObstacles;
  now: string;
  registry: RegistryState;
}

type Live = Extract<SubjectState, { status: 'active' | 'restricted' }>;
type DataEvent = Extract<SubjectEvent, { data: { category: Category; purposeId: string } }>;

const MINOR_AGE = 14;
const fail = (code: MergeErrorCode | SubjectErrorCode, message: string, errors: FieldProblem[], details: Record<string, unknown> = {}) =>
  new DomainError<SubjectErrorCode>(code, message, { ...details, errors });

/**
 * Merges the duplicate's file into the survivor's (`live`), as events of the survivor: the values taken
 * from the duplicate (DataCollected for a category the survivor lacked, DataCorrected for values it
 * replaces, DataSupplemented for fields it lacked), the duplicate's consents in force, active restrictions
 * and disclosures, then SubjectMerged naming the duplicate (its records and open rights requests move by
 * decideRecordMove, record-move.ts). Refused: a file merged into itself, a duplicate absent, erased or
 * merged already, either file under a legal hold or an erasure request, two ID numbers of one document type, a field both hold differently
 * without a choice, and a birth date that disagrees with the resident ID number the merge keeps.
 */
export function decideMerge(command: MergeCommand, live: Live): SubjectEvent[] {
  const { duplicate, now } = command;
  const survivorId = live.subjectId;
  const duplicateId = duplicate.subjectId;
  knownPurpose(command.registry, command.purposeId);
  if (duplicateId === survivorId) throw fail('merge-same-subject', 'a file cannot be merged into itself', [{ path: 'duplicateId', message: 'is the survivor itself' }]);
  const other = requireMergeable(duplicate.state, duplicateId);
  assertNoObstacle(command.obstacles);
  assertChoicesKnown(command.choices, command.survivorData, duplicate.data);

  const merged = mergeValues(command.choices, command.survivorData, duplicate.data);
  assertFacts(command.survivorData, duplicate.data, merged.result, command.choices);

  const carried = carriedOver(live, duplicate, survivorId, now, duplicateId);
  // judged with the duplicate's consents, not yet with its restrictions (those restrict what comes after the merge)
  const consented = carried.events.filter((event) => event.type === 'ConsentGranted').reduce(evolveSubject, live) as Live;
  const changed = Object.keys(merged.taken).filter((category) => merged.taken[category as Category]!.fromDuplicate.length > 0) as Category[];
  if (changed.length > 0) assertMayProcess(command.registry, { ...consented, minor: live.minor || other.minor }, command.purposeId, changed);

  const data = dataEvents(command, live, merged.result, changed);
  const summary: MergeCarried = carried.ids;
  return [
    ...carried.events,
    ...data,
    { type: 'SubjectMerged', data: { subjectId: survivorId, duplicateId, purposeId: command.purposeId, taken: merged.taken, carried: summary, mergedAt: now } },
  ];
}

function requireMergeable(state: SubjectState, duplicateId: string): Live {
  const path = [{ path: 'duplicateId', message: '' }];
  const naming = (message: string) => path.map((p) => ({ ...p, message }));
  if (state.status === 'absent') throw fail('subject-not-found', 'no such duplicate subject', naming('no such subject'));
  if (state.status === 'erased') throw fail('subject-erased', 'the duplicate was erased', naming('was erased'), { subjectId: duplicateId });
  if (state.status === 'merged')
    throw fail('subject-merged', 'the duplicate was merged already', naming('was merged already'), { subjectId: duplicateId, mergedInto: state.mergedInto });
  return state;
}

function assertNoObstacle({ legalHolds, pendingErasures }: MergeObstacles): void {
  if (legalHolds.length > 0) {
    const paths = legalHolds.map((side) => ({ path: side === 'survivor' ? 'survivorId' : 'duplicateId', message: 'is under a legal hold in force' }));
    throw fail('merge-under-legal-hold', 'a file under a legal hold cannot be merged: release the hold first', paths, { sides: legalHolds });
  }
  if (pendingErasures.length > 0) {
    throw fail(
      'merge-pending-erasure',
      'an erasure request of either file is pending: fulfil or reject it first',
      [{ path: 'duplicateId', message: 'an erasure request is pending' }],
      {
        requestIds: pendingErasures,
      },
    );
  }
}

function assertChoicesKnown(choices: MergeChoices, survivor: FileValues, duplicate: FileValues): void {
  const problems: FieldProblem[] = [];
  for (const [category, choice] of Object.entries(choices)) {
    if (!isCategory(category) || (!survivor[category] && !duplicate[category])) {
      problems.push({ path: `choices.${category}`, message: 'neither file holds this category' });
      continue;
    }
    if (typeof choice === 'string') continue;
    const fields = new Set([...Object.keys(survivor[category] ?? {}), ...Object.keys(duplicate[category] ?? {})]);
    for (const field of Object.keys(choice ?? {})) if (!fields.has(field)) problems.push({ path: `choices.${category}.${field}`, message: 'neither file holds this field' });
  }
  if (problems.length > 0) throw new InvalidInput(problems);
}

function choiceOf(choices: MergeChoices, category: Category, field: string): MergeSide | undefined {
  const choice = choices[category];
  return typeof choice === 'string' ? choice : choice?.[field];
}

/**
 * Per field: equal or held by one side only, that value; held by both differently, the chosen side's
 * (a choice is required). The identity document is one unit: its type and number come from one side.
 */
function mergeValues(choices: MergeChoices, survivor: FileValues, duplicate: FileValues): { result: FileValues; taken: MergeTaken } {
  const result: FileValues = {};
  const taken: MergeTaken = {};
  const missing: FieldProblem[] = [];
  const categories = new Set([...Object.keys(survivor), ...Object.keys(duplicate)] as Category[]);
  for (const category of categories) {
    const mine = survivor[category] ?? {};
    const theirs = duplicate[category] ?? {};
    const outcome: Record<string, unknown> = { ...mine };
    const record = { fromDuplicate: [] as string[], dropped: [] as string[] };
    if (category === 'identity_document' && survivor[category] && duplicate[category] && !sameValue(mine, theirs)) {
      const side = choiceOf(choices, category, 'number') ?? choiceOf(choices, category, 'type');
      if (!side) missing.push({ path: 'choices.identity_document', message: 'both files hold a different identity document: choose one side' });
      else if (side === 'duplicate')
        Object.assign(
          outcome,
          theirs,
          Object.fromEntries(
            Object.keys(mine)
              .filter((field) => !(field in theirs))
              .map((field) => [field, mine[field]]),
          ),
        );
      record[side === 'duplicate' ? 'fromDuplicate' : 'dropped'].push(...Object.keys(theirs).filter((field) => !sameValue(mine[field], theirs[field])));
    } else {
      for (const [field, value] of Object.entries(theirs)) {
        if (sameValue(mine[field], value)) continue;
        if (!(field in mine)) {
          outcome[field] = value;
          record.fromDuplicate.push(field);
          continue;
        }
        const side = choiceOf(choices, category, field);
        if (!side) missing.push({ path: `choices.${category}.${field}`, message: 'both files hold a different value: choose survivor or duplicate' });
        else if (side === 'duplicate') {
          outcome[field] = value;
          record.fromDuplicate.push(field);
        } else record.dropped.push(field);
      }
    }
    result[category] = outcome;
    if (record.fromDuplicate.length > 0 || record.dropped.length > 0) taken[category] = record;
  }
  if (missing.length > 0) throw fail('merge-choice-required', 'the files hold different values: name which side wins each', missing);
  return { result, taken };
}

/**
 * Facts a choice cannot settle: two different numbers of one type of identity document identify two
 * people (PIPL Art. 8: the file must be accurate), so the merge is refused whatever the choice. A birth
 * date is not an ID fact and a choice settles it, but what the merge keeps must agree with the resident
 * ID number it keeps.
 */
function assertFacts(survivor: FileValues, duplicate: FileValues, result: FileValues, choices: MergeChoices): void {
  const mine = survivor.identity_document;
  const theirs = duplicate.identity_document;
  if (mine?.number && theirs?.number && documentType(mine) === documentType(theirs) && normalised(mine.number) !== normalised(theirs.number)) {
    throw fail('merge-conflicting-facts', 'the two files hold different numbers of the same identity document type: they are two people', [
      { path: 'identity_document.number', message: 'differs between the two files' },
    ]);
  }
  const document = result.identity_document;
  const birthDate = result.identity?.birthDate;
  if (typeof birthDate === 'string' && typeof document?.number === 'string' && documentType(document) === 'resident_id' && !residentIdProblem(document.number)) {
    if (residentIdBirthDate(document.number) !== birthDate) {
      const path = choiceOf(choices, 'identity', 'birthDate') ? 'choices.identity.birthDate' : 'identity.birthDate';
      throw fail('merge-conflicting-facts', 'the birth date the merge keeps disagrees with the resident ID number it keeps', [
        { path, message: 'disagrees with the resident ID number the merge keeps' },
      ]);
    }
  }
}

const documentType = (document: Record<string, unknown>) => (typeof document.type === 'string' ? document.type : 'resident_id');
const normalised = (number: unknown) => String(number).replace(/\s/g, '').toUpperCase();

/** The duplicate's consents in force, active restrictions and disclosures the survivor does not have already, as its events. */
function carriedOver(live: Live, duplicate: DuplicateFile, subjectId: string, now: string, duplicateId: string): { events: SubjectEvent[]; ids: MergeCarried } {
  const consents = duplicate.consents.filter((consent) => !(consent.consentId in live.consents));
  const restrictions = duplicate.restrictions.filter((restriction) => !(restriction.restrictionId in live.restrictions));
  const events: SubjectEvent[] = [
    ...duplicate.disclosures.map((disclosure): SubjectEvent => ({ type: 'DisclosedToThirdParty', data: { subjectId, ...disclosure } })),
    ...consents.map((consent): SubjectEvent => {
      const { grantedAt, guardian, crossBorderCountries, ...facts } = consent;
      const evidence: ConsentEvidence = { givenOn: chinaDate(grantedAt), channel: consent.channel, reference: `merged-from:${duplicateId}` };
      return {
        type: 'ConsentGranted',
        data: { subjectId, ...facts, ...(guardian ? { guardian } : {}), ...(crossBorderCountries?.length ? { crossBorderCountries } : {}), evidence, grantedAt: now },
      };
    }),
    ...restrictions.map((restriction): SubjectEvent => ({ type: 'ProcessingRestricted', data: { subjectId, ...restriction, restrictedAt: now } })),
  ];
  return {
    events,
    ids: {
      consentIds: consents.map((consent) => consent.consentId),
      restrictionIds: restrictions.map((restriction) => restriction.restrictionId),
      disclosureIds: duplicate.disclosures.map((disclosure) => disclosure.disclosureId),
    },
  };
}

/** A category the survivor lacked is collected; within one it holds, replaced values are corrections and new fields supplements. */
function dataEvents(command: MergeCommand, live: Live, result: FileValues, changed: Category[]): DataEvent[] {
  const { now, purposeId, survivorData } = command;
  const subjectId = live.subjectId;
  const age = ageFact(result, survivorData, now);
  const mergedFrom = command.duplicate.subjectId;
  return changed.flatMap((category): DataEvent[] => {
    const fields = command.duplicate.data[category] ?? {};
    const taken = Object.fromEntries(Object.entries(result[category] ?? {}).filter(([field, value]) => field in fields && sameValue(value, fields[field])));
    const fact = category === 'identity' || category === 'identity_document' ? age : {};
    if (!live.held[category]) return [{ type: 'DataCollected', data: { subjectId, category, purposeId, fields: result[category] ?? {}, ...fact, mergedFrom, collectedAt: now } }];
    const held = survivorData[category] ?? {};
    const corrected = Object.fromEntries(Object.entries(taken).filter(([field]) => field in held && !sameValue(held[field], taken[field])));
    const supplemented = Object.fromEntries(Object.entries(taken).filter(([field]) => !(field in held)));
    const change = (type: 'DataCorrected' | 'DataSupplemented', set: Record<string, unknown>): DataEvent[] =>
      Object.keys(set).length === 0
        ? []
        : [{ type, data: { subjectId, category, purposeId, reason: type === 'DataCorrected' ? 'correction' : 'supplement', set, ...fact, mergedFrom, changedAt: now } }];
    return [...change('DataCorrected', corrected), ...change('DataSupplemented', supplemented)];
  });
}

/** The under-14 fact of the birth date the merge changes (identity.birthDate, else a resident ID number's), as ChangeData derives it. */
function ageFact(result: FileValues, survivor: FileValues, now: string): { minor?: boolean } {
  const birthDate = result.identity?.birthDate;
  const changedDate = typeof birthDate === 'string' && birthDate !== survivor.identity?.birthDate && isRealDate(birthDate) ? birthDate : undefined;
  const number = result.identity_document?.number;
  const fromDocument =
    !birthDate && typeof number === 'string' && number !== survivor.identity_document?.number && !residentIdProblem(number) ? residentIdBirthDate(number) : undefined;
  const date = changedDate ?? fromDocument;
  return date ? { minor: ageInYears(date, new Date(now)) < MINOR_AGE } : {};
}

/** The China date (UTC+8) of an instant: a consent's evidence is dated as the centre saw it. */
function chinaDate(at: string): string {
  return new Date(Date.parse(at) + 8 * 3600_000).toISOString().slice(0, 10);
}

/** Whether two JSON values (a field's value in either file) are the same, whatever the order of an object's members. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, index) => sameValue(item, b[index]));
  const [left, right] = [a as Record<string, unknown>, b as Record<string, unknown>];
  const keys = Object.keys(left);
  return keys.length === Object.keys(right).length && keys.every((key) => key in right && sameValue(left[key], right[key]));
}
