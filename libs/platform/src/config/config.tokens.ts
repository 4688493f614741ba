/** Nest injection tokens of the platform, kept apart so framework-free code can share the types. */
export const LEDGER_CONFIG = Symbol('LEDGER_CONFIG');
export const LEDGER_LOGGER = Symbol('LEDGER_LOGGER');
export const LEDGER_DATABASE = Symbol('LEDGER_DATABASE');
export const PG_POOL = Symbol('PG_POOL');
