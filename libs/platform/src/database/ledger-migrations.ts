import { EventStore1763900000000 } from './migrations/1763900000000-event-store';

/** Every schema change, in order. Never edit an applied migration: add a new one. */
export const LEDGER_MIGRATIONS = [EventStore1763900000000];
