import { Browser } from 'playwright-core';
import { TokenService } from '../../libs/access-control/src/token.service';
import { startTestApi, TestApi } from '../support/test-api';
import { chinaDate } from '../support/test-clock';
import { jsonRequest, tokens } from '../support/test-tokens';
import { customerRecordsHarness } from '../support/customer-records';
import { launchChromium, screenshot, selectOption, typeDate, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

/** The compliance officer's pages: legal holds placed and released, the access log searched by staff member and period, the break-glass report with its note (an auditor's without). */
describe('console: legal holds, the access log and the break-glass report', () => {
  let api: TestApi;
  let browser: Browser;
  let subjectId: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    const harness = await customerRecordsHarness(api);
    subjectId = await harness.register();
    // a health manager of another department reaches the customer by break-glass, with a note
    const other = (await harness.call('POST', '/v1/departments', await tokens(api).admin(), { code: 'other', name: '客服部' })).body.departmentId as string;
    const outsider = await api.app.get(TokenService).sign({ sub: 'hm-outsider', roles: ['health_manager'], departmentId: other });
    const read = await harness.read(`/v1/subjects/${subjectId}`, outsider);
    expect(read.status).toBe(403);
    const glass = await harness.call('GET', `/v1/subjects/${subjectId}`, outsider, undefined, {
      'x-processing-purpose': 'health-management',
      'x-break-glass': 'customer-present',
      'x-break-glass-note': encodeURIComponent('客户在前台等候，本组同事休假'),
    });
    expect(glass.status).toBe(200);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lets the compliance officer place and release a legal hold, search the access log and read the break-glass report', async () => {
    const call = jsonRequest(api);
    const context = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(context, api, 'co-legal', ['compliance_officer']);
    const { page, problems } = await watchedPage(context);
    const menu = page.getByRole('navigation', { name: '主菜单' });

    // a legal hold on every customer's health data, then released
    await page.goto(`${api.baseUrl}/console/compliance/legal-holds`);
    await page.getByRole('button', { name: '设置法定保留' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('combobox', { name: '保留类别' }).click();
    await selectOption(page, '健康信息').click();
    await page.locator('.ant-modal-title').last().click();
    await dialog.getByLabel('依据').fill('医疗机构病历管理规定 第29条');
    await typeDate(dialog.getByLabel('保留至'), chinaDate(3650));
    await dialog.getByRole('button', { name: /设\s?置/ }).click();
    const holds = page.getByTestId('legal-holds');
    const hold = holds.getByRole('row').filter({ hasText: '医疗机构病历管理规定 第29条' });
    await hold.getByText('生效中').waitFor();
    await hold.getByText('全部客户').waitFor();
    const placed = (await call('GET', '/v1/legal-holds', await tokens(api).compliance())).body.items;
    expect(placed).toEqual([expect.objectContaining({ categories: ['health'], basis: '医疗机构病历管理规定 第29条', until: chinaDate(3650), status: 'active' })]);
    await hold.getByRole('button', { name: /解\s?除/ }).click();
    await page
      .getByRole('tooltip')
      .getByRole('button', { name: /解\s?除/ })
      .click();
    await hold.getByText('已解除').waitFor();
    expect((await call('GET', '/v1/legal-holds', await tokens(api).compliance())).body.items[0].status).toBe('released');
    await screenshot(page, 'compliance-legal-hold-released');

    // the access log: the outsider's reads in the period, break-glass only
    await menu.getByRole('menuitem', { name: '访问日志查询' }).click();
    await page.getByLabel('员工账号 ID').fill('hm-outsider');
    await typeDate(page.getByPlaceholder('开始日期'), chinaDate(-1));
    await typeDate(page.getByPlaceholder('结束日期'), chinaDate(1));
    await page.getByRole('switch', { name: '只看紧急访问' }).click();
    await page.getByRole('button', { name: /查\s?询/ }).click();
    const log = page.getByTestId('access-log');
    const entry = log.getByRole('row').filter({ hasText: subjectId });
    await entry.getByText('客户本人在场').waitFor();
    expect(await log.getByRole('row').count()).toBe(2); // the header and the one break-glass read
    await screenshot(page, 'compliance-access-log');
    // a period without it finds nothing
    await typeDate(page.getByPlaceholder('开始日期'), chinaDate(-30));
    await typeDate(page.getByPlaceholder('结束日期'), chinaDate(-20));
    await page.getByRole('button', { name: /查\s?询/ }).click();
    await entry.waitFor({ state: 'detached' });

    // the break-glass report: who, whom, why, and the note
    await menu.getByRole('menuitem', { name: '紧急访问报告' }).click();
    const report = page.getByTestId('break-glass-report').getByRole('row').filter({ hasText: 'hm-outsider' });
    await report.getByText('客户在前台等候，本组同事休假').waitFor();
    await report.getByText('客户本人在场').waitFor();
    await report.getByText(subjectId).waitFor();
    await screenshot(page, 'compliance-break-glass');
    expect(problems).toEqual([]);
    await context.close();

    // an auditor reads the same report without the note a person typed
    const auditor = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(auditor, api, 'auditor-legal', ['auditor']);
    const audited = await watchedPage(auditor);
    await audited.page.goto(`${api.baseUrl}/console/compliance/break-glass`);
    const row = audited.page.getByTestId('break-glass-report').getByRole('row').filter({ hasText: 'hm-outsider' });
    await row.getByText('（有说明，仅合规专员可见）').waitFor();
    expect(await audited.page.getByText('客户在前台等候').count()).toBe(0);
    expect(audited.problems).toEqual([]);
    await auditor.close();
  });
});
