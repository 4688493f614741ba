/**
 * `npm run bench:import`: N customers (--rows, BENCH_IMPORT_ROWS, default 2,000) imported from a
 * GB18030 csv by an import job (the API's ImportRunner, in process), against registering other
 * customers with the same data through `POST /v1/subjects` at --connections (default 16)
 * requests in flight (fetch's keep-alive pool: as many connections), on the same API and database,
 * in the same run: as many as the import's (--http-rows, BENCH_IMPORT_HTTP_ROWS, default N; a large
 * run may compare rates on fewer). Peak RSS is sampled over the import's first half and its second:
 * flat memory is a second half no higher than the first. Every row is a full registration
 * (validation, ID-number reservation, data keys, sealing, customer number) either way; the import
 * writes the rows that arrive together in batches (RegisterSubjectHandler.executeBatch).
 */
import 'reflect-metadata';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import { createLedgerApi } from '../apps/ledger-api/src/ledger-api';
import { ImportJobsService, ImportRunner } from '../apps/ledger-api/src/imports/import-runtime';
import { ColumnKey, IMPORT_COLUMNS } from '../apps/ledger-api/src/imports/import-columns';
import { TokenService } from '@pi-ledger/access-control/token.service';
import { loadConfig } from '@pi-ledger/platform/config/ledger-config';
import { PG_POOL } from '@pi-ledger/platform/config/config.tokens';
import { ProjectionFreshness } from '../apps/ledger-api/src/application/projection-freshness';
import type { Pool } from 'pg';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import {
  apiConfig,
  environmentNote,
  formatCount,
  formatMiB,
  formatRatio,
  intOption,
  listenOnLoopback,
  loadAverage,
  loadNote,
  log,
  markdownTable,
  mobileNumber,
  PgActivitySampler,
  describeActivity,
  openBenchDatabase,
  realisticRegistration,
  residentIdNumber,
  RssSampler,
  runBench,
  serviceLogger,
  startingApp,
  writeDocSection,
} from './bench-support';

/** The csv of customers from..to-1 in the template's layout: the data of realisticRegistration(n), as a centre's spreadsheet holds it. */
function csvLines(from: number, to: number): string[] {
  const lines = [IMPORT_COLUMNS.map((column) => column.header).join(',')];
  for (let n = from; n < to; n++) {
    const values: Partial<Record<ColumnKey, string>> = {
      name: `张伟${n}`,
      gender: '男',
      birthDate: '1980-05-01',
      ethnicity: '汉族',
      idType: '居民身份证',
      idNumber: residentIdNumber(n),
      phone: mobileNumber(n).replace(/ /g, ''),
      email: `zhang.wei.${n}@example.cn`,
      province: '北京市',
      city: '北京市',
      district: '东城区',
      address: '东华门街道 12 号',
      employer: '北京某某科技有限公司',
      conditions: '2型糖尿病',
      allergies: '青霉素',
      consentCategories: '证件信息;健康信息;健康档案',
      consentDate: '2024-03-01',
      consentChannel: '纸质表单',
      consentReference: `F-${n}`,
    };
    lines.push(IMPORT_COLUMNS.map((column) => values[column.key] ?? '').join(','));
  }
  return lines;
}

/** Seconds until every read model has taken in the log as it stands now (the in-process projections' backlog). */
async function readModelsSettle(app: NestFastifyApplication): Promise<number> {
  const start = performance.now();
  const pool = app.get<Pool>(PG_POOL);
  const { rows } = await pool.query<{ name: string; tx: string; pos: string }>(
    `SELECT c.name, h.transaction_id::text AS tx, h.position::text AS pos FROM projection_checkpoints c
       CROSS JOIN (SELECT transaction_id, position FROM ledger_events ORDER BY transaction_id DESC, position DESC LIMIT 1) h WHERE c.status = 'running'`,
  );
  if (rows.length === 0) return 0;
  const head = { transactionId: Number(rows[0].tx), position: Number(rows[0].pos) };
  await app.get(ProjectionFreshness).waitForCheckpoint(
    rows.map((row) => row.name),
    head,
    3_600_000,
    "the log's head",
  );
  return (performance.now() - start) / 1000;
}

runBench(async (defer) => {
  const rows = intOption('rows', 'BENCH_IMPORT_ROWS', 2_000);
  const httpRows = intOption('http-rows', 'BENCH_IMPORT_HTTP_ROWS', rows);
  const connections = intOption('connections', 'BENCH_CONNECTIONS', 16);
  const startLoad = loadAverage();
  const database = await openBenchDatabase(defer);
  const config = await apiConfig(database, defer, loadConfig({ ...process.env, LOG_LEVEL: 'info', LEDGER_LOOKUP_LIMIT_PER_MINUTE: '0', LEDGER_IMPORT_SWEEP_MINUTES: '0' }));
  const app = await startingApp(() => createLedgerApi(config, serviceLogger()));
  const url = await listenOnLoopback(app, defer);
  const token = await app.get(TokenService).sign({ sub: 'bench', roles: ['staff'] });

  // HTTP: customers 0..rows-1, at `connections` requests in flight
  log(`registering ${formatCount(httpRows)} customers through POST /v1/subjects at ${connections} connections`);
  let next = 0;
  let failures = 0;
  const httpStart = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let n = next++; n < httpRows; n = next++) {
        const body = { ...realisticRegistration(n), data: { ...realisticRegistration(n).data, identity: { ...realisticRegistration(n).data.identity, name: `李娜${n}` } } };
        const response = await fetch(`${url}/v1/subjects`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
        });
        if (response.status !== 201) failures++;
        await response.arrayBuffer();
      }
    }),
  );
  const httpSeconds = (performance.now() - httpStart) / 1000;
  if (failures > 0) throw new Error(`${failures} registrations failed`);
  // the import starts on read models that have taken in the registrations: it does not pay for their backlog
  const httpSettle = await readModelsSettle(app);

  // the import: customers httpRows..httpRows+rows-1 (other ID numbers and phones), from a GB18030 csv, written in slices
  const dir = await mkdtemp(join(tmpdir(), 'pi-ledger-bench-import-'));
  defer(() => rm(dir, { recursive: true, force: true }));
  const file = join(dir, 'customers.csv');
  for (let from = httpRows; from < httpRows + rows; from += 10_000) {
    const lines = csvLines(from, Math.min(from + 10_000, httpRows + rows));
    const text = (from === httpRows ? lines : lines.slice(1)).join('\r\n');
    await appendFile(file, iconv.encode(from === httpRows ? text : `\r\n${text}`, 'gb18030'));
  }
  log(`importing ${formatCount(rows)} customers from a GB18030 csv`);
  const jobs = app.get(ImportJobsService);
  const jobId = await jobs.create({
    dto: jobs.validate({ purposeId: 'health-management', noticeVersion: 'v1' }),
    format: 'csv',
    path: file,
    runner: 'cli',
    actor: { id: 'bench', roles: ['staff'] },
  });
  // peak RSS per tenth of the rows: flat memory is a last tenth no higher than the first ones
  let rss = new RssSampler();
  const tenths: number[] = [];
  // BENCH_IMPORT_ACTIVITY=1: what the database's backends are busy with during the import (a sampler's own load on the run)
  const activity = process.env.BENCH_IMPORT_ACTIVITY === '1' ? await PgActivitySampler.start(database.url) : undefined;
  const importStart = performance.now();
  let imported = 0;
  await app.get(ImportRunner).run(jobId, {
    onProgress: ({ counts }) => {
      imported = counts.imported;
      while (tenths.length < 9 && counts.rows >= ((tenths.length + 1) * rows) / 10) {
        tenths.push(rss.stop());
        rss = new RssSampler();
        const seconds = (performance.now() - importStart) / 1000;
        log(
          `${formatCount(counts.rows)} rows in ${seconds.toFixed(0)} s (${formatCount(counts.rows / seconds)} rows/s), peak RSS of that tenth ${formatMiB(tenths[tenths.length - 1])}`,
        );
      }
    },
  });
  const importSeconds = (performance.now() - importStart) / 1000;
  tenths.push(rss.stop());
  if (activity) log(`database during the import: ${describeActivity(await activity.stop(), 15)}`);
  const importSettle = await readModelsSettle(app);
  const firstHalfPeak = Math.max(...tenths.slice(0, 5));
  const secondHalfPeak = Math.max(...tenths.slice(5));
  const peak = Math.max(...tenths);
  if (imported !== rows) throw new Error(`imported ${imported} of ${rows} rows`);

  const httpRate = httpRows / httpSeconds;
  const importRate = rows / importSeconds;
  const table = markdownTable(
    ['path', 'customers', 'seconds', 'rows/s', 'read models settled after'],
    [
      [`POST /v1/subjects, ${connections} connections`, formatCount(httpRows), httpSeconds.toFixed(1), formatCount(httpRate), `${httpSettle.toFixed(1)} s`],
      ['import job (GB18030 csv)', formatCount(rows), importSeconds.toFixed(1), formatCount(importRate), `${importSettle.toFixed(1)} s`],
    ],
    ['left', 'right', 'right', 'right', 'right'],
  );
  const body = [
    '## bench:import',
    '',
    `${formatCount(rows)} customers imported, ${formatCount(httpRows)} registered over HTTP (a modest N on this shared machine: \`--rows\` / \`BENCH_IMPORT_ROWS\` for more); import ÷ HTTP = **${formatRatio(importRate / httpRate)}** in rows/s; peak RSS of the process during the import's first half ${formatMiB(firstHalfPeak)}, second half ${formatMiB(secondHalfPeak)} (whole import ${formatMiB(peak)}; per tenth of the rows: ${tenths.map(formatMiB).join(', ')}).`,
    '',
    table,
    '',
    `Every row is a full registration either way (validation, consent, minors and purpose by the same decider, ID-number reservation, data keys, sealing, customer number); the import adds the duplicate look-ups and the row's outcome, and writes the rows that arrive together (up to 256 in flight) in batches: their ID numbers (one statement), their subjects' streams with their data keys (one multi-stream append), their customer numbers (one append) and their outcomes (one transaction), with the registry and access matrix read once per batch. Rows/s count until the last row is acknowledged; the in-process projections (read models) take the log in behind, and the import starts only once they have taken in the HTTP phase's registrations (the last column: how long they needed after each phase). Counted at the pg client (test/import-statements.e2e-spec.ts, load-independent): 0.9–1.1 SQL statements and 0.1 writing transactions per row on a 300-row import, against 8.9 and 2.3 (96 rows) when each row was registered and looked up alone. The large run: \`BENCH_IMPORT_ROWS=1000000 BENCH_IMPORT_HTTP_ROWS=20000 npm run bench:import\` (and 100000), comparing the peak RSS of the tenths. ${environmentNote(database)} ${loadNote(startLoad)}`,
  ].join('\n');
  log(body);
  await writeDocSection('import', body);
});
