import { Inject, Injectable, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { Pool } from 'pg';
import type { Logger } from 'pino';
import { Category } from '@pi-ledger/ledger-domain/registry/categories';
import { LEDGER_LOGGER, PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { RequestContext } from '../../application/request-context';
import { RegistryService } from '../../registry/registry.service';
import { SubjectCommandsService } from '../../subjects/subject-commands.service';
import { ErasureService } from '../erasure/erasure.service';
import { LegalHoldsService } from '../legal-holds/legal-holds.service';
import { LEDGER_CLOCK, LedgerClock } from '@pi-ledger/platform/clock/ledger-clock';
import { PeriodicSweep, withAdvisoryLock } from '@pi-ledger/platform/scheduling/periodic-sweep';
import { CategoryRetention, retentionVerdict, RetentionVerdict, shortestRetentionDays } from './retention-rule';
import { RegistryState } from '@pi-ledger/ledger-domain/registry/registry.decider';
import { RETENTION_SCHEDULE, RetentionSchedule } from './retention-schedule';

export interface RetentionRun {
  at: string;
  /** False when another process was sweeping already (one sweep at a time per database). */
  ran: boolean;
  examined: number;
  /** Erasures made: of the whole subject, or of the due categories of a subject that keeps others (`whole: false`). */
  erased: Array<{ subjectId: string; requestId: string; categories: Category[]; whole: boolean }>;
  /** Subjects whose due categories are all kept by legal holds in force while others are still kept: nothing to erase yet. */
  held: Array<{ subjectId: string; due: Category[]; kept: CategoryRetention[] }>;
  /** Erased subjects whose legal holds ended: the categories they kept were shredded now. */
  holdsEnded: Array<{ subjectId: string; categories: string[] }>;
  failed: Array<{ subjectId: string; code: string }>;
}

const PAGE = 500;
/** pg advisory lock key of the sweep: "pi-ledger retention" in a bigint. */
const LOCK_KEY = '7304853921004512';

/**
 * PIPL Art. 19 / 47(1): erases, on a schedule, the subjects whose data has outlived every purpose
 * that kept it (retention-rule.ts), through ErasureService with request id
 * `retention-<subjectId>-<YYYY-MM-DD>`. Its time comes from LEDGER_CLOCK; `runOnce(now)` sweeps at
 * a given time (tests, drills, an operator).
 */
@Injectable()
export class RetentionScheduler implements OnApplicationBootstrap, OnModuleDestroy {
  private periodic?: PeriodicSweep;

  constructor(
    private readonly erasure: ErasureService,
    private readonly subjects: SubjectCommandsService,
    private readonly holds: LegalHoldsService,
    private readonly registry: RegistryService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(LEDGER_CLOCK) private readonly clock: LedgerClock,
    @Inject(RETENTION_SCHEDULE) private readonly schedule: RetentionSchedule,
    @Inject(LEDGER_LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.periodic = new PeriodicSweep('retention sweep', this.schedule.intervalMs, () => this.runOnce(this.clock()), this.logger);
    this.periodic.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.periodic?.stop();
  }

  async runOnce(now: Date): Promise<RetentionRun> {
    const run: RetentionRun = { at: now.toISOString(), ran: false, examined: 0, erased: [], held: [], holdsEnded: [], failed: [] };
    const locked = await withAdvisoryLock(this.pool, LOCK_KEY, async () => {
      await this.sweep(now, run);
      await this.sweepEndedHolds(now, run);
    });
    run.ran = locked.ran;
    if (!run.ran) return run;
    if (run.erased.length + run.held.length + run.holdsEnded.length + run.failed.length > 0) {
      this.logger.info(
        {
          at: run.at,
          examined: run.examined,
          erased: run.erased.map((e) => e.subjectId),
          held: run.held.map((h) => h.subjectId),
          holdsEnded: run.holdsEnded.map((h) => h.subjectId),
          failed: run.failed,
        },
        'retention sweep',
      );
    }
    return run;
  }

  private async sweep(now: Date, run: RetentionRun): Promise<void> {
    const registry = await this.registry.current();
    const days = shortestRetentionDays(registry);
    const registeredBefore = days === undefined ? null : new Date(now.getTime() - days * 86_400_000);
    const context = systemContext(now);
    for (let after = ''; ;) {
      const candidates = await this.candidates(registeredBefore, after);
      for (const subjectId of candidates) {
        run.examined++;
        const requestId = `retention-${subjectId}-${now.toISOString().slice(0, 10)}`;
        try {
          const verdict = await this.verdict(subjectId, registry, now);
          if (verdict.due.length === 0) continue;
          // a partial erasure that would erase nothing (holds keep every due category) waits, rather than certify nothing each day
          const heldByHolds = new Set<string>((await this.holds.retainedFor(subjectId, now)).map((hold) => hold.category));
          if (verdict.kept.length > 0 && verdict.due.every((category) => heldByHolds.has(category))) {
            run.held.push({ subjectId, due: verdict.due, kept: verdict.kept });
            continue;
          }
          const certificate = await this.erasure.eraseAt(subjectId, requestId, verdict.due, context, now, { initiative: 'handler', ground: 'retention-expired' });
          run.erased.push({ subjectId, requestId, categories: certificate.erasedCategories as Category[], whole: verdict.kept.length === 0 });
        } catch (error) {
          const code = (error as { code?: unknown }).code;
          run.failed.push({ subjectId, code: typeof code === 'string' ? code : 'internal-error' });
          this.logger.warn({ err: error, subjectId, requestId }, 'retention erasure failed; the next sweep tries again');
        }
      }
      if (candidates.length < PAGE) return;
      after = candidates[candidates.length - 1];
    }
  }

  /** The subject's verdict at `now`, over its file and the records it holds in streams of their own (its live keys' categories). */
  async verdict(subjectId: string, registry: RegistryState, now: Date): Promise<RetentionVerdict> {
    const [{ events }, categories] = await Promise.all([this.subjects.load(subjectId), this.erasure.categoriesWithKeys(subjectId)]);
    return retentionVerdict(events, registry, now, categories);
  }

  /** Erased subjects that still have live keys (categories kept under a hold): shred those no hold keeps any more. */
  private async sweepEndedHolds(now: Date, run: RetentionRun): Promise<void> {
    const context = systemContext(now);
    for (let after = ''; ;) {
      const { rows } = await this.pool.query<{ subject_id: string }>(
        `SELECT k.subject_id FROM vault_subject_keys k JOIN subject_profile p ON p.subject_id = k.subject_id
          WHERE p.status = 'erased' AND cardinality(k.categories) > 0 AND k.subject_id > $1
          ORDER BY k.subject_id LIMIT $2`,
        [after, PAGE],
      );
      for (const { subject_id: subjectId } of rows) {
        try {
          const categories = await this.erasure.eraseUnheld(subjectId, now, context);
          if (categories.length > 0) run.holdsEnded.push({ subjectId, categories });
        } catch (error) {
          run.failed.push({ subjectId, code: 'internal-error' });
          this.logger.warn({ err: error, subjectId }, 'shredding the categories of ended legal holds failed; the next sweep tries again');
        }
      }
      if (rows.length < PAGE) return;
      after = rows[rows.length - 1].subject_id;
    }
  }

  /**
   * Subjects that may have something due: registered longer ago than the shortest retention, with
   * a withdrawn consent, or restricted for all processing (their relationship ended, which appends
   * such a restriction). The verdict itself comes from the subject's stream, not from here.
   */
  private async candidates(registeredBefore: Date | null, after: string): Promise<string[]> {
    const { rows } = await this.pool.query<{ subject_id: string }>(
      `SELECT subject_id FROM subject_profile
        WHERE status <> 'erased' AND subject_id > $1
          AND (created_at <= $2::timestamptz OR consents @> '[{"status": "withdrawn"}]'::jsonb OR restrictions @> '[{"purposeIds": null}]'::jsonb)
        ORDER BY subject_id LIMIT $3`,
      [after, registeredBefore, PAGE],
    );
    return rows.map((row) => row.subject_id);
  }
}

function systemContext(now: Date): RequestContext {
  const id = `retention-${now.toISOString()}`;
  return { actor: { id: 'system:retention', roles: [] }, correlationId: id, causationId: id };
}
