import type { Logger } from '@pi-ledger/platform/logging/logger';
import { VaultTables } from './vault-tables';

/**
 * What follows a shred. `vacuum`: the dead row versions that still hold the wrapped keys are
 * removed, though their bytes may linger in the page's free space until overwritten. `full`:
 * VACUUM (FULL) rewrites the table file without them, holding an exclusive lock meanwhile.
 */
export type ShredVacuumMode = 'vacuum' | 'full' | 'off';

/**
 * An UPDATE that nulls a wrapped key leaves the old row version, key included, in the table file
 * until VACUUM removes it; so every shred is followed by a VACUUM of vault_subject_keys. Shreds come
 * in bursts (a retention run), so VACUUMs coalesce: one runs, at most one waits, and every shred
 * is covered by a VACUUM that started after its UPDATE committed. Failures are logged, never
 * thrown: the keys are destroyed either way.
 */
export class ShredVacuum {
  private running?: Promise<void>;
  private queued?: Promise<void>;
  private warnedSkip = false;

  constructor(
    private readonly tables: VaultTables,
    private readonly mode: ShredVacuumMode,
    private readonly logger: Logger,
  ) {}

  request(): Promise<void> {
    if (this.mode === 'off') return Promise.resolve();
    if (this.queued) return this.queued;
    const queued: Promise<void> = (this.running ?? Promise.resolve())
      .then(() => {
        this.queued = undefined;
        this.running = queued;
        return this.once();
      })
      .finally(() => {
        if (this.running === queued) this.running = undefined;
      });
    this.queued = queued;
    return queued;
  }

  private async once(): Promise<void> {
    try {
      const outcome = await this.tables.vacuumDataKeys(this.mode === 'full');
      if (!outcome.ran && !this.warnedSkip) {
        this.warnedSkip = true;
        this.logger.warn(
          { warnings: outcome.warnings },
          'VACUUM vault_subject_keys was skipped: the database role may not vacuum it (PostgreSQL < 17 without ' +
            'MAINTAIN, or the grant is missing); shredded keys stay in dead row versions until autovacuum or ' +
            'the table owner vacuums it, see docs/key-management.md',
        );
      }
    } catch (error) {
      this.logger.warn({ err: error }, 'VACUUM vault_subject_keys after a shred failed; the keys are destroyed, their dead row versions remain');
    }
  }
}
