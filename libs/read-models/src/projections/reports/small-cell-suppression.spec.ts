import fc from 'fast-check';
import { CountGrid, suppressSmallCells, Suppression } from './small-cell-suppression';

const K = 5;

/** An additive grid: margins are the sums of their members, as for counts where each customer is in one cell. */
function additive(cells: number[][], margins: { rows: boolean; columns: boolean; grand: boolean }): CountGrid {
  const rowTotals = cells.map((row) => row.reduce((sum, value) => sum + value, 0));
  const columnTotals = (cells[0] ?? []).map((_, column) => cells.reduce((sum, row) => sum + row[column], 0));
  const grandTotal = rowTotals.reduce((sum, value) => sum + value, 0);
  return {
    cells,
    ...(margins.rows ? { rowTotals } : {}),
    ...(margins.columns ? { columnTotals } : {}),
    ...(margins.grand ? { grandTotal } : {}),
  };
}

/**
 * What an attacker learns from the published figures by subtraction and addition alone: repeatedly,
 * a line's one unknown member is its total minus the known members, an unknown total the sum of its
 * known members. Returns the suppressed figures it came to know.
 */
function derivable(grid: CountGrid, hidden: Suppression): string[] {
  const rows = grid.cells.length;
  const columns = grid.cells[0]?.length ?? 0;
  const known = new Map<string, number>();
  const truth = new Map<string, number>();
  const put = (key: string, value: number | undefined, isHidden: boolean) => {
    if (value === undefined) return;
    truth.set(key, value);
    if (!isHidden) known.set(key, value);
  };
  grid.cells.forEach((row, r) => row.forEach((value, c) => put(`c${r},${c}`, value, hidden.cells[r][c])));
  grid.rowTotals?.forEach((value, r) => put(`r${r}`, value, hidden.rowTotals[r]));
  grid.columnTotals?.forEach((value, c) => put(`k${c}`, value, hidden.columnTotals[c]));
  put('g', grid.grandTotal, hidden.grandTotal);
  const lines: Array<{ total: string; members: string[] }> = [];
  if (grid.rowTotals) for (let r = 0; r < rows; r++) lines.push({ total: `r${r}`, members: Array.from({ length: columns }, (_, c) => `c${r},${c}`) });
  if (grid.columnTotals) for (let c = 0; c < columns; c++) lines.push({ total: `k${c}`, members: Array.from({ length: rows }, (_, r) => `c${r},${c}`) });
  if (grid.grandTotal !== undefined && grid.rowTotals) lines.push({ total: 'g', members: Array.from({ length: rows }, (_, r) => `r${r}`) });
  if (grid.grandTotal !== undefined && grid.columnTotals) lines.push({ total: 'g', members: Array.from({ length: columns }, (_, c) => `k${c}`) });
  for (let learnt = true; learnt;) {
    learnt = false;
    for (const { total, members } of lines) {
      const unknown = members.filter((member) => !known.has(member));
      const sumKnown = members.filter((member) => known.has(member)).reduce((sum, member) => sum + known.get(member)!, 0);
      if (known.has(total) && unknown.length === 1) {
        known.set(unknown[0], known.get(total)! - sumKnown);
        learnt = true;
      } else if (!known.has(total) && unknown.length === 0) {
        known.set(total, sumKnown);
        learnt = true;
      }
    }
  }
  return [...truth.keys()].filter((key) => known.has(key) && isHiddenKey(key, hidden));
}

function isHiddenKey(key: string, hidden: Suppression): boolean {
  if (key === 'g') return hidden.grandTotal;
  if (key.startsWith('r')) return hidden.rowTotals[Number(key.slice(1))];
  if (key.startsWith('k')) return hidden.columnTotals[Number(key.slice(1))];
  const [r, c] = key.slice(1).split(',').map(Number);
  return hidden.cells[r][c];
}

function published(grid: CountGrid, hidden: Suppression): number[] {
  return [
    ...grid.cells.flatMap((row, r) => row.filter((_, c) => !hidden.cells[r][c])),
    ...(grid.rowTotals ?? []).filter((_, r) => !hidden.rowTotals[r]),
    ...(grid.columnTotals ?? []).filter((_, c) => !hidden.columnTotals[c]),
    ...(grid.grandTotal !== undefined && !hidden.grandTotal ? [grid.grandTotal] : []),
  ];
}

// counts skewed towards the small ones, where suppression has work to do
const count = fc.oneof(fc.constant(0), fc.integer({ min: 1, max: K - 1 }), fc.integer({ min: K, max: 60 }));
const grids = fc.record({ rows: fc.integer({ min: 1, max: 7 }), columns: fc.integer({ min: 1, max: 7 }) }).chain(({ rows, columns }) =>
  fc.record({
    cells: fc.array(fc.array(count, { minLength: columns, maxLength: columns }), { minLength: rows, maxLength: rows }),
    margins: fc.record({ rows: fc.boolean(), columns: fc.boolean(), grand: fc.boolean() }),
    k: fc.integer({ min: 2, max: 11 }),
  }),
);

describe('suppressSmallCells', () => {
  it('suppresses a lone small cell and the smallest other cell of its row and of its column, and what they leave alone', () => {
    const grid = additive(
      [
        [3, 10, 20],
        [12, 8, 30],
        [15, 40, 6],
      ],
      { rows: true, columns: true, grand: true },
    );
    const hidden = suppressSmallCells(grid, 5);
    expect(hidden.cells).toEqual([
      [true, true, false],
      [true, true, false],
      [false, false, false],
    ]);
    expect([hidden.rowTotals, hidden.columnTotals, hidden.grandTotal]).toEqual([[false, false, false], [false, false, false], false]);
    expect(derivable(grid, hidden)).toEqual([]);
  });

  it('publishes zeros and every count of k or more when no total would give a small one away', () => {
    const grid = additive([[0, 5, 9]], { rows: true, columns: true, grand: true });
    expect(suppressSmallCells(grid, 5).cells).toEqual([[false, false, false]]);
  });

  it('suppresses a small row total, and another row total so the grand total does not give it away', () => {
    const grid = additive(
      [
        [2, 1],
        [6, 7],
        [20, 30],
      ],
      { rows: true, columns: false, grand: true },
    );
    const hidden = suppressSmallCells(grid, 5);
    expect(hidden.rowTotals).toEqual([true, true, false]);
    expect(hidden.cells[0]).toEqual([true, true]);
    expect(derivable(grid, hidden)).toEqual([]);
  });

  it('hides the total itself when a line has no other count to give up', () => {
    const grid: CountGrid = { cells: [[3, 0]], rowTotals: [7] }; // distinct customers: a total need not be the sum
    const hidden = suppressSmallCells(grid, 5);
    expect(hidden).toEqual({ cells: [[true, false]], rowTotals: [true], columnTotals: [false, false], grandTotal: false });
  });

  it('without margins suppresses the small cells only', () => {
    expect(suppressSmallCells({ cells: [[1, 9, 4]] }, 5).cells).toEqual([[true, false, true]]);
  });

  it('refuses a k below 1 and a ragged grid', () => {
    expect(() => suppressSmallCells({ cells: [[1]] }, 0)).toThrow(RangeError);
    expect(() => suppressSmallCells({ cells: [[1, 2], [3]] }, 5)).toThrow(RangeError);
  });

  it('property: every published figure is zero or at least k, and no suppressed figure follows from the published ones by subtraction', () => {
    fc.assert(
      fc.property(grids, ({ cells, margins, k }) => {
        const grid = additive(cells, margins);
        const hidden = suppressSmallCells(grid, k);
        expect(published(grid, hidden).every((value) => value === 0 || value >= k)).toBe(true);
        expect(derivable(grid, hidden)).toEqual([]);
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 2_000) },
    );
  });

  it('property: the same grid gives the same suppression, and a grid with nothing small loses nothing', () => {
    fc.assert(
      fc.property(grids, ({ cells, margins, k }) => {
        const grid = additive(cells, margins);
        expect(suppressSmallCells(grid, k)).toEqual(suppressSmallCells(grid, k));
        const large = additive(
          cells.map((row) => row.map((value) => (value > 0 && value < k ? value + k : value))),
          margins,
        );
        const hidden = suppressSmallCells(large, k);
        expect(hidden.cells.flat().some(Boolean) || hidden.rowTotals.some(Boolean) || hidden.columnTotals.some(Boolean) || hidden.grandTotal).toBe(false);
      }),
    );
  });
});
