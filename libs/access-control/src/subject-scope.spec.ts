import { assertMaySeeSubject, SubjectScopeError } from './subject-scope';

describe('assertMaySeeSubject', () => {
  it('lets a data subject act on its own record', () => {
    expect(() => assertMaySeeSubject({ id: 'login-1', roles: ['data_subject'], subjectId: 's1' }, 's1')).not.toThrow();
  });

  it('refuses a data subject any other record, with the code the problem filter maps to 403', () => {
    let error: unknown;
    try {
      assertMaySeeSubject({ id: 'login-1', roles: ['data_subject'], subjectId: 's1' }, 's2');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SubjectScopeError);
    expect(error).toMatchObject({ code: 'forbidden', message: 'a data subject may act only on its own record' });
  });

  it('refuses a data subject without a subject id everything', () => {
    expect(() => assertMaySeeSubject({ id: 'login-1', roles: ['data_subject'] }, 's1')).toThrow(SubjectScopeError);
  });

  it('leaves other roles to @Roles', () => {
    for (const role of ['staff', 'compliance_officer', 'admin', 'auditor', 'ops'] as const) {
      expect(() => assertMaySeeSubject({ id: 'employee', roles: [role] }, 's2')).not.toThrow();
    }
  });
});
