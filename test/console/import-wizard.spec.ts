import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { cleanRow, writeCsv } from '../support/import-files';
import { launchChromium, screenshot, selectOption, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

/** The file's columns: the template's, but the phone under a header of the centre's own, a column the template lacks, and no health data (the front desk may not write it). */
const HEADERS = ['姓名', '性别', '出生日期', '证件类型', '证件号码', '移动电话', '同意类别', '同意日期', '同意渠道', '同意凭证', '客户来源'];
const row = (i: number) => {
  const [name, gender, birth, idType, idNumber, phone] = cleanRow(i, '向导', 7);
  return [name, gender, birth, idType, idNumber, phone, '证件信息', '2024-03-01', '纸质表单', `F-${i}`, '老客户转介绍'];
};

/** The front desk imports a small generated CSV through the wizard: dry run, a column mapped, the import followed to the end, the refused row's report downloaded. */
describe('console: the import wizard', () => {
  let api: TestApi;
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-console-import-'));
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const registered = async () =>
    (await api.database.pool.query(`SELECT metadata->>'importJobId' AS job FROM ledger_events WHERE type = 'SubjectRegistered' AND metadata ? 'importJobId'`)).rows as Array<{
      job: string;
    }>;

  it('dry-runs, maps the unrecognised columns, imports five rows, refuses the sixth and offers its report', async () => {
    const rows = [1, 2, 3, 4, 5].map(row);
    const bad = row(6);
    bad[4] = String(bad[4]).slice(0, 17) + (String(bad[4]).endsWith('0') ? '1' : '0'); // a wrong check digit
    rows.push(bad);
    const file = join(dir, '客户名单.csv');
    writeCsv(file, HEADERS, rows);

    const context = await browser.newContext({ locale: 'zh-CN', acceptDownloads: true });
    await signInAs(context, api, 'fd-import', ['front_desk']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '批量导入客户' }).click();
    await page.locator('input[type=file]').setInputFiles(file);
    await page.getByRole('combobox', { name: '处理目的' }).click();
    await selectOption(page, 'Health management services').click();
    await page.getByRole('combobox', { name: '告知书版本' }).click();
    await selectOption(page, 'v1').click();
    await page.getByLabel('同意渠道').fill('纸质表单');

    await page.getByRole('button', { name: '试运行检查' }).click();
    const dry = page.getByTestId('dry-run');
    await dry.getByText('已完成').waitFor();
    const mapping = page.getByTestId('column-mapping');
    await mapping.getByText('移动电话').waitFor();
    await mapping.getByText('客户来源').waitFor();
    expect(await registered()).toEqual([]); // a dry run writes nothing
    await mapping.getByRole('combobox', { name: '“移动电话”对应到' }).click();
    await selectOption(page, '手机号').click();
    await mapping.getByRole('combobox', { name: '“客户来源”对应到' }).click();
    await selectOption(page, '忽略此列').click();
    const [again] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/imports')),
      page.getByRole('button', { name: '按当前设置重新试运行' }).click(),
    ]);
    expect(again.status()).toBe(202);
    await dry.getByText('已完成').waitFor();
    await page.getByTestId('dry-run-problems').getByText('被拒绝的行（1）').waitFor();
    // the choices stay shown, and were taken: no column is left unrecognised
    await mapping.getByTitle('手机号').waitFor();
    const secondDryRun = ((await again.json()) as { jobId: string }).jobId;
    const columns = await api.database.pool.query(`SELECT unknown_columns, dry_run FROM import_jobs WHERE job_id = $1`, [secondDryRun]);
    expect(columns.rows).toEqual([{ unknown_columns: [], dry_run: true }]);

    const [started] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/v1/imports')),
      page.getByRole('button', { name: '开始导入' }).click(),
    ]);
    const jobId = ((await started.json()) as { jobId: string }).jobId;
    const progress = page.getByTestId('import-progress');
    await progress.getByText('已完成').waitFor({ timeout: 30_000 });
    const figure = async (title: string) => (await progress.locator('.ant-statistic').filter({ hasText: title }).locator('.ant-statistic-content').innerText()).trim();
    expect({ read: await figure('已读行数'), imported: await figure('已导入'), refused: await figure('被拒绝'), duplicates: await figure('重复') }).toEqual({
      read: '6 / 6',
      imported: '5',
      refused: '1',
      duplicates: '0',
    });
    const importProblems = page.getByTestId('import-problems');
    await importProblems.getByRole('cell', { name: '7', exact: true }).waitFor(); // row 7 of the sheet: the header is row 1
    await screenshot(page, 'import-wizard-done');

    const [download] = await Promise.all([page.waitForEvent('download'), importProblems.getByRole('button', { name: '下载错误报告（CSV）' }).click()]);
    const report = readFileSync((await download.path())!, 'utf8');
    expect(report).toContain('7,');
    expect(report).not.toContain(String(bad[4])); // the report names the row and the field, never the value
    expect(report).not.toContain(String(bad[0]));

    // the five went in under this job, with the phone the mapping took from 移动电话
    expect((await registered()).map((r) => r.job)).toEqual([jobId, jobId, jobId, jobId, jobId]);
    const phones = await api.database.pool.query(
      `SELECT count(*)::int AS n FROM ledger_events WHERE metadata->>'importJobId' = $1 AND type = 'DataCollected' AND data->>'category' = 'contact'`,
      [jobId],
    );
    expect(phones.rows[0].n).toBe(5);
    expect(problems).toEqual([]);
    await context.close();
  });
  it('offers the template, and lists the rows that match a customer or an earlier row: by what, and what was done', async () => {
    // row 1 went in with the first test; row 8 twice in this file
    const file = join(dir, '又一份名单.csv');
    writeCsv(
      file,
      [...HEADERS.slice(0, 5), '手机号', ...HEADERS.slice(6, 10)],
      [row(1), row(8), row(8)].map((cells) => cells.slice(0, 10)),
    );
    const context = await browser.newContext({ locale: 'zh-CN', acceptDownloads: true });
    await signInAs(context, api, 'fd-import-again', ['front_desk']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '批量导入客户' }).click();
    const [template] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载导入模板（Excel）' }).click()]);
    expect(template.suggestedFilename()).toBe('customer-import-template.xlsx');
    expect(
      readFileSync((await template.path())!)
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');

    await page.locator('input[type=file]').setInputFiles(file);
    await page.getByRole('combobox', { name: '处理目的' }).click();
    await selectOption(page, 'Health management services').click();
    await page.getByRole('combobox', { name: '告知书版本' }).click();
    await selectOption(page, 'v1').click();
    await page.getByRole('button', { name: '试运行检查' }).click();
    await page.getByTestId('dry-run').getByText('已完成').waitFor();
    const duplicates = page.getByTestId('dry-run-duplicates');
    await duplicates.getByText('与已有客户或前面行重复的行（2）').waitFor();
    const line = (sheetRow: string) => duplicates.getByRole('row').filter({ has: page.getByRole('cell', { name: sheetRow, exact: true }) });
    // row 2 (the sheet's numbering): the customer the first test imported, a link to the file by its customer number
    await line('2')
      .getByRole('link', { name: /^C\d{10}$/ })
      .waitFor();
    expect(await line('2').innerText()).toContain('证件号码');
    expect(await line('2').innerText()).toContain('已跳过');
    // row 4: the same person as row 3 of this file
    expect(await line('4').innerText()).toContain('本文件第 3 行');
    await screenshot(page, 'import-wizard-duplicates');
    expect(problems).toEqual([]);
    await context.close();
  });
});
