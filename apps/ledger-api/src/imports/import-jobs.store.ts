import { Inject, Injectable } from '@nestjs/common';
import { Pool, PoolClient } from 'pg';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import type { Role } from '@pi-ledger/access-control/roles';
import { ColumnMapping, RowProblem } from './import-columns';
import { ImportFormat } from './import-reader';
import type { ImportKind } from './import-record-kinds';

export const DUPLICATE_POLICIES = ['skip', 'update', 'create-and-flag'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];
export type ImportState = 'queued' | 'running' | 'completed' | 'cancelled' | 'failed';
/** `imported`: a new customer (flagged when it matched one); `updated`: a match corrected; `skipped`: a match left alone. */
export type RowOutcome = 'imported' | 'updated' | 'skipped' | 'refused';
/** `imported_before`: a record import's rows, written by an earlier job of the same file (named by `jobId`). */
export type MatchReason = 'id_number' | 'phone' | 'email' | 'name_birth_date' | 'imported_before';

export interface ImportOptions {
  purposeId: string;
  noticeVersion: string;
  channel: string;
  onDuplicate: DuplicatePolicy;
  mapping: ColumnMapping;
  /** Named by the caller; absent: detected. */
  encoding?: 'utf-8' | 'gb18030';
}

export interface ImportActor {
  id: string;
  roles: Role[];
  departmentId?: string;
}

export interface ImportJob {
  jobId: string;
  kind: ImportKind;
  runner: 'api' | 'cli';
  state: ImportState;
  dryRun: boolean;
  format: ImportFormat;
  encoding: string | null;
  options: ImportOptions;
  actor: ImportActor;
  filePath: string | null;
  fileSha256: string;
  fileBytes: number;
  bytesRead: number;
  rowsTotal: number | null;
  unknownColumns: string[];
  failure: string | null;
  cancelRequested: boolean;
  createdAt: string;
  runStartedAt: string | null;
  runRowsBefore: number;
  finishedAt: string | null;
  /** Seconds since this run started, by the database's clock (a metric, not a decision). */
  runSeconds: number | null;
}

/** A match with an existing customer or an earlier row: ids only, never the values that matched. */
export interface RowMatch {
  subjectId: string;
  reasons: MatchReason[];
  /** The earlier row of the same file it matched. */
  sourceRow?: number;
  /** How many customers matched in all (the first is named). */
  candidates: number;
  /** The earlier job that imported the same rows (records). */
  jobId?: string;
}

export interface RowRecord {
  rowNumber: number;
  outcome: RowOutcome;
  flagged?: boolean;
  subjectId?: string;
  problems?: RowProblem[];
  match?: RowMatch;
  /** Blind-index keys of the row, for later rows of the file (kept until the job ends). */
  keys?: string[];
}

export interface RowCounts {
  rows: number;
  imported: number;
  updated: number;
  skipped: number;
  refused: number;
  flagged: number;
  duplicates: number;
}

const JOB_COLUMNS = `job_id, kind, runner, state, dry_run, format, encoding, options, actor, file_path, file_sha256, file_bytes, bytes_read, rows_total,
  unknown_columns, failure, cancel_requested, created_at, run_started_at, run_rows_before, finished_at,
  EXTRACT(EPOCH FROM clock_timestamp() - run_started_at)::float8 AS run_seconds`;

/** The import tables (migration 1763900130000): jobs, their rows' outcomes, the keys of their rows while they run. */
@Injectable()
export class ImportJobsStore {
  constructor(@Inject(PG_POOL) readonly pool: Pool) {}

  async create(
    job: Pick<ImportJob, 'jobId' | 'kind' | 'runner' | 'dryRun' | 'format' | 'options' | 'actor' | 'filePath' | 'fileSha256' | 'fileBytes' | 'createdAt'>,
  ): Promise<void> {
    await this.pool.query(
      `INSERT INTO import_jobs (job_id, kind, runner, state, dry_run, format, options, actor, file_path, file_sha256, file_bytes, created_at)
       VALUES ($1, $11, $2, 'queued', $3, $4, $5, $6, $7, $8, $9, $10)`,
      [job.jobId, job.runner, job.dryRun, job.format, job.options, job.actor, job.filePath, job.fileSha256, job.fileBytes, job.createdAt, job.kind],
    );
  }

  async get(jobId: string): Promise<ImportJob | undefined> {
    const { rows } = await this.pool.query(`SELECT ${JOB_COLUMNS} FROM import_jobs WHERE job_id = $1`, [jobId]);
    return rows[0] && toJob(rows[0]);
  }

  /** The latest job of this file's content by this runner, of this kind, not a dry run: a re-run of the CLI finds it. */
  async latestForFile(sha256: string, runner: 'api' | 'cli', kind: ImportKind): Promise<ImportJob | undefined> {
    const { rows } = await this.pool.query(
      `SELECT ${JOB_COLUMNS} FROM import_jobs WHERE file_sha256 = $1 AND runner = $2 AND kind = $3 AND NOT dry_run AND state <> 'failed' ORDER BY created_at DESC, job_id DESC LIMIT 1`,
      [sha256, runner, kind],
    );
    return rows[0] && toJob(rows[0]);
  }

  async open(runner: 'api' | 'cli'): Promise<string[]> {
    const { rows } = await this.pool.query(`SELECT job_id FROM import_jobs WHERE runner = $1 AND state IN ('queued', 'running') ORDER BY created_at, job_id`, [runner]);
    return rows.map((row) => row.job_id as string);
  }

  async started(jobId: string, encoding: string | null, unknownColumns: string[], rowsBefore: number): Promise<void> {
    await this.pool.query(
      `UPDATE import_jobs SET state = 'running', encoding = $2, unknown_columns = $3, run_started_at = clock_timestamp(), run_rows_before = $4 WHERE job_id = $1`,
      [jobId, encoding, unknownColumns, rowsBefore],
    );
  }

  /** How far the reading is; returns whether a cancel was asked for. */
  async progress(jobId: string, bytesRead: number): Promise<boolean> {
    const { rows } = await this.pool.query(`UPDATE import_jobs SET bytes_read = GREATEST(bytes_read, $2) WHERE job_id = $1 RETURNING cancel_requested`, [jobId, bytesRead]);
    return rows[0]?.cancel_requested === true;
  }

  async finish(jobId: string, state: 'completed' | 'cancelled' | 'failed', finishedAt: string, rowsTotal: number | null, failure?: string): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `UPDATE import_jobs SET state = $2, finished_at = $3, rows_total = COALESCE($4, rows_total), failure = $5, file_path = NULL,
                bytes_read = CASE WHEN $2 = 'completed' THEN file_bytes ELSE bytes_read END WHERE job_id = $1`,
        [jobId, state, finishedAt, rowsTotal, failure ?? null],
      );
      await client.query(`DELETE FROM import_job_keys WHERE job_id = $1`, [jobId]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async requestCancel(jobId: string): Promise<void> {
    await this.pool.query(`UPDATE import_jobs SET cancel_requested = true WHERE job_id = $1`, [jobId]);
  }

  /** Rows' outcomes and keys, once, in one transaction (a record's rows together): a row recorded already keeps its first outcome. */
  async record(jobId: string, records: readonly RowRecord[]): Promise<void> {
    const client: PoolClient = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(
        `INSERT INTO import_job_rows (job_id, row_number, outcome, flagged, subject_id, problems, match)
         SELECT $1, r.row_number, r.outcome, r.flagged, r.subject_id, r.problems, r.match
           FROM jsonb_to_recordset($2::jsonb) AS r(row_number int, outcome text, flagged boolean, subject_id text, problems jsonb, match jsonb)
         ON CONFLICT (job_id, row_number) DO NOTHING`,
        [
          jobId,
          JSON.stringify(
            records.map((row) => ({
              row_number: row.rowNumber,
              outcome: row.outcome,
              flagged: row.flagged ?? false,
              subject_id: row.subjectId ?? null,
              problems: row.problems ?? null,
              match: row.match ?? null,
            })),
          ),
        ],
      );
      const keys = records.flatMap((row) => (row.keys?.length && row.subjectId ? row.keys.map((key) => ({ key, row_number: row.rowNumber, subject_id: row.subjectId })) : []));
      if (keys.length > 0) {
        await client.query(
          `INSERT INTO import_job_keys (job_id, key, row_number, subject_id)
           SELECT $1, k.key, k.row_number, k.subject_id FROM jsonb_to_recordset($2::jsonb) AS k(key text, row_number int, subject_id text)
           ON CONFLICT (job_id, key) DO NOTHING`,
          [jobId, JSON.stringify(keys)],
        );
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  async recordedRows(jobId: string): Promise<Set<number>> {
    const { rows } = await this.pool.query(`SELECT row_number FROM import_job_rows WHERE job_id = $1`, [jobId]);
    return new Set(rows.map((row) => row.row_number as number));
  }

  /** Of `keys`, those a recorded row of the job claimed, with the row and its customer. */
  async keys(jobId: string, keys: readonly string[]): Promise<Map<string, { rowNumber: number; subjectId: string }>> {
    const { rows } = await this.pool.query(`SELECT key, row_number, subject_id FROM import_job_keys WHERE job_id = $1 AND key = ANY($2::text[])`, [jobId, keys]);
    return new Map(rows.map((row) => [row.key as string, { rowNumber: row.row_number as number, subjectId: row.subject_id as string }]));
  }

  async counts(jobId: string): Promise<RowCounts> {
    const { rows } = await this.pool.query(
      `SELECT count(*)::int AS rows,
              count(*) FILTER (WHERE outcome = 'imported')::int AS imported,
              count(*) FILTER (WHERE outcome = 'updated')::int AS updated,
              count(*) FILTER (WHERE outcome = 'skipped')::int AS skipped,
              count(*) FILTER (WHERE outcome = 'refused')::int AS refused,
              count(*) FILTER (WHERE flagged)::int AS flagged,
              count(*) FILTER (WHERE match IS NOT NULL)::int AS duplicates
         FROM import_job_rows WHERE job_id = $1`,
      [jobId],
    );
    return rows[0] as RowCounts;
  }

  /** Rows of one kind in row order, after `afterRow`: `refused` (the errors) or `duplicates` (rows with a match). */
  async rows(jobId: string, which: 'refused' | 'duplicates', afterRow: number, limit: number): Promise<RowRecord[]> {
    const { rows } = await this.pool.query(
      `SELECT row_number, outcome, flagged, subject_id, problems, match FROM import_job_rows
        WHERE job_id = $1 AND row_number > $2 AND ${which === 'refused' ? `outcome = 'refused'` : 'match IS NOT NULL'}
        ORDER BY row_number LIMIT $3`,
      [jobId, afterRow, limit],
    );
    return rows.map((row) => ({
      rowNumber: row.row_number,
      outcome: row.outcome,
      flagged: row.flagged,
      ...(row.subject_id ? { subjectId: row.subject_id } : {}),
      ...(row.problems ? { problems: row.problems } : {}),
      ...(row.match ? { match: row.match } : {}),
    }));
  }
}

function toJob(row: Record<string, unknown>): ImportJob {
  const iso = (value: unknown) => (value instanceof Date ? value.toISOString() : null);
  return {
    jobId: row.job_id as string,
    kind: row.kind as ImportKind,
    runner: row.runner as 'api' | 'cli',
    state: row.state as ImportState,
    dryRun: row.dry_run as boolean,
    format: row.format as ImportFormat,
    encoding: row.encoding as string | null,
    options: row.options as ImportOptions,
    actor: row.actor as ImportActor,
    filePath: row.file_path as string | null,
    fileSha256: row.file_sha256 as string,
    fileBytes: Number(row.file_bytes),
    bytesRead: Number(row.bytes_read),
    rowsTotal: row.rows_total as number | null,
    unknownColumns: row.unknown_columns as string[],
    failure: row.failure as string | null,
    cancelRequested: row.cancel_requested as boolean,
    createdAt: iso(row.created_at)!,
    runStartedAt: iso(row.run_started_at),
    runRowsBefore: row.run_rows_before as number,
    finishedAt: iso(row.finished_at),
    runSeconds: row.run_seconds === null ? null : Number(row.run_seconds),
  };
}
