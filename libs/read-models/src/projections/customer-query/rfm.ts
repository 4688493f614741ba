/**
 * Customer value (RFM) as grades 1–5, from fixed thresholds a centre can read and explain (not
 * quintiles of the whole population, which would move every customer's grade with anyone's order).
 * Counted orders: placed or paid, not cancelled and not wholly refunded; money net of refunds.
 * All three grades, their score and segment are stored by the projection (indexed, so a query on
 * them reads no order); recency ages every day, so the projection grades it as of the ledger clock's
 * date when orders arrive and RfmRecencySweep grades it again each day (rfm-recency.sweep.ts).
 */
export const RFM_RECENCY_DAYS = [30, 90, 180, 365] as const; // ≤30 days: 5 … >365: 1
export const RFM_FREQUENCY_ORDERS = [10, 5, 3, 2] as const; // ≥10 orders: 5, ≥5: 4, ≥3: 3, 2: 2, 1: 1
export const RFM_MONETARY_FEN = [2_000_000, 500_000, 200_000, 50_000] as const; // ≥20,000 yuan: 5 … <500 yuan: 1

/** RFM segments, first match wins (r, f, m the grades). */
export const RFM_SEGMENTS = ['champion', 'loyal', 'at_risk', 'new', 'hibernating', 'regular'] as const;
export type RfmSegment = (typeof RFM_SEGMENTS)[number];

/** 5 for the highest threshold met down to 2, else 1; NULL when the input is NULL. */
function descending(expression: string, thresholds: readonly number[], compare: '>=' | '<='): string {
  const cases = thresholds.map((threshold, index) => `WHEN ${expression} ${compare} ${threshold} THEN ${5 - index}`).join(' ');
  return `(CASE WHEN ${expression} IS NULL THEN NULL ${cases} ELSE 1 END)`;
}

export function frequencyGradeSql(count: string): string {
  return `(CASE WHEN ${count} = 0 THEN NULL ELSE ${descending(count, RFM_FREQUENCY_ORDERS, '>=')} END)`;
}

export function monetaryGradeSql(totalFen: string, count: string): string {
  return `(CASE WHEN ${count} = 0 THEN NULL ELSE ${descending(totalFen, RFM_MONETARY_FEN, '>=')} END)`;
}

/** `today` a date parameter: days since the last order, graded. */
export function recencyGradeSql(lastOrderDate: string, today: string): string {
  return descending(`(${today}::date - ${lastOrderDate})`, RFM_RECENCY_DAYS, '<=');
}

export function rfmScoreSql(r: string, f: string, m: string): string {
  return `(${r} + ${f} + ${m})`;
}

export function rfmSegmentSql(r: string, f: string, m: string): string {
  return `(CASE WHEN ${r} IS NULL THEN NULL
    WHEN ${r} >= 4 AND ${f} >= 4 AND ${m} >= 4 THEN 'champion'
    WHEN ${f} >= 4 THEN 'loyal'
    WHEN ${r} <= 2 AND ${f} >= 3 THEN 'at_risk'
    WHEN ${r} >= 4 AND ${f} = 1 THEN 'new'
    WHEN ${r} <= 2 THEN 'hibernating'
    ELSE 'regular' END)`;
}

/**
 * The SET list storing a recency grade `r` (an SQL expression over the row) with the score and
 * segment that follow from it and the row's stored F and M grades.
 */
export function storedGradesSql(r: string): string {
  return `rfm_recency = ${r}, rfm_score = ${rfmScoreSql(r, 'rfm_frequency', 'rfm_monetary')}, rfm_segment = ${rfmSegmentSql(r, 'rfm_frequency', 'rfm_monetary')}`;
}

/** YYYY-MM-DD in China (UTC+8) at `now`: the day recency is graded for. */
export function gradingDay(now: Date): string {
  return new Date(now.getTime() + 8 * 3_600_000).toISOString().slice(0, 10);
}
