import { suppressSmallCells } from './small-cell-suppression';

/** A published figure: its value (null: nothing to compute it from), or suppressed with what to show instead ("<5"). */
export type ReportCell = { value: number | null } | { suppressed: true; display: string };

export type MeasureUnit = 'count' | 'percent' | 'hours' | 'yuan';

export interface ReportMeasure {
  key: string;
  unit: MeasureUnit;
  /** Computed from the row's cells too (a rate of one column): hidden when any of them is. */
  hiddenWithCells?: boolean;
}

export interface ReportRow {
  key: string;
  /** Distinct customers per column (empty when the report has no column dimension). */
  cells: ReportCell[];
  /** Distinct customers in the row (not the sum of its cells when a customer is in several). */
  total: ReportCell;
  measures: Record<string, ReportCell>;
}

/** A report's table as published: distinct customers by a row and (optionally) a column dimension, with margins and per-row measures. */
export interface PublishedTable {
  rowDimension: string;
  columnDimension: string | null;
  columns: string[];
  measures: ReportMeasure[];
  rows: ReportRow[];
  total: Omit<ReportRow, 'key'>;
}

/** The same table before suppression: what the queries computed. */
export interface RawTable {
  rowDimension: string;
  columnDimension: string | null;
  rowKeys: string[];
  columnKeys: string[];
  /** cells[row][column], distinct customers. */
  cells: number[][];
  rowTotals: number[];
  columnTotals: number[];
  grandTotal: number;
  measures: ReportMeasure[];
  rowMeasures: Array<Record<string, number | null>>;
  totalMeasures: Record<string, number | null>;
}

/**
 * Suppresses the raw table's small cells (small-cell-suppression.ts) and publishes it. A row's
 * measures (complaints, mean times, CSAT …) are computed from its customers, so they are hidden
 * with the row's total: a mean over three customers would single them out as surely as their count.
 */
export function publishTable(raw: RawTable, k: number): PublishedTable {
  const hasColumns = raw.columnDimension !== null;
  // without a column dimension the row totals are the body, summed by the grand total
  const hidden = hasColumns
    ? suppressSmallCells({ cells: raw.cells, rowTotals: raw.rowTotals, columnTotals: raw.columnTotals, grandTotal: raw.grandTotal }, k)
    : (({ cells, columnTotals }) => ({ cells: [], rowTotals: cells.map((row) => row[0]), columnTotals: [], grandTotal: columnTotals[0] }))(
        suppressSmallCells({ cells: raw.rowTotals.map((total) => [total]), columnTotals: [raw.grandTotal] }, k),
      );
  const shown = (value: number | null, isHidden: boolean): ReportCell => (isHidden ? { suppressed: true, display: `<${k}` } : { value });
  const measuresOf = (values: Record<string, number | null>, isHidden: boolean, cellsHidden: readonly boolean[]) =>
    Object.fromEntries(
      raw.measures.map((measure) => [measure.key, shown(values[measure.key] ?? null, isHidden || (measure.hiddenWithCells === true && cellsHidden.some(Boolean)))]),
    );
  return {
    rowDimension: raw.rowDimension,
    columnDimension: raw.columnDimension,
    columns: raw.columnKeys,
    measures: raw.measures,
    rows: raw.rowKeys.map((key, row) => ({
      key,
      cells: hasColumns ? raw.cells[row].map((value, column) => shown(value, hidden.cells[row][column])) : [],
      total: shown(raw.rowTotals[row], hidden.rowTotals[row]),
      measures: measuresOf(raw.rowMeasures[row], hidden.rowTotals[row], hasColumns ? hidden.cells[row] : []),
    })),
    total: {
      cells: hasColumns ? raw.columnTotals.map((value, column) => shown(value, hidden.columnTotals[column])) : [],
      total: shown(raw.grandTotal, hidden.grandTotal),
      measures: measuresOf(raw.totalMeasures, hidden.grandTotal, hidden.columnTotals),
    },
  };
}

/** What a cell shows in a table or a download: its number, "<5", or "" when there is nothing to show. */
export function cellText(cell: ReportCell): string {
  return 'suppressed' in cell ? cell.display : cell.value === null ? '' : String(cell.value);
}
