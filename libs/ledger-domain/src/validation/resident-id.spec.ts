import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ageInYears, residentIdBirthDate, residentIdProblem } from './resident-id';

const fixtures = JSON.parse(readFileSync(join(__dirname, '../../../../../shared/fixtures/resident-ids.json'), 'utf8')) as {
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

  it('counts whole years for the under-14 rule', () => {
    expect(ageInYears('2012-08-15', new Date('2026-08-14T00:00:00Z'))).toBe(13);
    expect(ageInYears('2012-08-15', new Date('2026-08-15T00:00:00Z'))).toBe(14);
  });
});
