import { DomainError } from '../domain-error';
import { decideLegalHold, evolveLegalHolds, holdEnd, initialLegalHolds, LegalHoldCommand, retainedCategories } from './legal-hold.decider';
import { LegalHold, LegalHoldEvent } from './legal-hold.events';

const NOW = '2026-11-23T10:00:00.000Z';
const MEDICAL_RECORDS = '医疗机构病历管理规定 第29条 (outpatient records ≥ 15 years)';

function given(...events: LegalHoldEvent[]) {
  const state = events.reduce(evolveLegalHolds, initialLegalHolds());
  return {
    state,
    when: (command: LegalHoldCommand) => ({
      then: (expected: Array<Partial<LegalHoldEvent> & { type: LegalHoldEvent['type'] }>) => {
        const produced = decideLegalHold(command, state);
        expect(produced).toHaveLength(expected.length);
        expected.forEach((e, i) => expect(produced[i]).toMatchObject(e));
      },
      thenThrows: (code: string) => {
        let error: unknown;
        try {
          decideLegalHold(command, state);
        } catch (caught) {
          error = caught;
        }
        expect(error).toBeInstanceOf(DomainError);
        expect((error as DomainError).code).toBe(code);
      },
    }),
  };
}

const hold = (over: Partial<LegalHold> = {}): LegalHold => ({
  holdId: 'h-1',
  subjectId: 's-1',
  categories: ['health_records'],
  basis: MEDICAL_RECORDS,
  until: '2041-11-23',
  ...over,
});
const placed = (over: Partial<LegalHold> = {}): LegalHoldEvent => ({ type: 'LegalHoldPlaced', data: { ...hold(over), placedAt: NOW } });
const place = (over: Partial<LegalHold> = {}): LegalHoldCommand => ({ type: 'PlaceLegalHold', hold: hold(over), now: NOW });

describe('legal hold decider', () => {
  describe('no hold yet', () => {
    it('places a hold on one subject, or on everyone without a subject', () => {
      given()
        .when(place())
        .then([{ type: 'LegalHoldPlaced', data: { holdId: 'h-1', subjectId: 's-1', categories: ['health_records'], basis: MEDICAL_RECORDS, until: '2041-11-23', placedAt: NOW } }]);
      const everyone = decideLegalHold(place({ subjectId: undefined }), initialLegalHolds());
      expect(everyone[0].data).not.toHaveProperty('subjectId');
    });

    it('refuses a hold without categories, with an unknown category, without a basis, or with an unreadable end', () => {
      given()
        .when(place({ categories: [] }))
        .thenThrows('invalid-legal-hold');
      given()
        .when(place({ categories: ['dna' as never] }))
        .thenThrows('invalid-legal-hold');
      given()
        .when(place({ basis: '  ' }))
        .thenThrows('invalid-legal-hold');
      given()
        .when(place({ until: 'next year' }))
        .thenThrows('invalid-legal-hold');
    });

    it('refuses a hold that has already ended; a date-only end lasts through that day', () => {
      given()
        .when(place({ until: '2026-11-22' }))
        .thenThrows('legal-hold-expired');
      given()
        .when(place({ until: '2026-11-23T09:59:59.000Z' }))
        .thenThrows('legal-hold-expired');
      given()
        .when(place({ until: '2026-11-23' }))
        .then([{ type: 'LegalHoldPlaced' }]);
      expect(holdEnd('2026-11-23')).toBe(Date.parse('2026-11-23T23:59:59.999Z'));
    });

    it('refuses to release a hold that does not exist', () => {
      given().when({ type: 'ReleaseLegalHold', holdId: 'nope', now: NOW }).thenThrows('legal-hold-not-found');
    });
  });

  describe('a hold in force', () => {
    it('refuses the same hold id twice', () => {
      given(placed()).when(place()).thenThrows('legal-hold-exists');
    });

    it('releases it once; a second release changes nothing', () => {
      const release: LegalHoldCommand = { type: 'ReleaseLegalHold', holdId: 'h-1', now: NOW };
      given(placed())
        .when(release)
        .then([{ type: 'LegalHoldReleased', data: { holdId: 'h-1', releasedAt: NOW } }]);
      given(placed(), { type: 'LegalHoldReleased', data: { holdId: 'h-1', releasedAt: NOW } })
        .when(release)
        .then([]);
    });
  });

  describe('retained categories', () => {
    it('keeps the categories of holds in force on the subject or on everyone; the longest hold decides basis and end', () => {
      const { state } = given(
        placed(),
        placed({ holdId: 'h-2', subjectId: undefined, categories: ['health_records', 'consumption'], basis: '会计档案管理办法', until: '2056-01-01' }),
        placed({ holdId: 'h-3', subjectId: 's-2', categories: ['identity'] }),
      );
      expect(retainedCategories(state, 's-1', NOW)).toEqual([
        { category: 'health_records', basis: '会计档案管理办法', until: '2056-01-01' },
        { category: 'consumption', basis: '会计档案管理办法', until: '2056-01-01' },
      ]);
      expect(retainedCategories(state, 's-2', NOW).map((r) => r.category)).toEqual(['health_records', 'consumption', 'identity']);
    });

    it('ignores expired and released holds', () => {
      const { state } = given(placed({ until: '2027-01-01' }), placed({ holdId: 'h-2', categories: ['identity'] }), {
        type: 'LegalHoldReleased',
        data: { holdId: 'h-2', releasedAt: NOW },
      });
      expect(retainedCategories(state, 's-1', NOW)).toEqual([{ category: 'health_records', basis: MEDICAL_RECORDS, until: '2027-01-01' }]);
      expect(retainedCategories(state, 's-1', '2027-01-02T00:00:00.000Z')).toEqual([]);
    });
  });
});
