import { readFile } from 'node:fs/promises';
import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration } from '../support/realistic-subject';
import { residentId } from '../support/resident-id';
import { choosePurpose, launchChromium, screenshot, selectOption, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';

/** Front desk merges two files of one person from the duplicates page, is told in words why two people cannot be merged, and exports customers as a CSV it can read back. */
describe('console: merging duplicates and the bulk export', () => {
  let api: TestApi;
  let browser: Browser;
  let call: ReturnType<typeof jsonRequest>;
  const ids: Record<string, string> = {};

  const register = async (name: string, birthDate: string, phone: string, extra: Record<string, unknown> = {}): Promise<string> => {
    const data = { identity: { name, gender: 'female', birthDate }, contact: { phone }, ...extra };
    const registered = await call('POST', '/v1/subjects', await tokens(api).staff(), { ...registration(), data });
    if (registered.status !== 201) throw new Error(`registration refused: ${registered.status} ${JSON.stringify(registered.body)}`);
    return registered.body.subjectId as string;
  };
  const fresh = async () => ({ 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
  /** The pairs the API proposes, each as the page's row key (its two ids in the API's order). */
  const pairs = async (): Promise<string[][]> => {
    const reply = await call('GET', '/v1/duplicates', await tokens(api).staff(), undefined, await fresh());
    expect(reply.status).toBe(200);
    return (reply.body.items as Array<{ subjectIds: string[] }>).map((pair) => pair.subjectIds);
  };
  const pairOf = async (a: string, b: string): Promise<string[]> => {
    const found = (await pairs()).find((pair) => pair.includes(a) && pair.includes(b));
    if (!found) throw new Error('pair not proposed');
    return found;
  };

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    call = jsonRequest(api);
    // one person twice: the same name, birth date and phone, two employers on record
    ids.lin1 = await register('林小红', '1992-05-05', '13911110005', { employment: { employer: '北京某某科技有限公司', title: '工程师' } });
    ids.lin2 = await register('林小红', '1992-05-05', '13911110005', { employment: { employer: '上海某某医药有限公司', title: '工程师' } });
    // two people who share a name and a birth date, with different ID numbers
    ids.wang1 = await register('王芳', '1988-08-08', '13911110007', { identity_document: { type: 'resident_id', number: residentId('1988-08-08', 11) } });
    ids.wang2 = await register('王芳', '1988-08-08', '13911110008', { identity_document: { type: 'resident_id', number: residentId('1988-08-08', 12) } });
    // one person twice, the two phones masked alike (+86139****0009) though they differ
    ids.zhou1 = await register('周静', '1995-09-09', '13911130009');
    ids.zhou2 = await register('周静', '1995-09-09', '13911140009');
    expect(await pairs()).toHaveLength(3);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('merges two files of one person from the duplicates page: side by side, masked, a choice per differing item, confirmed; the old file leads to the survivor', async () => {
    const desk = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(desk, api, 'desk-merge', ['front_desk']);
    const { page, problems } = await watchedPage(desk);
    const urls: string[] = [];
    page.on('request', (request) => urls.push(decodeURIComponent(request.url())));
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '疑似重复档案' }).click();
    await choosePurpose(page, 'Health management');
    const pair = await pairOf(ids.lin1, ids.lin2);
    const row = page.getByTestId('duplicates').locator(`tr[data-row-key="${pair.join(':')}"]`);
    await row.getByRole('button', { name: /^合\s?并$/ }).click();
    await page.waitForURL(new RegExp(`/console/duplicates/${pair[0]}/${pair[1]}/merge$`));

    // both files, masked: the phone as the API masks it, never in full
    await page.getByRole('heading', { name: '合并两份客户档案' }).waitFor();
    const employment = page.locator('[data-category="employment"]');
    await employment.waitFor();
    const shown = await page.locator('main').first().innerText();
    expect(shown).toContain('+86139****0005');
    expect(shown).not.toContain('13911110005');
    // the one item the files hold differently asks for a choice; merging waits for it
    const submit = page.getByRole('button', { name: '合并…' });
    expect(await submit.isDisabled()).toBe(true);
    await page.getByText('还有 1 项需要选择保留哪一边。').waitFor();
    // file A stays; B's employer is the one kept
    await page.getByRole('radio', { name: /保留哪份档案：档案 A/ }).check();
    await employment.getByRole('radio', { name: /工作单位：保留此项（档案 B）/ }).check();
    expect(await submit.isDisabled()).toBe(false);
    await screenshot(page, 'merge-choose');
    await submit.click();
    const confirm = page.getByRole('dialog', { name: '确认合并？此操作不可撤销' });
    await confirm.getByText(/数据密钥被销毁，不能恢复/).waitFor();
    await screenshot(page, 'merge-confirm');
    await confirm.getByRole('button', { name: '确认合并' }).click();
    await page.getByText('已合并').waitFor();
    await screenshot(page, 'merge-done');
    const [survivorId, duplicateId] = pair;

    const file = await call('GET', `/v1/subjects/${survivorId}`, await tokens(api).staff(), undefined, await fresh());
    expect(file.status).toBe(200);
    expect(file.body.data.employment.employer).toBe('上海某某医药有限公司');
    expect((await call('GET', `/v1/subjects/${duplicateId}`, await tokens(api).staff(), undefined, await fresh())).body).toMatchObject({
      code: 'subject-merged',
      mergedInto: survivorId,
    });

    // the survivor's file, then the old id: it leads to the survivor, saying so
    await page.getByRole('button', { name: '打开保留的档案' }).click();
    await page.waitForURL(new RegExp(`/console/customers/${survivorId}$`));
    await page.getByRole('heading', { name: '林小红' }).waitFor();
    await page.goto(`${api.baseUrl}/console/customers/${duplicateId}`);
    await choosePurpose(page, 'Health management');
    await page.waitForURL(new RegExp(`/console/customers/${survivorId}$`));
    await page.getByText('您打开的档案已合并到本档案，已为您转到这里。').waitFor();
    await page.getByRole('heading', { name: '林小红' }).waitFor();
    await screenshot(page, 'merge-old-id');
    // the merged pair is gone from the list
    expect(await pairs()).toHaveLength(2);
    expect(urls.filter((url) => /林小红|13911110005/.test(url))).toEqual([]);
    expect(problems.filter((problem) => !problem.includes('status of 409'))).toEqual([]);
    await desk.close();
  });

  it('refuses to merge two people with different ID numbers, and says why in words', async () => {
    const desk = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(desk, api, 'desk-merge-2', ['front_desk']);
    const { page } = await watchedPage(desk);
    const pair = await pairOf(ids.wang1, ids.wang2);
    await page.goto(`${api.baseUrl}/console/duplicates/${pair[0]}/${pair[1]}/merge`);
    await choosePurpose(page, 'Health management');
    // the ID documents differ (masked): kept whole from one side; the phones differ too
    const document = page.locator('[data-category="identity_document"]');
    await document.getByRole('radiogroup', { name: '证件信息：整体保留一边' }).getByText('档案 A').click();
    await page.locator('[data-category="contact"]').getByRole('radiogroup', { name: '联系方式：整体保留一边' }).getByText('档案 A').click();
    await page.getByRole('button', { name: '合并…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '确认合并' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const refusal = page.getByRole('alert');
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('两份档案的事实相互矛盾');
    expect(await refusal.innerText()).toContain('证件号码');
    expect(await refusal.innerText()).toContain('两个不同的证件号码说明是两个人');
    expect(await refusal.innerText()).not.toMatch(/merge-conflicting-facts|\d{17}[\dX]/);
    await screenshot(page, 'merge-refused');
    // nothing was merged
    for (const subjectId of pair) expect((await call('GET', `/v1/subjects/${subjectId}`, await tokens(api).staff(), undefined, await fresh())).status).toBe(200);
    await desk.close();
  });

  it('asks which side stays for values the masking shows alike but the API finds different, then merges', async () => {
    const desk = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(desk, api, 'desk-merge-3', ['front_desk']);
    const { page } = await watchedPage(desk);
    const pair = await pairOf(ids.zhou1, ids.zhou2);
    const phoneOf = { [ids.zhou1]: '+8613911130009', [ids.zhou2]: '+8613911140009' };
    await page.goto(`${api.baseUrl}/console/duplicates/${pair[0]}/${pair[1]}/merge`);
    await choosePurpose(page, 'Health management');
    const contact = page.locator('[data-category="contact"]');
    await contact.getByText('+86139****0009').first().waitFor();
    // nothing looks different: merging is offered at once, and the API names the phones
    await page.getByRole('button', { name: '合并…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '确认合并' }).click();
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    const refusal = page.getByRole('alert').filter({ hasText: '两份档案在以下项目上不同' });
    await refusal.waitFor();
    expect(await refusal.innerText()).toContain('联系方式');
    await page.getByText('两边的值不同（遮蔽后看不出差别），请选择保留哪一边。').waitFor();
    expect(await page.getByRole('button', { name: '合并…' }).isDisabled()).toBe(true);
    await screenshot(page, 'merge-masked-alike');
    // B's phones stay, A's file survives
    await contact.getByRole('radiogroup', { name: '联系方式：整体保留一边' }).getByText('档案 B').click();
    await page.getByRole('button', { name: '合并…' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '确认合并' }).click();
    await page.getByText('已合并').waitFor();
    const file = await call('GET', `/v1/subjects/${pair[0]}?reveal=contact`, await tokens(api).staff(), undefined, await fresh());
    expect(file.body.data.contact.phones.map((phone: { number: string }) => phone.number)).toEqual([phoneOf[pair[1]]]);
    await desk.close();
  });

  /** A front-desk person on the export page under the purpose, downloads accepted, the addresses of every request kept. */
  async function exportDesk(name: string) {
    const desk = await browser.newContext({ locale: 'zh-CN', acceptDownloads: true });
    await signInAs(desk, api, name, ['front_desk']);
    const { page, problems } = await watchedPage(desk);
    const urls: string[] = [];
    page.on('request', (request) => urls.push(decodeURIComponent(request.url())));
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '批量导出' }).click();
    await choosePurpose(page, 'Health management');
    return { desk, page, problems, urls };
  }

  it('exports the customers a filter finds as a CSV downloaded from the page: masked, traceable, nothing personal in a URL', async () => {
    const { desk, page, problems, urls } = await exportDesk('desk-export');
    await page.getByText(/文件中的每位客户都会记入其访问日志/).waitFor();
    // no condition: asked for one, nothing sent
    await page.getByRole('button', { name: '导出并下载' }).click();
    await page.getByText('请至少填写一个查询条件。').waitFor();
    await page.getByLabel('姓名（开头）').fill('王芳');
    await page.getByRole('combobox', { name: '档案状态' }).click();
    await selectOption(page, '正常').click();
    await screenshot(page, 'export-form');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出并下载' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^customers-[0-9a-f-]{36}\.csv$/);
    const text = (await readFile(await download.path())).toString('utf8');
    await page.getByText(/已下载 customers-.*\.csv/).waitFor();
    await screenshot(page, 'export-done');

    expect(text.startsWith('\uFEFF')).toBe(true);
    const lines = text
      .replace(/^\uFEFF/, '')
      .trimEnd()
      .split('\r\n');
    const [header, ...rest] = lines;
    const trailer = rest.pop() ?? '';
    expect(header.split(',')).toEqual(expect.arrayContaining(['客户ID', '姓名']));
    const idColumn = header.split(',').indexOf('客户ID');
    expect(rest.map((line) => line.split(',')[idColumn]).sort()).toEqual([ids.wang1, ids.wang2].sort());
    // masked as reads mask them: phones and ID numbers never in full
    expect(text).toContain('+86139****0007');
    expect(text).not.toMatch(/13911110007|13911110008|\d{17}[\dX]/);
    // the file says who made it
    expect(trailer).toMatch(/^导出信息/);
    expect(trailer).toContain('exportedBy=');
    expect(trailer).toContain('rows=2');
    // every customer in the file is in the access log with the export's id
    const exportId = /exportId=([0-9a-f-]{36})/.exec(trailer)?.[1];
    const logged = await call('GET', `/v1/audit/access?exportId=${exportId}`, await tokens(api).compliance(), undefined, await fresh());
    expect(logged.status).toBe(200);
    expect(JSON.stringify(logged.body)).toContain(ids.wang1);
    expect(urls.filter((url) => /王芳|1391111/.test(url))).toEqual([]);
    expect(problems).toEqual([]);
    await desk.close();
  });

  it('exports what a search found from the search page: its conditions carried to the export page in memory, never in an address', async () => {
    const { desk, page, problems, urls } = await exportDesk('desk-export-search');
    await page.getByRole('menuitem', { name: '客户查询' }).click();
    await page.getByLabel('姓名', { exact: true }).fill('王芳');
    await page.getByRole('button', { name: /^查\s?询$/ }).click();
    await page.getByText('查询结果（2）').waitFor();
    await page.getByRole('button', { name: '导出这些客户' }).click();
    await page.getByText(/文件中的每位客户都会记入其访问日志/).waitFor();
    expect(await page.getByLabel('姓名（开头）').inputValue()).toBe('王芳');
    await screenshot(page, 'export-from-search');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '导出并下载' }).click()]);
    const text = (await readFile(await download.path())).toString('utf8');
    expect(text).toContain(ids.wang1);
    expect(text).toContain(ids.wang2);
    expect(text).toContain('rows=2');
    // the conditions handed over once: the export page opened again starts empty
    await page.getByRole('menuitem', { name: '客户查询' }).click();
    await page.getByRole('menuitem', { name: '批量导出' }).click();
    expect(await page.getByLabel('姓名（开头）').inputValue()).toBe('');
    expect(urls.filter((url) => /王芳/.test(url))).toEqual([]);
    expect(await page.evaluate('JSON.stringify(history.state) + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage })')).not.toContain('王芳');
    expect(problems).toEqual([]);
    await desk.close();
  });
});
