import { Inject, Injectable } from '@nestjs/common';
import { Pool } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { PII_VAULT } from '@pi-ledger/pii-vault/pii-vault.module';
import { PiiVault } from '@pi-ledger/pii-vault/pii-vault';
import { DomainError } from '@pi-ledger/ledger-domain/domain-error';
import { EVENT_STORE } from '@pi-ledger/event-store/event-store.module';
import { EventStore } from '@pi-ledger/event-store/event-store.port';
import { SubjectEvent, subjectStream } from '@pi-ledger/ledger-domain/subject/subject.events';
import { evolveSubject, initialSubjectState } from '@pi-ledger/ledger-domain/subject/subject.state';

/**
 * One ID-document number belongs to one active subject. The number is kept only as its blind
 * index (HMAC); the unique key decides races. A reservation whose subject never came to exist (a
 * crash between reserving and appending) or was erased is taken over.
 */
@Injectable()
export class SubjectIdNumbers {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PII_VAULT) private readonly vault: PiiVault,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  /** The number's blind index, and whether this call reserved it (false: the subject already held it). */
  async reserve(subjectId: string, idNumber: string): Promise<{ hash: string; fresh: boolean }> {
    const hash = this.hashOf(idNumber);
    const inserted = await this.pool.query(`INSERT INTO subject_id_numbers (id_number_hash, subject_id) VALUES ($1, $2) ON CONFLICT (id_number_hash) DO NOTHING`, [
      hash,
      subjectId,
    ]);
    if (inserted.rowCount === 1) return { hash, fresh: true };
    const holder = await this.holderOf(idNumber);
    if (holder === subjectId) return { hash, fresh: false };
    if (holder && (await this.isActive(holder))) {
      throw new DomainError('duplicate-subject', 'this ID-document number is already registered', { existingSubjectId: holder });
    }
    const taken = await this.pool.query(`UPDATE subject_id_numbers SET subject_id = $2, reserved_at = now() WHERE id_number_hash = $1 AND subject_id IS NOT DISTINCT FROM $3`, [
      hash,
      subjectId,
      holder ?? null,
    ]);
    if (taken.rowCount !== 1) return this.reserve(subjectId, idNumber);
    return { hash, fresh: true };
  }

  /**
   * A batch's reservations in one statement (an import's): each number free in the ledger is
   * reserved for its subject. Returns the subjects whose number was reserved now; a number held already (by
   * anyone, this subject included) or named twice in the batch is not, and takes `reserve`.
   */
  async reserveAll(claims: ReadonlyArray<{ subjectId: string; idNumber: string }>): Promise<Set<string>> {
    const hashes = claims.map((claim) => this.hashOf(claim.idNumber));
    const once = hashes.map((hash, index) => hashes.indexOf(hash) === index);
    const { rows } = await this.pool.query<{ subject_id: string }>(
      `INSERT INTO subject_id_numbers (id_number_hash, subject_id) SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT (id_number_hash) DO NOTHING RETURNING subject_id`,
      [hashes.filter((_, index) => once[index]), claims.filter((_, index) => once[index]).map((claim) => claim.subjectId)],
    );
    return new Set(rows.map((row) => row.subject_id));
  }

  /** The subject the number is reserved for, if any (erasure releases a subject's numbers). */
  async holderOf(idNumber: string): Promise<string | undefined> {
    const { rows } = await this.pool.query<{ subject_id: string | null }>(`SELECT subject_id FROM subject_id_numbers WHERE id_number_hash = $1`, [this.hashOf(idNumber)]);
    return rows[0]?.subject_id ?? undefined;
  }

  /** The number's blind index, as the table keeps it. */
  private hashOf(idNumber: string): string {
    return this.vault.blindIndex('id_number', idNumber);
  }

  /** Releases a batch's reservations (`reserveAll`) whose registrations were not written, in one statement. */
  async releaseAll(claims: ReadonlyArray<{ subjectId: string; idNumber: string }>): Promise<void> {
    if (claims.length === 0) return;
    await this.pool.query(
      `DELETE FROM subject_id_numbers n USING unnest($1::text[], $2::text[]) AS r(hash, subject_id) WHERE n.id_number_hash = r.hash AND n.subject_id = r.subject_id`,
      [claims.map((claim) => this.hashOf(claim.idNumber)), claims.map((claim) => claim.subjectId)],
    );
  }

  /** What `reserve` would refuse, without reserving (a dry run): the number held by another active subject. */
  async assertAvailable(subjectId: string, idNumber: string): Promise<void> {
    const { rows } = await this.pool.query(`SELECT subject_id FROM subject_id_numbers WHERE id_number_hash = $1`, [this.hashOf(idNumber)]);
    const holder: string | undefined = rows[0]?.subject_id;
    if (holder && holder !== subjectId && (await this.isActive(holder))) {
      throw new DomainError('duplicate-subject', 'this ID-document number is already registered', { existingSubjectId: holder });
    }
  }

  /** Drops this subject's other numbers (after a change of number) or all of them (keep = undefined). */
  async releaseOthers(subjectId: string, keep?: string): Promise<void> {
    await this.pool.query(`DELETE FROM subject_id_numbers WHERE subject_id = $1 AND id_number_hash IS DISTINCT FROM $2`, [subjectId, keep ?? null]);
  }

  async release(subjectId: string, hash: string): Promise<void> {
    await this.pool.query(`DELETE FROM subject_id_numbers WHERE subject_id = $1 AND id_number_hash = $2`, [subjectId, hash]);
  }

  private async isActive(subjectId: string): Promise<boolean> {
    // an erasure of some categories leaves the subject live: fold rather than look at the last event
    const events = await this.store.readStream<SubjectEvent>(subjectStream(subjectId));
    const state = events.reduce(evolveSubject, initialSubjectState());
    return state.status === 'active' || state.status === 'restricted';
  }
}
