import { InvalidInput } from '../domain-error';
import {
  chinaYear,
  CustomerNumberEvent,
  decideCustomerNumber,
  evolveCustomerNumbers,
  formatCustomerNumber,
  initialCustomerNumberState,
  parseCustomerNumber,
} from './customer-number';

const given = (events: CustomerNumberEvent[]) => events.reduce(evolveCustomerNumbers, initialCustomerNumberState());
const allocated = (sequence: number): CustomerNumberEvent => ({
  type: 'CustomerNumberAllocated',
  data: { subjectId: `s${sequence}`, year: 2026, sequence, customerNumber: formatCustomerNumber(2026, sequence), allocatedAt: '2026-03-01T00:00:00.000Z' },
});

describe('customer numbers', () => {
  describe('an empty year', () => {
    it('allocates number 1 of the year of the decision, in China time', () => {
      expect(decideCustomerNumber({ type: 'AllocateCustomerNumber', subjectId: 'a', now: '2026-03-01T02:00:00.000Z' }, given([]))).toEqual([
        {
          type: 'CustomerNumberAllocated',
          data: { subjectId: 'a', year: 2026, sequence: 1, customerNumber: 'C2026000001', allocatedAt: '2026-03-01T02:00:00.000Z' },
        },
      ]);
    });

    it('takes the new year at midnight in China, eight hours before UTC does', () => {
      expect(chinaYear('2026-12-31T15:59:59.999Z')).toBe(2026);
      expect(chinaYear('2026-12-31T16:00:00.000Z')).toBe(2027);
    });
  });

  describe('a year with numbers', () => {
    it('allocates the one after the last, without gaps', () => {
      const [event] = decideCustomerNumber({ type: 'AllocateCustomerNumber', subjectId: 'x', now: '2026-05-01T00:00:00.000Z' }, given([allocated(1), allocated(2), allocated(3)]));
      expect(event.data).toMatchObject({ sequence: 4, customerNumber: 'C2026000004' });
    });

    it('folds from the last event alone (the head of the stream carries the whole state)', () => {
      expect(given([allocated(122)])).toEqual({ last: 122 });
    });

    it('keeps counting past six digits rather than wrapping', () => {
      expect(formatCustomerNumber(2026, 123)).toBe('C2026000123');
      expect(formatCustomerNumber(2026, 1_000_000)).toBe('C20261000000');
    });
  });

  describe('parsing what staff type', () => {
    it('accepts any case and surrounding spaces', () => {
      expect(parseCustomerNumber(' c2026000123 ', 'query.customerNumber')).toBe('C2026000123');
    });

    it.each(['C2026', '2026000123', 'C2026-000123', 'X2026000123'])('refuses %p naming the field', (text) => {
      expect(() => parseCustomerNumber(text, 'query.customerNumber')).toThrow(InvalidInput);
      try {
        parseCustomerNumber(text, 'query.customerNumber');
      } catch (error) {
        expect((error as InvalidInput).errors).toEqual([{ path: 'query.customerNumber', message: expect.any(String) }]);
      }
    });
  });
});
