import { Client, ClientConfig, Pool, PoolConfig } from 'pg';

/** What a client is told to wait before trying again while the database is down (the embedded server restarts within seconds). */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * The database cannot be reached: refused, shut down, starting up, or the connection was lost.
 * Nothing about the request is wrong and nothing was committed by the statement that failed;
 * the edge answers 503 `database-unavailable` with Retry-After (registered in http/problem.ts).
 */
export class DatabaseUnavailable extends Error {
  readonly code = 'database-unavailable';
  readonly details = { retryAfterSeconds: DATABASE_RETRY_AFTER_SECONDS };

  constructor(cause: unknown) {
    super('The database is unavailable; retry later', { cause });
    this.name = 'DatabaseUnavailable';
  }
}

// socket errors of node, and SQLSTATE class 08 (connection exception), 57P01 admin shutdown
// (also "terminating connection due to unexpected postmaster exit"), 57P02 crash shutdown,
// 57P03 cannot connect now (starting up, shutting down, in recovery), 53300 too many connections
const CONNECTION_CODES = /^(ECONNREFUSED|ECONNRESET|ECONNABORTED|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|EAI_AGAIN|08\w{3}|57P0[123]|53300)$/;
// pg's and pg-pool's own, which carry no code
const CONNECTION_MESSAGES =
  /^(Connection terminated|Connection terminated unexpectedly|Connection terminated due to connection timeout|Client has encountered a connection error and is not queryable|timeout exceeded when trying to connect)$/;

/** True for errors that say the database could not be reached, rather than that the statement was wrong. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailable) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && CONNECTION_CODES.test(code)) return true;
  if (typeof message === 'string' && CONNECTION_MESSAGES.test(message)) return true;
  // node's AggregateError when every address of `localhost` refused
  const errors = (error as { errors?: unknown }).errors;
  return Array.isArray(errors) && errors.length > 0 && errors.every(isDatabaseUnavailable);
}

/** The error itself, or a DatabaseUnavailable wrapping it when it is a connection error. */
export function asDatabaseError(error: unknown): unknown {
  return !(error instanceof DatabaseUnavailable) && isDatabaseUnavailable(error) ? new DatabaseUnavailable(error) : error;
}

type PgMethod = (...args: unknown[]) => unknown;

/** Wraps a pg method called either with a node-style callback or for a promise, so its connection errors come out typed. */
function typedErrors(method: PgMethod): PgMethod {
  return (...args: unknown[]) => {
    const last = args.length - 1;
    if (last >= 0 && typeof args[last] === 'function') {
      const callback = args[last] as (error: unknown, ...results: unknown[]) => void;
      args[last] = (error: unknown, ...results: unknown[]) => callback(error ? asDatabaseError(error) : error, ...results);
      return method(...args);
    }
    const result = method(...args);
    return result instanceof Promise
      ? result.catch((error: unknown) => {
          throw asDatabaseError(error);
        })
      : result; // a Submittable (cursor, stream) reports its errors itself
  };
}

/**
 * The pool's client. pg-pool listens for a client's `error` only while the client is idle; one
 * checked out when the server dies (a transaction between statements, a LISTEN connection) would
 * emit an unhandled `error` and end the process. This client always has a listener: the error
 * also fails its pending and later queries, which is where the holder learns of it, and pg-pool
 * discards a client that lost its connection when it is released.
 */
export class LedgerClient extends Client {
  constructor(config?: string | ClientConfig) {
    super(config);
    this.on('error', () => undefined);
    const self = this as unknown as { query: PgMethod; connect: PgMethod };
    self.query = typedErrors(self.query.bind(this));
    self.connect = typedErrors(self.connect.bind(this));
  }
}

/**
 * A pg Pool whose clients are LedgerClients, whose `connect` and `query` reject connection errors
 * as DatabaseUnavailable, and which never lets an idle client's error end the process.
 */
export function createResilientPool(config: PoolConfig, onError: (error: Error) => void = () => undefined): Pool {
  const pool = new Pool({ ...config, Client: LedgerClient });
  pool.on('error', onError); // an idle client's error: the pool has already discarded it and reconnects on demand
  const self = pool as unknown as { query: PgMethod; connect: PgMethod };
  self.query = typedErrors(self.query.bind(pool));
  self.connect = typedErrors(self.connect.bind(pool));
  return pool;
}
