import type { Provider } from '@nestjs/common';

export const REPORT_MIN_CELL = Symbol('REPORT_MIN_CELL');
const VARIABLE = 'LEDGER_REPORT_MIN_CELL';
export const DEFAULT_REPORT_MIN_CELL = 5;

/** k of small-cell suppression: a cell counting fewer customers is not shown. Below 2 would suppress nothing, so it is refused. */
export function reportMinCellFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env[VARIABLE];
  if (raw === undefined || raw === '') return DEFAULT_REPORT_MIN_CELL;
  if (!/^\d{1,3}$/.test(raw) || Number(raw) < 2 || Number(raw) > 100) throw new Error(`${VARIABLE} must be an integer from 2 to 100 (got ${JSON.stringify(raw)})`);
  return Number(raw);
}

export const reportMinCellProvider: Provider = { provide: REPORT_MIN_CELL, useFactory: () => reportMinCellFromEnv(process.env) };
