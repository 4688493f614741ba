import { Provider } from '@nestjs/common';

/** What time it is for the ledger's own decisions (erasure times, hold expiry, retention). */
export type LedgerClock = () => Date;

/** Injection token of the LedgerClock; tests and drills replace it to move time forward. */
export const LEDGER_CLOCK = Symbol('LEDGER_CLOCK');

export const ledgerClockProvider: Provider = { provide: LEDGER_CLOCK, useValue: (() => new Date()) satisfies LedgerClock };
