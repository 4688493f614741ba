import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { LedgerCliModule } from '../apps/ledger-cli/src/ledger-cli.module';
import { loadConfig } from '../libs/platform/src/config/ledger-config';
import { runCli } from './support/cli-run';
import { cleanRow, IMPORT_HEADERS, ImportRow, writeCsv, writeXlsx } from './support/import-files';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { waitUntil } from './support/wait-until';

/** Customer import jobs over HTTP and the CLI (issue #15): formats, the same rules as POST /v1/subjects, duplicates, nothing lost and nothing twice. */
const HM = 'health-management';
/** A parsed JSON body, read loosely as the specs do. */
type Json = ReturnType<typeof JSON.parse>;
const ADULT = residentId('1985-07-20', 11);

describe('customer imports', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let dir: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    staff = await tokens(api).staff();
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-imports-'));
  });

  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function upload(path: string, fields: Record<string, string> = {}, target: TestApi = api) {
    const form = new FormData();
    for (const [name, value] of Object.entries({ purposeId: HM, noticeVersion: 'v1', ...fields })) form.append(name, value);
    form.append('file', new Blob([readFileSync(path)]), path.split('/').pop());
    const response = await target.request('/v1/imports', { method: 'POST', headers: { authorization: `Bearer ${staff}` }, body: form });
    return { status: response.status, body: (await response.json()) as Json };
  }

  const status = async (jobId: string, target: TestApi = api) => (await jsonRequest(target)('GET', `/v1/imports/${jobId}`, staff)).body;
  const finished = (jobId: string, target: TestApi = api, timeoutMs = 60_000) =>
    waitUntil(
      `import ${jobId} to end`,
      async () => {
        const job = await status(jobId, target);
        return ['completed', 'cancelled', 'failed'].includes(job.state) ? job : undefined;
      },
      timeoutMs,
      100,
    );
  const registeredBy = async (jobId: string) =>
    (
      await api.database.pool.query(
        `SELECT metadata->>'importRow' AS row, stream_id FROM ledger_events WHERE type = 'SubjectRegistered' AND metadata->>'importJobId' = $1 ORDER BY (metadata->>'importRow')::int`,
        [jobId],
      )
    ).rows as Array<{ row: string; stream_id: string }>;

  it('offers the template with Chinese headers, as xlsx and as csv', async () => {
    const csv = await api.request('/v1/imports/template?format=csv', { headers: { authorization: `Bearer ${staff}` } });
    expect(csv.status).toBe(200);
    const text = await csv.text();
    expect(
      text
        .split('\r\n')[0]
        .replace(/^\uFEFF/, '')
        .split(','),
    ).toEqual(expect.arrayContaining(['姓名', '性别', '出生日期', '证件类型', '证件号码', '手机号', '同意类别', '同意凭证']));
    const xlsx = await api.request('/v1/imports/template', { headers: { authorization: `Bearer ${staff}` } });
    expect(xlsx.headers.get('content-type')).toContain('spreadsheetml');
    expect(
      Buffer.from(await xlsx.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
  });

  const ROWS = 10_000;
  it('imports a generated xlsx of 10,000 customers, each registration carrying its job and row', async () => {
    const path = join(dir, 'clean.xlsx');
    const rows = Array.from({ length: ROWS }, (_, i) => cleanRow(i));
    await writeXlsx(path, IMPORT_HEADERS, rows);
    const created = await upload(path);
    expect(created.status).toBe(202);
    expect(created.body).toEqual(expect.objectContaining({ state: 'queued', format: 'xlsx', dryRun: false }));
    const job = await finished(created.body.jobId, api, 240_000);
    expect(job).toEqual(expect.objectContaining({ state: 'completed', unknownColumns: [] }));
    expect(job.rows).toEqual(expect.objectContaining({ read: ROWS, total: ROWS, imported: ROWS, refused: 0, duplicates: 0 }));
    const registered = await registeredBy(created.body.jobId);
    expect(registered.map((event) => Number(event.row))).toEqual(Array.from({ length: ROWS }, (_, i) => i + 2));
    expect(new Set(registered.map((event) => event.stream_id)).size).toBe(ROWS);
    // the consent's evidence is recorded with it, in clear (no PI in it)
    const consent = await api.database.pool.query(
      `SELECT data->'evidence' AS evidence FROM ledger_events WHERE type = 'ConsentGranted' AND metadata->>'importRow' = '2' AND metadata->>'importJobId' = $1`,
      [created.body.jobId],
    );
    expect(consent.rows[0].evidence).toEqual({ givenOn: '2024-03-01', channel: '纸质表单', reference: 'F-0' });
    // the uploaded file is gone with the job
    expect(readdirSync(join(api.dataDir, 'imports'))).toEqual([]);
  }, 300_000);

  describe('a GB18030 csv with deliberate errors', () => {
    const existingPhone = '13900001111';
    const rows: ImportRow[] = [
      /* 2 */ [
        '王小红',
        '女',
        '1985-07-20',
        '居民身份证',
        ADULT,
        '13700009999',
        'wxh@example.cn',
        '高血压',
        '证件信息;健康信息',
        '2024-01-05',
        '纸质表单',
        'F-1',
        undefined,
        undefined,
        '老客户',
      ],
      /* 3 */ [
        '错号码',
        '男',
        '1985-07-20',
        '居民身份证',
        ADULT.slice(0, 17) + (ADULT[17] === '0' ? '1' : '0'),
        undefined,
        undefined,
        undefined,
        '证件信息',
        '2024-01-05',
        undefined,
        undefined,
        undefined,
        undefined,
      ],
      /* 4 */ ['坏日期', '男', '2023-02-30', undefined, undefined, '13700008888', undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
      /* 5 */ ['无同意', '女', '1970-01-01', undefined, undefined, '13700007777', undefined, '糖尿病', undefined, undefined, undefined, undefined, undefined, undefined],
      /* 6 */ ['小孩子', '男', '2018-04-04', undefined, undefined, undefined, undefined, undefined, '身份信息', '2024-01-05', undefined, undefined, undefined, undefined],
      /* 7 */ ['王小红', '女', '1985-07-20', '居民身份证', ADULT, undefined, undefined, undefined, '证件信息', '2024-01-05', undefined, undefined, undefined, undefined],
      /* 8 */ ['同号码', '男', '1990-02-02', undefined, undefined, existingPhone, undefined, undefined, undefined, undefined, undefined, undefined, undefined, undefined],
      /* 9 */ ['小明明', '男', '2018-04-04', undefined, undefined, undefined, undefined, undefined, '身份信息', '2024-01-05', '纸质表单', 'F-9', '王大明', '父亲'],
    ];
    const pi = ['王小红', ADULT, '13700009999', 'wxh@example.cn', '错号码', '坏日期', '无同意', '小孩子', '同号码', existingPhone, '小明明', '王大明', '糖尿病', '高血压'];
    let existing: { subjectId: string; customerNumber: string };
    let jobId: string;
    let job: Json;

    beforeAll(async () => {
      const registered = await call(
        'POST',
        '/v1/subjects',
        staff,
        registration({ consents: [], data: { identity: { name: '老客户', birthDate: '1990-02-02' }, contact: { phone: existingPhone } } }),
      );
      existing = registered.body;
      // the read models: the duplicate keys (matched by phone) and the customer number (named in the duplicates report)
      await api.readModelsCaughtUp();
      const path = join(dir, 'errors.csv');
      writeCsv(path, [...IMPORT_HEADERS, '备注'], rows);
      const created = await upload(path);
      expect(created.status).toBe(202);
      jobId = created.body.jobId;
      job = await finished(jobId);
    });

    it('detects GB18030, reports the unknown column, and accounts for every row', () => {
      expect(job).toEqual(expect.objectContaining({ state: 'completed', encoding: 'gb18030', unknownColumns: ['备注'] }));
      expect(job.rows).toEqual(expect.objectContaining({ read: 8, total: 8, imported: 2, refused: 4, skipped: 2, updated: 0, duplicates: 2 }));
      expect(job.rows.imported + job.rows.refused + job.rows.skipped).toBe(8);
    });

    it('names each refused row, its column and the API’s own code', async () => {
      const errors = await call('GET', `/v1/imports/${jobId}/errors`, staff);
      expect(errors.status).toBe(200);
      expect(errors.body.items.map((e: Json) => [e.row, e.column, e.code])).toEqual([
        [3, '证件号码', 'validation-failed'],
        [4, '出生日期', 'validation-failed'],
        [5, '同意类别', 'separate-consent-required'],
        [6, '监护人姓名', 'guardian-consent-required'],
      ]);
      const csv = await api.request(`/v1/imports/${jobId}/errors?format=csv`, { headers: { authorization: `Bearer ${staff}` } });
      const text = await csv.text();
      expect(text.split('\r\n').filter(Boolean)).toHaveLength(5);
      expect(text).toContain('3,证件号码,validation-failed,');
      for (const value of pi) {
        expect(JSON.stringify(errors.body)).not.toContain(value);
        expect(text).not.toContain(value);
      }
    });

    it('reports duplicates within the file and against the ledger with the match, never the values', async () => {
      const duplicates = await call('GET', `/v1/imports/${jobId}/duplicates`, staff);
      const [inFile, inLedger] = duplicates.body.items;
      const registered = await registeredBy(jobId);
      expect(registered.map((event) => event.row)).toEqual(['2', '9']);
      expect(inFile).toEqual(expect.objectContaining({ row: 7, outcome: 'skipped', match: expect.objectContaining({ sourceRow: 2, reasons: ['id_number', 'name_birth_date'] }) }));
      expect(`subject-${inFile.match.subjectId}`).toBe(registered[0].stream_id);
      expect(inLedger).toEqual(
        expect.objectContaining({
          row: 8,
          outcome: 'skipped',
          match: expect.objectContaining({ subjectId: existing.subjectId, customerNumber: existing.customerNumber, reasons: ['phone'] }),
        }),
      );
      for (const value of pi) expect(JSON.stringify(duplicates.body)).not.toContain(value);
    });

    it('writes none of the file’s personal data to the logs', () => {
      const logs = api.logLines.join('\n');
      for (const value of pi) expect(logs).not.toContain(value);
    });
  });

  it('a dry run checks every row and writes nothing to the ledger', async () => {
    const path = join(dir, 'dry.csv');
    writeCsv(path, IMPORT_HEADERS, [cleanRow(1, '试运行', 1), ['坏日期', '男', '2023-02-30', ...Array(11).fill(undefined)]], 'utf-8');
    const before = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n;
    const created = await upload(path, { dryRun: 'true' });
    const job = await finished(created.body.jobId);
    expect(job).toEqual(expect.objectContaining({ dryRun: true, state: 'completed', encoding: 'utf-8' }));
    expect(job.rows).toEqual(expect.objectContaining({ read: 2, imported: 1, refused: 1 }));
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n).toBe(before);
    expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM subject_id_numbers`)).rows[0].n).toBe(
      (await api.database.pool.query(`SELECT count(*)::int AS n FROM subject_id_numbers`)).rows[0].n,
    );
  });

  it('corrects the matched customer under `update`, and creates and flags under `create-and-flag`', async () => {
    const first = join(dir, 'first.csv');
    writeCsv(first, IMPORT_HEADERS, [cleanRow(1, '更新', 2)], 'utf-8');
    const original = await finished((await upload(first)).body.jobId);
    expect(original.rows.imported).toBe(1);
    // this customer's match keys, which the phone match of the last job below reads (not just any customer's phone)
    const [{ stream_id: stream }] = await registeredBy(original.jobId);
    const keyed = async () =>
      (await api.database.pool.query(`SELECT 1 FROM duplicate_keys WHERE subject_id = $1 AND reason = 'phone'`, [stream.replace(/^subject-/, '')])).rowCount ? true : undefined;
    await waitUntil('the match keys', keyed);
    const again = join(dir, 'again.csv');
    const changed = cleanRow(1, '更新', 2);
    changed[7] = '冠心病';
    writeCsv(again, IMPORT_HEADERS, [changed], 'utf-8');
    const updated = await finished((await upload(again, { onDuplicate: 'update' })).body.jobId);
    expect(updated.rows).toEqual(expect.objectContaining({ updated: 1, imported: 0 }));
    const corrections = await api.database.pool.query(`SELECT type FROM ledger_events WHERE metadata->>'importJobId' = $1 ORDER BY position`, [updated.jobId]);
    expect(corrections.rows.map((row) => row.type)).toEqual(expect.arrayContaining(['DataCorrected']));

    // a row sharing only the phone (a family member, say) is not written over the customer: skipped, listed for a person to check
    const sharesPhone = cleanRow(7, '家人', 2);
    sharesPhone[5] = cleanRow(1, '更新', 2)[5];
    const family = join(dir, 'family.csv');
    writeCsv(family, IMPORT_HEADERS, [sharesPhone], 'utf-8');
    const weak = await finished((await upload(family, { onDuplicate: 'update' })).body.jobId);
    expect(weak.rows).toEqual(expect.objectContaining({ updated: 0, imported: 0, skipped: 1, duplicates: 1 }));
    const listed = await call('GET', `/v1/imports/${weak.jobId}/duplicates`, staff);
    expect(listed.body.items).toEqual([expect.objectContaining({ row: 2, outcome: 'skipped', match: expect.objectContaining({ reasons: ['phone'] }) })]);
    expect((await api.database.pool.query(`SELECT 1 FROM ledger_events WHERE metadata->>'importJobId' = $1`, [weak.jobId])).rowCount).toBe(0);

    const flagged = join(dir, 'flag.csv');
    writeCsv(flagged, IMPORT_HEADERS, [['别名', '男', '1990-02-02', undefined, undefined, cleanRow(1, '', 2)[5], ...Array(8).fill(undefined)]], 'utf-8');
    const created = await finished((await upload(flagged, { onDuplicate: 'create-and-flag' })).body.jobId);
    expect(created.rows).toEqual(expect.objectContaining({ imported: 1, flagged: 1, duplicates: 1 }));
  });

  it('finds a customer of the ledger by name and birth date together, through the duplicate read model’s keys', async () => {
    const row = cleanRow(5, '同名', 8);
    const [name, , birthDate] = row as string[];
    const registered = await call('POST', '/v1/subjects', staff, registration({ consents: [], data: { identity: { name, birthDate }, contact: { phone: '13911112222' } } }));
    expect(registered.status).toBe(201);
    await api.readModelsCaughtUp();
    const path = join(dir, 'same-name.csv');
    // the same name and birth date (another ID number and phone); the same name born on another day is someone else
    const otherDay = cleanRow(6, '同名', 8);
    otherDay[0] = name;
    writeCsv(path, IMPORT_HEADERS, [row, otherDay], 'utf-8');
    const job = await finished((await upload(path)).body.jobId);
    expect(job.rows).toEqual(expect.objectContaining({ read: 2, imported: 1, skipped: 1, duplicates: 1 }));
    const duplicates = await call('GET', `/v1/imports/${job.jobId}/duplicates`, staff);
    expect(duplicates.body.items).toEqual([
      expect.objectContaining({ row: 2, outcome: 'skipped', match: expect.objectContaining({ subjectId: registered.body.subjectId, reasons: ['name_birth_date'] }) }),
    ]);
  });

  it('refuses a job it cannot run before it starts: no file, bad settings, no known column', async () => {
    const form = new FormData();
    form.append('purposeId', HM);
    const missing = await api.request('/v1/imports', { method: 'POST', headers: { authorization: `Bearer ${staff}` }, body: form });
    expect(missing.status).toBe(400);
    const path = join(dir, 'nothing.csv');
    writeCsv(path, ['鞋码', '爱好'], [['42', '跑步']], 'utf-8');
    const unknown = await upload(path);
    expect(unknown.status).toBe(400);
    const bad = await upload(path, { onDuplicate: 'merge', mapping: '{"鞋码": "姓名"}' });
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'onDuplicate' })]);
    expect((await upload(path, { purposeId: 'no-such-purpose' })).body.code).toBe('unknown-purpose');
  });

  it('resumes a job after the API stops mid-way, and registers no customer twice', async () => {
    const path = join(dir, 'restart.xlsx');
    await writeXlsx(
      path,
      IMPORT_HEADERS,
      Array.from({ length: 600 }, (_, i) => cleanRow(i, '重启', 5)),
    );
    const created = await upload(path);
    const jobId = created.body.jobId;
    await waitUntil('some rows done', async () => ((await status(jobId)).rows.read >= 50 ? true : undefined), 60_000, 20);
    await api.closeApp();
    const stopped = (
      await api.database.pool.query(`SELECT state, (SELECT count(*)::int FROM import_job_rows WHERE job_id = $1) AS rows FROM import_jobs WHERE job_id = $1`, [jobId])
    ).rows[0];
    expect(stopped.state).toBe('running');
    expect(stopped.rows).toBeLessThan(600);

    api = await startTestApi({}, { reuse: { database: api.database, dataDir: api.dataDir } });
    call = jsonRequest(api);
    staff = await tokens(api).staff();
    const job = await finished(jobId, api, 240_000);
    expect(job.rows).toEqual(expect.objectContaining({ read: 600, total: 600, imported: 600, refused: 0, duplicates: 0 }));
    const registered = await registeredBy(jobId);
    expect(registered).toHaveLength(600);
    expect(new Set(registered.map((event) => event.row)).size).toBe(600);
  }, 300_000);

  describe('ledger import customers', () => {
    const cli = (...args: string[]) => {
      const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: api.database.url, dataDir: api.dataDir };
      return runCli(LedgerCliModule.forRoot(config, pino({ level: 'silent' })), ['import', 'customers', ...args]);
    };

    it('runs the job in process with the same rules, and a re-run of the same file imports nothing twice', async () => {
      const path = join(dir, 'cli.csv');
      const rows = Array.from({ length: 50 }, (_, i) => cleanRow(i, '命令行', 3));
      rows[4] = ['小孩子', '男', '2018-04-04', ...Array(5).fill(undefined), '身份信息', '2024-01-05', undefined, undefined, undefined, undefined];
      writeCsv(path, IMPORT_HEADERS, rows);
      const run = await cli(path, '--purpose', HM, '--notice-version', 'v1', '--no-progress');
      expect(run.errors).toEqual([]);
      const report = JSON.parse(run.stdout);
      expect(report).toEqual(expect.objectContaining({ state: 'completed', encoding: 'gb18030' }));
      expect(report.rows).toEqual(expect.objectContaining({ read: 50, imported: 49, refused: 1 }));
      expect(report.errors).toEqual([expect.objectContaining({ row: 6, code: 'guardian-consent-required' })]);
      expect(run.stdout).not.toContain('小孩子');

      const again = await cli(path, '--purpose', HM, '--notice-version', 'v1', '--no-progress');
      expect(JSON.parse(again.stdout).jobId).toBe(report.jobId);
      expect(again.stderr).toContain('imported completely');
      expect(await registeredBy(report.jobId)).toHaveLength(49);
    });

    it('a dry run writes nothing, and a bad option is a usage error', async () => {
      const path = join(dir, 'cli-dry.csv');
      writeCsv(path, IMPORT_HEADERS, [cleanRow(7, '命令行试', 4)]);
      const before = (await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n;
      const run = await cli(path, '--purpose', HM, '--notice-version', 'v1', '--dry-run', '--no-progress');
      expect(JSON.parse(run.stdout)).toEqual(expect.objectContaining({ dryRun: true, state: 'completed' }));
      expect((await api.database.pool.query(`SELECT count(*)::int AS n FROM ledger_events`)).rows[0].n).toBe(before);
      const bad = await cli(path, '--purpose', HM, '--notice-version', 'v1', '--on-duplicate', 'merge');
      expect(bad.exitCode).toBe(2);
    });
  });
});
