import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { DeclaredEventCodec } from '@pi-ledger/pii-vault/declared-event-codec';
import { CHECKUP_PI, ORDER_PI } from '@pi-ledger/pii-vault/event-pi-declarations';
import type { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { CheckupEvent, checkupStream } from '@pi-ledger/ledger-domain/checkups/checkup.events';
import { OrderEvent, orderStream } from '@pi-ledger/ledger-domain/orders/order.events';
import type { SubjectEvent } from '@pi-ledger/ledger-domain/subject/subject.events';
import type { Projection, ProjectionBatch } from '../../runner/projection';
import { erasureReaches, forgetRecordStream } from '../subject-records/record-erasure';

type Checkup = Extract<CheckupEvent<unknown>, { type: 'CheckupRecorded' }>;
type Placed = Extract<OrderEvent<unknown>, { type: 'OrderPlaced' }>;
type Erased = Extract<SubjectEvent, { type: 'SubjectErased' }>;

/**
 * `report_checkup_results` and `report_order_items`: the coarse facts reports count, opened once
 * here from the sealed check-ups and orders (the projection holds the vault, as the profile does),
 * never per request. Kept: an indicator's code and abnormal flag; an order line's kind, code,
 * quantity and amount. Not kept: values, names, ranges, institutions, notes. A record whose key is
 * shredded opens as "[erased]" and leaves no fact; an erasure reaching the category deletes them.
 */
export class ReportFactsProjection implements Projection {
  readonly name = 'report_facts';
  readonly version = 1;
  readonly tables = ['report_checkup_results', 'report_order_items'];
  readonly eventTypes: ReadonlySet<string> = new Set<string>(['CheckupRecorded', 'OrderPlaced', 'SubjectErased']);
  private readonly checkups: DeclaredEventCodec<Checkup>;
  private readonly orders: DeclaredEventCodec<Placed>;

  constructor(vault: PiiVault) {
    this.checkups = new DeclaredEventCodec<Checkup>(vault, { CheckupRecorded: CHECKUP_PI.CheckupRecorded });
    this.orders = new DeclaredEventCodec<Placed>(vault, { OrderPlaced: ORDER_PI.OrderPlaced });
  }

  async apply(batch: ProjectionBatch, events: readonly RecordedEvent[]): Promise<void> {
    const results = batch.table('report_checkup_results');
    const items = batch.table('report_order_items');
    for (const recorded of events) {
      const event = recorded as unknown as Checkup | Placed | Erased;
      switch (event.type) {
        case 'SubjectErased':
          if (erasureReaches(event, 'health_records')) await batch.client.query(`DELETE FROM ${results} WHERE subject_id = $1`, [event.data.subjectId]);
          if (erasureReaches(event, 'consumption')) await batch.client.query(`DELETE FROM ${items} WHERE subject_id = $1`, [event.data.subjectId]);
          break;
        case 'CheckupRecorded': {
          const { data } = await this.checkups.open(event);
          const found = resultsOf(data.visit);
          if (found.length === 0) break;
          await batch.client.query(
            `INSERT INTO ${results} (visit_id, subject_id, visit_date, code, abnormal)
             SELECT $1, $2, $3, code, abnormal FROM unnest($4::text[], $5::boolean[]) AS r(code, abnormal) ON CONFLICT DO NOTHING`,
            [data.visitId, data.subjectId, data.visitDate, found.map((result) => result.code), found.map((result) => result.abnormal)],
          );
          break;
        }
        case 'OrderPlaced': {
          const { data } = await this.orders.open(event);
          const lines = linesOf(data.contents);
          if (lines.length === 0) break;
          await batch.client.query(
            `INSERT INTO ${items} (order_id, line, subject_id, order_date, kind, code, quantity, amount_fen)
             SELECT $1, line, $2, $3, kind, code, quantity, amount_fen
               FROM unnest($4::text[], $5::text[], $6::int[], $7::bigint[]) WITH ORDINALITY AS l(kind, code, quantity, amount_fen, line)
             ON CONFLICT DO NOTHING`,
            [data.orderId, data.subjectId, data.orderDate, ...columnsOf(lines)],
          );
          break;
        }
        default: {
          const unknown: never = event;
          throw new Error(`unexpected event ${(unknown as { type: string }).type}`);
        }
      }
    }
  }

  async forgetStream(batch: ProjectionBatch, streamId: string): Promise<void> {
    await forgetRecordStream(batch, streamId, { table: 'report_checkup_results', idColumn: 'visit_id', streamPrefix: checkupStream('') });
    await forgetRecordStream(batch, streamId, { table: 'report_order_items', idColumn: 'order_id', streamPrefix: orderStream('') });
  }
}

/** A visit's results as codes (upper case, as the abnormal-result rule compares them) and flags; nothing when the visit no longer opens. */
function resultsOf(visit: unknown): Array<{ code: string; abnormal: boolean | null }> {
  const results = (visit as { results?: unknown } | null)?.results;
  if (!Array.isArray(results)) return [];
  const byCode = new Map<string, boolean | null>();
  for (const result of results as Array<{ code?: unknown; abnormal?: unknown }>) {
    if (typeof result?.code !== 'string') continue;
    byCode.set(result.code.toUpperCase(), typeof result.abnormal === 'boolean' ? result.abnormal : null);
  }
  return [...byCode].map(([code, abnormal]) => ({ code, abnormal }));
}

interface Line {
  kind: string;
  code: string;
  quantity: number;
  amountFen: number;
}

function linesOf(contents: unknown): Line[] {
  const items = (contents as { items?: unknown } | null)?.items;
  if (!Array.isArray(items)) return [];
  return (items as Array<Record<string, unknown>>)
    .filter((item) => typeof item?.code === 'string' && typeof item.quantity === 'number')
    .map((item) => ({
      kind: String(item.kind),
      code: (item.code as string).toUpperCase(),
      quantity: item.quantity as number,
      amountFen: typeof item.amountFen === 'number' ? item.amountFen : (item.quantity as number) * Number(item.unitPriceFen ?? 0),
    }));
}

function columnsOf(lines: readonly Line[]): [string[], string[], number[], number[]] {
  return [lines.map((line) => line.kind), lines.map((line) => line.code), lines.map((line) => line.quantity), lines.map((line) => line.amountFen)];
}
