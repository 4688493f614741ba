export interface RightsRequestRow {
  position: number;
  type: 'RightsRequestFiled' | 'RightsRequestExtended' | 'RightsRequestFulfilled' | 'RightsRequestRejected';
  streamId: string;
  data: { requestId: string; requestType?: string; receivedAt?: string; dueAt?: string; fulfilledAt?: string; rejectedAt?: string };
}

interface Request {
  requestId: string;
  requestType: string;
  receivedAt: string;
  dueAt: string;
  closedAt?: string;
  outcome: 'open' | 'fulfilled' | 'rejected';
  positions: number[];
}

const DAY_MS = 86_400_000;
const days = (from: string, to: string) => Math.round(((Date.parse(to) - Date.parse(from)) / DAY_MS) * 100) / 100;

/**
 * Rights requests received in the period, by type: how many, how many fulfilled or rejected (by the
 * report's reference time), days to fulfil (average and longest); and every request, whenever
 * received, still open past its due date at the reference time (the end of the period, or now).
 */
export function rightsRequestFigures(rows: readonly RightsRequestRow[], period: { from: string; to: string }, reference: string) {
  const requests = new Map<string, Request>();
  for (const row of rows) {
    const { requestId } = row.data;
    if (row.type === 'RightsRequestFiled') {
      requests.set(requestId, {
        requestId,
        requestType: row.data.requestType!,
        receivedAt: row.data.receivedAt!,
        dueAt: row.data.dueAt!,
        outcome: 'open',
        positions: [row.position],
      });
      continue;
    }
    const request = requests.get(requestId);
    if (!request) continue;
    const at = row.data.fulfilledAt ?? row.data.rejectedAt;
    if (row.type === 'RightsRequestExtended') request.dueAt = row.data.dueAt!;
    else if (at && at < reference) Object.assign(request, { outcome: row.type === 'RightsRequestFulfilled' ? 'fulfilled' : 'rejected', closedAt: at });
    else continue;
    request.positions.push(row.position);
  }
  const all = [...requests.values()].filter((r) => r.receivedAt < reference);
  const received = all.filter((r) => r.receivedAt >= period.from && r.receivedAt < period.to);
  const byType: Record<
    string,
    { received: number; fulfilled: number; rejected: number; open: number; averageDaysToFulfil: number | null; longestDaysToFulfil: number | null; positions: number[] }
  > = {};
  for (const request of received) {
    const entry = (byType[request.requestType] ??= { received: 0, fulfilled: 0, rejected: 0, open: 0, averageDaysToFulfil: null, longestDaysToFulfil: null, positions: [] });
    entry.received++;
    entry[request.outcome]++;
    entry.positions.push(...request.positions);
  }
  for (const [type, entry] of Object.entries(byType)) {
    const times = received.filter((r) => r.requestType === type && r.outcome === 'fulfilled').map((r) => days(r.receivedAt, r.closedAt!));
    if (times.length > 0) {
      entry.averageDaysToFulfil = Math.round((times.reduce((a, b) => a + b, 0) / times.length) * 100) / 100;
      entry.longestDaysToFulfil = Math.max(...times);
    }
  }
  const overdue = all
    .filter((r) => r.outcome === 'open' && r.dueAt < reference)
    .map((r) => ({ requestId: r.requestId, requestType: r.requestType, receivedAt: r.receivedAt, dueAt: r.dueAt, daysOverdue: days(r.dueAt, reference), positions: r.positions }));
  return { received: received.length, byType, overdue: { count: overdue.length, items: overdue } };
}
