import { DomainError } from '../domain-error';
import { defaultRegistryCommands } from '../registry/default-registry';
import { decideRegistry, evolveRegistry, initialRegistry, RegistryState } from '../registry/registry.decider';
import { AssessmentCommand, AssessmentState, coveringAssessments, decideAssessment, evolveAssessments, initialAssessments, retainUntil } from './assessment.decider';
import { AssessmentContent, AssessmentEvent } from './assessment.events';

const NOW = '2026-06-01T02:00:00.000Z';
const LATER = '2026-09-01T00:00:00.000Z';
const registry: RegistryState = defaultRegistryCommands(NOW).reduce((state, command) => decideRegistry(command, state).reduce(evolveRegistry, state), initialRegistry());
const content: AssessmentContent = {
  purposeId: 'research',
  activity: '与新加坡合作方的联合研究',
  categories: ['health'],
  recipients: [{ name: 'SG Lab', country: 'SG', role: 'provision' }],
  risks: ['境外接收方安全能力'],
  measures: ['标准合同'],
  conclusion: 'acceptable-with-measures',
};
const record = (assessmentId = 'a1', body = content): AssessmentCommand => ({ type: 'RecordAssessment', assessmentId, content: body, registry, now: NOW });
const approve = (version: number, expiresAt = LATER): AssessmentCommand => ({ type: 'ApproveAssessment', assessmentId: 'a1', version, approvedBy: 'co', expiresAt, now: NOW });

function given(...commands: AssessmentCommand[]): AssessmentState {
  return commands.reduce((state, command) => decideAssessment(command, state).reduce(evolveAssessments, state), initialAssessments());
}
function refusal(command: AssessmentCommand, state: AssessmentState): string | undefined {
  try {
    decideAssessment(command, state);
  } catch (error) {
    return (error as DomainError).code;
  }
  return undefined;
}

describe('assessment decider', () => {
  it('given nothing, when recorded, then version 1; again, version 2 of the same assessment', () => {
    const first = decideAssessment(record(), initialAssessments());
    expect(first).toEqual([{ type: 'AssessmentRecorded', data: { assessmentId: 'a1', version: 1, ...content, recordedAt: NOW } }] satisfies AssessmentEvent[]);
    expect(decideAssessment(record(), given(record()))[0].data).toMatchObject({ version: 2 });
  });

  it('refuses an unknown purpose, another purpose for the same assessment, an outdated version, a passed expiry and an unacceptable conclusion', () => {
    expect(refusal(record('a1', { ...content, purposeId: 'nope' }), initialAssessments())).toBe('unknown-purpose');
    expect(refusal(record('a1', { ...content, purposeId: 'marketing' }), given(record()))).toBe('assessment-purpose-fixed');
    expect(refusal(approve(2), given(record()))).toBe('assessment-version-outdated');
    expect(refusal(approve(1, NOW), given(record()))).toBe('assessment-expiry-passed');
    expect(refusal(approve(1), given(record('a1', { ...content, conclusion: 'not-acceptable' })))).toBe('assessment-not-acceptable');
    expect(refusal({ ...approve(1), assessmentId: 'zz' } as AssessmentCommand, given(record()))).toBe('assessment-not-found');
  });

  it('covers its purpose only while approved and unexpired; a pending revision keeps the approved version covering; an unacceptable one stops it', () => {
    expect(coveringAssessments(given(record()), NOW)).toEqual({});
    const approved = given(record(), approve(1));
    expect(coveringAssessments(approved, NOW)).toEqual({ research: [{ assessmentId: 'a1', version: 1, expiresAt: LATER, crossBorderCountries: ['SG'] }] });
    expect(coveringAssessments(approved, LATER)).toEqual({});
    expect(coveringAssessments(given(record(), approve(1), record()), NOW).research[0].version).toBe(1);
    expect(coveringAssessments(given(record(), approve(1), record('a1', { ...content, conclusion: 'not-acceptable' })), NOW)).toEqual({});
  });

  it('is kept three years past the end of its approval', () => {
    expect(retainUntil(given(record(), approve(1)).assessments.a1)).toBe('2029-09-01T00:00:00.000Z');
  });
});
