import { decideRegistry, evolveRegistry, initialRegistry, RegistryState } from '../registry/registry.decider';
import { defaultRegistryCommands } from '../registry/default-registry';
import { DomainError, InvalidInput } from '../domain-error';
import { decideSubject, SubjectCommand } from './subject.decider';
import { SubjectEvent } from './subject.events';
import { evolveSubject, initialSubjectState, SubjectState } from './subject.state';
import { DuplicateFile, FileValues, MergeChoices, MergeCommand, MergeObstacles } from './merge.decider';

const NOW = '2026-11-23T10:00:00.000Z';
const registry: RegistryState = defaultRegistryCommands(NOW).reduce((state, command) => decideRegistry(command, state).reduce(evolveRegistry, state), initialRegistry());
const ctx = { now: NOW, registry };
const SURVIVOR = 's-1';
const DUPLICATE = 's-2';
const healthConsent = { consentId: '', purposeId: 'health-management', categories: ['health' as const, 'identity_document' as const], separate: true };

function registered(subjectId: string, data: FileValues): SubjectEvent[] {
  return decideSubject(
    {
      ...ctx,
      type: 'RegisterSubject',
      subjectId,
      purposeId: 'health-management',
      noticeVersion: 'v1',
      channel: 'front-desk',
      consents: [{ ...healthConsent, consentId: `c-${subjectId}` }],
      data,
      ageYears: 46,
    },
    initialSubjectState(),
  );
}
const fold = (events: SubjectEvent[]): SubjectState => events.reduce(evolveSubject, initialSubjectState());
const NO_OBSTACLE: MergeObstacles = { legalHolds: [], pendingErasures: [] };

const survivorData: FileValues = { identity: { name: '张三', birthDate: '1980-05-01' }, contact: { phones: ['13812345678'] } };
const duplicateData: FileValues = { identity: { name: '張三', birthDate: '1980-05-01', gender: 'male' }, health: { conditions: ['高血压'] } };

function duplicateFile(events = registered(DUPLICATE, duplicateData), data = duplicateData, over: Partial<DuplicateFile> = {}): DuplicateFile {
  return {
    subjectId: DUPLICATE,
    state: fold(events),
    data,
    consents: [{ ...healthConsent, consentId: `c-${DUPLICATE}`, noticeVersion: 'v1', channel: 'front-desk', grantedAt: NOW }],
    restrictions: [],
    disclosures: [],
    ...over,
  };
}

const merge = (over: Partial<MergeCommand> = {}, choices: MergeChoices = { identity: { name: 'survivor' } }): SubjectCommand => ({
  ...ctx,
  type: 'MergeDuplicate',
  purposeId: 'health-management',
  choices,
  survivorData,
  duplicate: duplicateFile(),
  obstacles: NO_OBSTACLE,
  ...over,
});

/** given(survivor's events).when(command).then(events) / .thenThrows(code) */
function given(...events: SubjectEvent[]) {
  const state = fold(events);
  return {
    when: (command: SubjectCommand) => ({
      then: (expected: Array<Partial<SubjectEvent> & { type: SubjectEvent['type'] }>) => {
        const produced = decideSubject(command, state);
        expect(produced).toHaveLength(expected.length);
        expected.forEach((e, i) => expect(produced[i]).toMatchObject(e));
        return produced;
      },
      thenThrows: (code: string, path?: string) => {
        let error: unknown;
        try {
          decideSubject(command, state);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(code);
        if (path) expect(((error as DomainError).details.errors as Array<{ path: string }>).map((problem) => problem.path)).toContain(path);
        return error as DomainError;
      },
    }),
  };
}

const survivor = () => registered(SURVIVOR, survivorData);

describe('merging a duplicate customer file into a survivor', () => {
  describe('two files of one person', () => {
    it('carries the consents in force, takes the fields the survivor lacks, and closes with SubjectMerged naming the duplicate', () => {
      const events = given(...survivor())
        .when(merge())
        .then([
          {
            type: 'ConsentGranted',
            data: { subjectId: SURVIVOR, consentId: `c-${DUPLICATE}`, evidence: { givenOn: '2026-11-23', reference: `merged-from:${DUPLICATE}` } } as never,
          },
          { type: 'DataSupplemented', data: { subjectId: SURVIVOR, category: 'identity', reason: 'supplement', set: { gender: 'male' }, mergedFrom: DUPLICATE } as never },
          { type: 'DataCollected', data: { subjectId: SURVIVOR, category: 'health', fields: { conditions: ['高血压'] }, mergedFrom: DUPLICATE } as never },
          {
            type: 'SubjectMerged',
            data: {
              subjectId: SURVIVOR,
              duplicateId: DUPLICATE,
              taken: { identity: { fromDuplicate: ['gender'], dropped: ['name'] }, health: { fromDuplicate: ['conditions'], dropped: [] } },
              carried: { consentIds: [`c-${DUPLICATE}`], restrictionIds: [], disclosureIds: [] },
            } as never,
          },
        ]);
      const state = fold([...survivor(), ...events]);
      expect(state).toMatchObject({ status: 'active', held: { identity: ['name', 'birthDate', 'gender'], health: ['conditions'] } });
    });

    it('corrects a field both hold when the choice takes the duplicate’s value', () => {
      given(...survivor())
        .when(merge({}, { identity: 'duplicate' }))
        .then([
          { type: 'ConsentGranted' },
          { type: 'DataCorrected', data: { category: 'identity', reason: 'correction', set: { name: '張三' } } as never },
          { type: 'DataSupplemented', data: { category: 'identity', set: { gender: 'male' } } as never },
          { type: 'DataCollected', data: { category: 'health' } as never },
          { type: 'SubjectMerged', data: { taken: { identity: { fromDuplicate: ['name', 'gender'], dropped: [] } } } as never },
        ]);
    });

    it('carries active restrictions and disclosures, keeping their ids', () => {
      const disclosure = {
        disclosureId: 'd-1',
        recipient: { name: 'Lab Co.', contact: 'lab@example.cn' },
        purposeId: 'health-management',
        categories: ['health' as const],
        consentId: `c-${DUPLICATE}`,
        disclosedAt: '2026-10-01T02:00:00.000Z',
      };
      const duplicate = duplicateFile(undefined, undefined, { restrictions: [{ restrictionId: 'r-1', purposeIds: ['marketing'], reason: 'objected' }], disclosures: [disclosure] });
      const events = given(...survivor())
        .when(merge({ duplicate }))
        .then([
          { type: 'DisclosedToThirdParty', data: { subjectId: SURVIVOR, ...disclosure } },
          { type: 'ConsentGranted' },
          { type: 'ProcessingRestricted', data: { subjectId: SURVIVOR, restrictionId: 'r-1', purposeIds: ['marketing'], reason: 'objected', restrictedAt: NOW } },
          { type: 'DataSupplemented' },
          { type: 'DataCollected' },
          { type: 'SubjectMerged', data: { carried: { consentIds: [`c-${DUPLICATE}`], restrictionIds: ['r-1'], disclosureIds: ['d-1'] } } as never },
        ]);
      expect(fold([...survivor(), ...events])).toMatchObject({ status: 'restricted' });
    });

    it('keeps the survivor’s birth date when the choice says so, though the duplicate’s differs (a birth date is not an ID fact)', () => {
      const other = { ...duplicateData, identity: { ...duplicateData.identity, birthDate: '1980-06-01' } };
      given(...survivor())
        .when(merge({ duplicate: duplicateFile(registered(DUPLICATE, other), other) }, { identity: 'survivor' }))
        .then([{ type: 'ConsentGranted' }, { type: 'DataSupplemented' }, { type: 'DataCollected' }, { type: 'SubjectMerged' }]);
    });

    it('closes the duplicate with a pointer; a closed file refuses every later command with subject-merged naming the survivor', () => {
      const closed = given(...registered(DUPLICATE, duplicateData))
        .when({ ...ctx, type: 'CloseMerged', survivorId: SURVIVOR, purposeId: 'health-management' })
        .then([{ type: 'SubjectMergedInto', data: { subjectId: DUPLICATE, survivorId: SURVIVOR, purposeId: 'health-management', mergedAt: NOW } }]);
      const history = [...registered(DUPLICATE, duplicateData), ...closed];
      expect(fold(history)).toEqual({ status: 'merged', subjectId: DUPLICATE, mergedInto: SURVIVOR, mergedAt: NOW });
      const error = given(...history)
        .when({ ...ctx, type: 'ChangeData', category: 'identity', set: { gender: 'female' }, reason: 'update', purposeId: 'health-management' })
        .thenThrows('subject-merged');
      expect(error.details).toMatchObject({ mergedInto: SURVIVOR });
      given(...history)
        .when({ ...ctx, type: 'Erase', requestId: 'rr-1', holds: [], restrictionId: 'r' })
        .thenThrows('subject-merged');
    });
  });

  describe('refused', () => {
    it('a file merged into itself', () => {
      given(...survivor())
        .when(merge({ duplicate: { ...duplicateFile(), subjectId: SURVIVOR } }))
        .thenThrows('merge-same-subject', 'duplicateId');
    });

    it('a duplicate that does not exist, was erased, or was merged already', () => {
      given(...survivor())
        .when(merge({ duplicate: duplicateFile([]) }))
        .thenThrows('subject-not-found', 'duplicateId');
      const erased = [
        ...registered(DUPLICATE, duplicateData),
        ...decideSubject({ ...ctx, type: 'Erase', requestId: 'rr', holds: [], restrictionId: 'r' }, fold(registered(DUPLICATE, duplicateData))),
      ];
      given(...survivor())
        .when(merge({ duplicate: duplicateFile(erased) }))
        .thenThrows('subject-erased', 'duplicateId');
      const merged: SubjectEvent[] = [
        ...registered(DUPLICATE, duplicateData),
        { type: 'SubjectMergedInto', data: { subjectId: DUPLICATE, survivorId: 's-9', purposeId: 'health-management', mergedAt: NOW } },
      ];
      const error = given(...survivor())
        .when(merge({ duplicate: duplicateFile(merged) }))
        .thenThrows('subject-merged', 'duplicateId');
      expect(error.details).toMatchObject({ mergedInto: 's-9' });
    });

    it('an erased or merged survivor', () => {
      const survivorEvents = survivor();
      const erased = [...survivorEvents, ...decideSubject({ ...ctx, type: 'Erase', requestId: 'rr', holds: [], restrictionId: 'r' }, fold(survivorEvents))];
      given(...erased)
        .when(merge())
        .thenThrows('subject-erased');
    });

    it('two different ID numbers of the same document type, whatever the choice', () => {
      const mine = { ...survivorData, identity_document: { type: 'resident_id', number: '110105198005010013' } };
      const theirs = { ...duplicateData, identity_document: { type: 'resident_id', number: '110105198005010021' } };
      given(...registered(SURVIVOR, mine))
        .when(merge({ survivorData: mine, duplicate: duplicateFile(registered(DUPLICATE, theirs), theirs) }, { identity: 'survivor', identity_document: 'duplicate' }))
        .thenThrows('merge-conflicting-facts', 'identity_document.number');
    });

    it('a birth date that disagrees with the resident ID number the merge keeps', () => {
      const mine = { ...survivorData, identity_document: { type: 'resident_id', number: '110105198005010013' } };
      const theirs = { ...duplicateData, identity: { ...duplicateData.identity, birthDate: '1980-06-01' } };
      given(...registered(SURVIVOR, mine))
        .when(merge({ survivorData: mine, duplicate: duplicateFile(registered(DUPLICATE, theirs), theirs) }, { identity: 'duplicate' }))
        .thenThrows('merge-conflicting-facts', 'choices.identity.birthDate');
    });

    it('a field both hold differently without a choice, naming every such field', () => {
      given(...survivor())
        .when(merge({}, {}))
        .thenThrows('merge-choice-required', 'choices.identity.name');
    });

    it('a choice naming a category neither file holds', () => {
      const error = given(...survivor())
        .when(merge({}, { identity: 'survivor', employment: 'duplicate' }))
        .thenThrows('validation-failed', 'choices.employment');
      expect(error).toBeInstanceOf(InvalidInput);
    });

    it.each([
      ['a legal hold on either file', { legalHolds: ['duplicate' as const] }, 'merge-under-legal-hold', 'duplicateId'],
      ['a pending erasure request', { pendingErasures: ['rr-9'] }, 'merge-pending-erasure', 'duplicateId'],
    ])('%s', (_, obstacle, code, path) => {
      given(...survivor())
        .when(merge({ obstacles: { ...NO_OBSTACLE, ...obstacle } }))
        .thenThrows(code, path);
    });

    it('a legal hold on the survivor names the survivor', () => {
      given(...survivor())
        .when(merge({ obstacles: { ...NO_OBSTACLE, legalHolds: ['survivor'] } }))
        .thenThrows('merge-under-legal-hold', 'survivorId');
    });
  });
});
