import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkCharacter, residentId } from '@pi-ledger/test-support/resident-id';
import { ageInYears, residentIdBirthDate, residentIdProblem } from './resident-id';

// a copy of shared/fixtures/resident-ids.json, kept with the code that it tests
const fixtures = JSON.parse(readFileSync(join(__dirname, 'resident-ids.json'), 'utf8')) as {
  valid: Array<{ number: string; birthDate: string }>;
  invalid: Array<{ number: string; why: string }>;
};

describe('resident ID numbers (GB 11643)', () => {
  it.each(fixtures.valid)('accepts $number and reads its birth date', ({ number, birthDate }) => {
    expect(residentIdProblem(number)).toBeUndefined();
    expect(residentIdBirthDate(number)).toBe(birthDate);
  });

  it.each(fixtures.invalid)('refuses $number ($why)', ({ number }) => {
    expect(['format', 'check-digit', 'birth-date']).toContain(residentIdProblem(number));
  });

  it('names the broken rule', () => {
    expect(residentIdProblem('110101198005010017')).toBe('check-digit');
    expect(residentIdProblem('11010119800501001')).toBe('format');
    expect(residentIdProblem('11010119800230001X')).toBe('birth-date');
  });

  it('accepts a lower-case final x', () => {
    const withX = fixtures.invalid.find((f) => f.why.includes('Feb 30'))!.number;
    expect(residentIdProblem(withX.toLowerCase())).toBe('birth-date');
  });

  it('agrees with the specs’ own GB 11643 helper (test/support/resident-id.ts), which builds every valid fixture', () => {
    for (const { number, birthDate } of fixtures.valid) {
      expect(residentId(birthDate, Number(number.slice(14, 17)), number.slice(0, 6))).toBe(number);
    }
    expect(checkCharacter('11010119800501001')).toBe('8'); // the fixture with a wrong check digit ends in 7
    expect(checkCharacter('11010119800230001')).toBe('X'); // Feb 30: only the date is wrong
    const made = residentId('2016-06-01', 42, '310115');
    expect([made, residentIdProblem(made), residentIdBirthDate(made)]).toEqual(['31011520160601042' + made[17], undefined, '2016-06-01']);
  });

  it('counts whole years for the under-14 rule', () => {
    expect(ageInYears('2012-08-15', new Date('2026-08-14T00:00:00Z'))).toBe(13);
    expect(ageInYears('2012-08-15', new Date('2026-08-15T00:00:00Z'))).toBe(14);
  });
});
