/**
 * Small-cell suppression of a report's table of counts (distinct customers), so that no published
 * figure, nor any figure derived from the published ones by subtraction, counts fewer than `k`
 * customers.
 *
 * - Primary: a cell or margin counting 1 to k-1 customers is suppressed. A zero is published: it
 *   counts no one (no cell holds a person to single out).
 * - Complementary: every line (a row with its row total, a column with its column total, the row
 *   totals and the column totals with the grand total) is an equation, total = sum of members. A
 *   line with exactly one hidden figure would give it away (the total minus the others, or the sum
 *   of the members), so the smallest published non-zero member of that line is suppressed too (its
 *   total when no such member is left). Repeated until no line has exactly one hidden figure, since
 *   a cell suppressed for a row may leave its column with a lone one.
 *
 * Pure and deterministic: same grid, same cells suppressed.
 */
export interface CountGrid {
  /** cells[row][column]: distinct customers. */
  cells: readonly (readonly number[])[];
  /** One per row; absent: the report publishes no row totals. */
  rowTotals?: readonly number[];
  /** One per column; absent: the report publishes no column totals. */
  columnTotals?: readonly number[];
  grandTotal?: number;
}

export interface Suppression {
  cells: boolean[][];
  rowTotals: boolean[];
  columnTotals: boolean[];
  grandTotal: boolean;
}

/** A cell's address in the grid: a body cell, a margin, or the grand total. */
type Ref = { kind: 'cell'; row: number; column: number } | { kind: 'row'; row: number } | { kind: 'column'; column: number } | { kind: 'grand' };

interface Line {
  total: Ref;
  members: Ref[];
}

export function suppressSmallCells(grid: CountGrid, k: number): Suppression {
  if (!Number.isInteger(k) || k < 1) throw new RangeError('k must be a positive integer');
  const rows = grid.cells.length;
  const columns = rows === 0 ? (grid.columnTotals?.length ?? 0) : grid.cells[0].length;
  for (const row of grid.cells) if (row.length !== columns) throw new RangeError('every row must have one cell per column');
  if (grid.rowTotals && grid.rowTotals.length !== rows) throw new RangeError('one row total per row');
  if (grid.columnTotals && grid.columnTotals.length !== columns) throw new RangeError('one column total per column');

  const small = (value: number | undefined) => value !== undefined && value > 0 && value < k;
  const result: Suppression = {
    cells: grid.cells.map((row) => row.map(small)),
    rowTotals: Array.from({ length: rows }, (_, row) => small(grid.rowTotals?.[row])),
    columnTotals: Array.from({ length: columns }, (_, column) => small(grid.columnTotals?.[column])),
    grandTotal: small(grid.grandTotal),
  };
  const value = (ref: Ref): number => {
    if (ref.kind === 'cell') return grid.cells[ref.row][ref.column];
    if (ref.kind === 'row') return grid.rowTotals?.[ref.row] ?? 0;
    if (ref.kind === 'column') return grid.columnTotals?.[ref.column] ?? 0;
    return grid.grandTotal ?? 0;
  };
  const isSuppressed = (ref: Ref): boolean =>
    ref.kind === 'cell'
      ? result.cells[ref.row][ref.column]
      : ref.kind === 'row'
        ? result.rowTotals[ref.row]
        : ref.kind === 'column'
          ? result.columnTotals[ref.column]
          : result.grandTotal;
  const suppress = (ref: Ref): void => {
    if (ref.kind === 'cell') result.cells[ref.row][ref.column] = true;
    else if (ref.kind === 'row') result.rowTotals[ref.row] = true;
    else if (ref.kind === 'column') result.columnTotals[ref.column] = true;
    else result.grandTotal = true;
  };

  // each line is an equation, total = sum of members: one hidden figure in it would be solved by it
  const lines = linesOf(grid, rows, columns);
  for (let changed = true; changed;) {
    changed = false;
    for (const line of lines) {
      if ([line.total, ...line.members].filter(isSuppressed).length !== 1) continue;
      suppress(complementOf(line, isSuppressed, value));
      changed = true;
    }
  }
  return result;
}

/**
 * The figure to suppress beside a line's lone hidden one: its smallest published non-zero member
 * (the smallest loses the least; ties go to the first, so the outcome does not depend on chance),
 * else its total, else a zero member.
 */
function complementOf(line: Line, isSuppressed: (ref: Ref) => boolean, value: (ref: Ref) => number): Ref {
  const open = line.members.filter((member) => !isSuppressed(member));
  const smallest = open
    .filter((member) => value(member) > 0)
    .reduce<Ref | undefined>((best, member) => (best === undefined || value(member) < value(best) ? member : best), undefined);
  if (smallest) return smallest;
  if (!isSuppressed(line.total)) return line.total;
  return open[0];
}

/** The lines (a published total and the members it sums) of a grid. */
function linesOf(grid: CountGrid, rows: number, columns: number): Line[] {
  const lines: Line[] = [];
  if (grid.rowTotals) {
    for (let row = 0; row < rows; row++) {
      if (columns > 0) lines.push({ total: { kind: 'row', row }, members: Array.from({ length: columns }, (_, column) => ({ kind: 'cell', row, column })) });
    }
  }
  if (grid.columnTotals) {
    for (let column = 0; column < columns; column++) {
      if (rows > 0) lines.push({ total: { kind: 'column', column }, members: Array.from({ length: rows }, (_, row) => ({ kind: 'cell', row, column })) });
    }
  }
  if (grid.grandTotal !== undefined) {
    if (grid.rowTotals && rows > 0) lines.push({ total: { kind: 'grand' }, members: Array.from({ length: rows }, (_, row) => ({ kind: 'row', row })) });
    if (grid.columnTotals && columns > 0) lines.push({ total: { kind: 'grand' }, members: Array.from({ length: columns }, (_, column) => ({ kind: 'column', column })) });
  }
  return lines;
}
