import { CallHandler, ExecutionContext, Inject, Injectable, NestInterceptor } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Pool } from 'pg';
import { from, Observable, of, throwError } from 'rxjs';
import { catchError, mergeMap } from 'rxjs/operators';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ProblemException } from '@pi-ledger/platform/http/problem';
import { canonicalJson } from '@pi-ledger/event-store/payload-digest';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';

const KEY = /^[\x21-\x7e]{1,200}$/;
/** Stored responses are replayed for a day; a claim with no response after 5 minutes was abandoned. */
const RETENTION = '24 hours';
const ABANDONED = '5 minutes';
const SWEEP_EVERY_MS = 60_000;

/**
 * `Idempotency-Key` on mutations: the first successful response is stored and replayed for the
 * same key and body; another body under the same key → 422. Keys are scoped to the actor. A failed
 * request stores nothing (it wrote nothing), so the client may retry with the same key.
 *
 * Bodies carry personal data, so neither they nor the client's key are stored: only keyed digests
 * (HMAC under a vault key), and rows expire after a day. Events carry the key's digest too.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private lastSweep = 0;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
  ) {}

  intercept(execution: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = execution.switchToHttp().getRequest<FastifyRequest & { actor?: { id: string } }>();
    const reply = execution.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (request.method === 'GET' || key === undefined || !request.actor) return next.handle();
    if (typeof key !== 'string' || !KEY.test(key)) {
      return throwError(
        () =>
          new ProblemException(400, 'invalid-idempotency-key', 'Invalid Idempotency-Key', 'Idempotency-Key must be 1-200 visible ASCII characters', [
            { path: 'headers.idempotency-key', message: 'invalid' },
          ]),
      );
    }
    const actor = request.actor.id;
    const digest = this.vault.keyedDigest('idempotency-key', `${actor}\n${key}`);
    (request as { idempotencyKeyDigest?: string }).idempotencyKeyDigest = digest;
    const hash = this.vault.keyedDigest('idempotency-request', canonicalJson({ method: request.method, url: request.url, body: (request.body ?? null) as object }));
    this.sweep();
    return from(this.claim(actor, digest, hash)).pipe(
      mergeMap((stored) => {
        if (stored) {
          void reply.status(stored.status).header('idempotent-replayed', 'true');
          if (stored.etag) void reply.header('etag', stored.etag);
          return of(stored.body);
        }
        // Nest applies @HttpCode (or POST → 201) after interceptors run, so read it from the route.
        const status = Reflect.getMetadata('__httpCode__', execution.getHandler()) ?? (request.method === 'POST' ? 201 : 200);
        return next.handle().pipe(
          mergeMap((body) => from(this.complete(actor, digest, status, body, reply.getHeader('etag'))).pipe(mergeMap(() => of(body)))),
          catchError((error) => from(this.release(actor, digest)).pipe(mergeMap(() => throwError(() => error)))),
        );
      }),
    );
  }

  /** Claims the key, or returns the stored response; a claim in flight or another body is refused. */
  private async claim(actor: string, key: string, hash: string): Promise<{ status: number; body: unknown; etag: string | null } | undefined> {
    const inserted = await this.pool.query(`INSERT INTO idempotency_keys (actor, key, request_hash) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, [actor, key, hash]);
    if (inserted.rowCount === 1) return undefined;
    const { rows } = await this.pool.query(
      `SELECT request_hash, status, body, etag, created_at < now() - interval '${ABANDONED}' AS abandoned FROM idempotency_keys WHERE actor = $1 AND key = $2`,
      [actor, key],
    );
    const row = rows[0];
    if (!row) return this.claim(actor, key, hash);
    if (row.request_hash !== hash) {
      throw new ProblemException(422, 'idempotency-key-reused', 'Idempotency key reused', 'this Idempotency-Key was used with a different request');
    }
    if (row.status === null && row.abandoned) {
      await this.pool.query(`DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2 AND status IS NULL`, [actor, key]);
      return this.claim(actor, key, hash);
    }
    if (row.status === null) {
      throw new ProblemException(409, 'request-in-progress', 'Request in progress', 'a request with this Idempotency-Key is still being processed', undefined, {
        retryAfterSeconds: 1,
      });
    }
    return { status: row.status, body: row.body, etag: row.etag };
  }

  private async complete(actor: string, key: string, status: number, body: unknown, etag: unknown): Promise<void> {
    await this.pool.query(`UPDATE idempotency_keys SET status = $3, body = $4, etag = $5 WHERE actor = $1 AND key = $2`, [
      actor,
      key,
      status,
      JSON.stringify(body ?? null),
      typeof etag === 'string' ? etag : null,
    ]);
  }

  /** Expired responses go, at most once a minute per process. */
  private sweep(): void {
    if (Date.now() - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = Date.now();
    this.pool.query(`DELETE FROM idempotency_keys WHERE created_at < now() - interval '${RETENTION}'`).catch(() => undefined);
  }

  private async release(actor: string, key: string): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency_keys WHERE actor = $1 AND key = $2 AND status IS NULL`, [actor, key]);
  }
}
