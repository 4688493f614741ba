import pino, { Logger } from 'pino';
import { LedgerConfig } from '../config/ledger-config';
import { redactPi, redactUrl } from './pi-redaction';

export type { Logger } from 'pino';

/**
 * Structured JSON logs without PI: every logged object passes through `redactPi`, requests are
 * logged by path and query-parameter names only, and no headers are logged at all.
 * The API logs to stdout; the CLI to stderr, keeping stdout for results.
 */
export function createLogger(config: Pick<LedgerConfig, 'logLevel'>, destination: 1 | 2 = 1): Logger {
  return pino(
    {
      level: config.logLevel,
      base: { service: 'pi-ledger' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: {
        level: (label) => ({ level: label }),
        log: (object) => redactPi(object) as Record<string, unknown>,
      },
      serializers: {
        err: (error: Error) => redactPi(error),
        req: (request: { id?: unknown; method?: string; url?: string }) => ({
          id: request.id,
          method: request.method,
          url: redactUrl(request.url ?? ''),
        }),
        res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
      },
    },
    pino.destination({ fd: destination, sync: destination === 2 }),
  );
}
