import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ImportJobsService, ImportRunner } from '../apps/ledger-api/src/imports/import-runtime';
import { cleanRow, IMPORT_HEADERS, writeCsv } from './support/import-files';
import { startTestApi, TestApi } from './support/test-api';

/**
 * What an import costs the database, independent of the machine's load (issue #15, bench:import):
 * the SQL statements and transactions per imported row, counted at the pg client while a job of
 * clean rows runs (projections run elsewhere, so the count is the import's own).
 */
const ROWS = 300;

describe('import statements per row', () => {
  let api: TestApi;
  let dir: string;

  beforeAll(async () => {
    api = await startTestApi({ projector: 'external' });
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-import-statements-'));
  });

  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a batch of rows with a few statements and transactions per row, every row once', async () => {
    const path = join(dir, 'clean.csv');
    writeCsv(
      path,
      IMPORT_HEADERS,
      Array.from({ length: ROWS }, (_, i) => cleanRow(i, '计数', 7)),
    );
    const jobs = api.app.get(ImportJobsService);
    const jobId = await jobs.create({
      dto: jobs.validate({ purposeId: 'health-management', noticeVersion: 'v1' }),
      format: 'csv',
      path,
      runner: 'cli',
      actor: { id: 'statements', roles: ['staff'] },
    });
    const texts: string[] = [];
    // a write outside BEGIN … COMMIT is a transaction of its own
    const inTransaction = new WeakSet<Client>();
    let transactions = 0;
    const query = Client.prototype.query;
    const counting = function (this: Client, ...args: unknown[]) {
      const first = args[0] as string | { text?: string } | undefined;
      const text = typeof first === 'string' ? first : (first?.text ?? '');
      texts.push(text);
      if (/^\s*BEGIN\b/i.test(text)) {
        inTransaction.add(this);
        transactions++;
      } else if (/^\s*(COMMIT|ROLLBACK)\b/i.test(text)) inTransaction.delete(this);
      else if (!inTransaction.has(this) && /\b(INSERT|UPDATE|DELETE)\b/i.test(text)) transactions++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    };
    Client.prototype.query = counting as typeof query;
    try {
      await api.app.get(ImportRunner).run(jobId);
    } finally {
      Client.prototype.query = query;
    }
    const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events WHERE type = 'SubjectRegistered' AND metadata->>'importJobId' = $1`, [jobId]);
    expect(rows[0].n).toBe(ROWS);
    const statements = texts.filter((text) => !/^\s*(BEGIN|COMMIT|ROLLBACK)\b/i.test(text)).length / ROWS;
    process.stdout.write(`import of ${ROWS} rows: ${statements.toFixed(2)} statements and ${(transactions / ROWS).toFixed(2)} writing transactions per row\n`);
    if (process.env.IMPORT_STATEMENTS_DUMP) {
      const by = new Map<string, number>();
      for (const text of texts.map((text) => text.replace(/\s+/g, ' ').slice(0, 110))) by.set(text, (by.get(text) ?? 0) + 1);
      process.stdout.write(`${[...by].map(([text, count]) => `${count}\t${text}`).join('\n')}\n`);
    }
    // one at a time, a row took 9 statements, 2 of them writing transactions (its ID number, its events); in batches about 1 and 0.1
    expect(statements).toBeLessThan(3);
    expect(transactions / ROWS).toBeLessThan(1);
  });
});
