import { DomainError, FieldProblem, InvalidInput } from '../domain-error';
import { isRealDate } from '../validation/resident-id';
import type { CheckupErrorCode } from './checkup.errors';
import { CheckupEvent, CheckupResult } from './checkup.events';

export interface CheckupResultInput {
  code: string;
  name: string;
  value: number | string;
  unit?: string;
  referenceRange?: { low?: number; high?: number; text?: string };
  abnormal?: boolean;
}

export interface RecordCheckup {
  type: 'RecordCheckup';
  visitId: string;
  subjectId: string;
  visitDate: string;
  package?: string;
  institution: string;
  results: CheckupResultInput[];
  conclusions: string[];
  recordedBy: string;
  /** The decision's time; `today` is its date in China. */
  now: string;
  today: string;
}

export type CheckupState = { status: 'absent' } | { status: 'recorded'; visitId: string; subjectId: string; visitDate: string };

export const initialCheckupState = (): CheckupState => ({ status: 'absent' });

export function evolveCheckup(_state: CheckupState, event: CheckupEvent<unknown>): CheckupState {
  switch (event.type) {
    case 'CheckupRecorded':
      return { status: 'recorded', visitId: event.data.visitId, subjectId: event.data.subjectId, visitDate: event.data.visitDate };
    default: {
      const unknown: never = event.type;
      return unknown;
    }
  }
}

export function decideCheckup(command: RecordCheckup, state: CheckupState): CheckupEvent[] {
  if (state.status !== 'absent') throw new DomainError<CheckupErrorCode>('checkup-exists', `check-up ${command.visitId} is recorded already`, { visitId: command.visitId });
  assertValid(command);
  const { visitId, subjectId, visitDate, institution, conclusions, recordedBy, now } = command;
  return [
    {
      type: 'CheckupRecorded',
      data: {
        visitId,
        subjectId,
        visitDate,
        recordedBy,
        recordedAt: now,
        visit: { ...(command.package === undefined ? {} : { package: command.package }), institution, results: command.results.map(withAbnormalFlag), conclusions },
      },
    },
  ];
}

/**
 * The flag the report gives wins (a laboratory knows qualitative results and its own ranges);
 * otherwise a numeric value outside a numeric range is abnormal, inside it normal; else unknown.
 */
export function withAbnormalFlag(input: CheckupResultInput): CheckupResult {
  const { abnormal, ...result } = input;
  if (abnormal !== undefined) return { ...result, abnormal, abnormalSource: 'given' };
  const { low, high } = input.referenceRange ?? {};
  if (typeof input.value !== 'number' || (low === undefined && high === undefined)) return { ...result, abnormal: null, abnormalSource: 'unknown' };
  if (low !== undefined && input.value < low) return { ...result, abnormal: true, abnormalSource: 'computed', direction: 'low' };
  if (high !== undefined && input.value > high) return { ...result, abnormal: true, abnormalSource: 'computed', direction: 'high' };
  return { ...result, abnormal: false, abnormalSource: 'computed' };
}

/** What the shape checks at the edge cannot know: dates against the clock, ranges, repeated indicators. */
function assertValid(command: RecordCheckup): void {
  const problems: FieldProblem[] = [];
  if (!isRealDate(command.visitDate)) problems.push({ path: 'visitDate', message: 'must be a real date, YYYY-MM-DD' });
  else if (command.visitDate > command.today) problems.push({ path: 'visitDate', message: 'must not be after today' });
  const seen = new Set<string>();
  command.results.forEach((result, index) => {
    const code = result.code.trim().toUpperCase();
    if (seen.has(code)) problems.push({ path: `results[${index}].code`, message: 'an indicator appears once per visit' });
    seen.add(code);
    const { low, high } = result.referenceRange ?? {};
    if (low !== undefined && high !== undefined && low > high) problems.push({ path: `results[${index}].referenceRange`, message: 'low must not be above high' });
  });
  if (problems.length > 0) throw new InvalidInput(problems);
}
