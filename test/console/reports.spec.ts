import { readFileSync } from 'node:fs';
import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration } from '../support/realistic-subject';
import { chinaDate } from '../support/test-clock';
import { launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

/** A manager's reports page: a chart and a table of distinct customers, small cells as "<5", a CSV download with the same figures. */
describe('console: reports', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    const call = jsonRequest(api);
    const staff = await tokens(api).staff();
    // 12 women and 3 men, all gold: the men's cell is small and so is, complementarily, another
    for (let i = 0; i < 15; i++) {
      const body = registration();
      const data = {
        identity: { name: '客户', gender: i < 12 ? 'female' : 'male', birthDate: `${1950 + i * 3}-03-01` },
        customer_profile: { customerType: 'individual', tier: 'gold' },
      };
      // the first six consented to health records and had a check-up: GLU abnormal, TC normal (for the indicator filter)
      const registered = await call('POST', '/v1/subjects', staff, { ...body, ...(i < 6 ? {} : { consents: [] }), data });
      expect(registered.status).toBe(201);
      if (i >= 6) continue;
      const results = [
        { code: 'GLU', name: '空腹血糖', value: 7.4, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } },
        { code: 'TC', name: '总胆固醇', value: 4.1, unit: 'mmol/L', referenceRange: { low: 2.8, high: 5.2 } },
      ];
      const checkup = await call('POST', `/v1/subjects/${registered.body.subjectId}/checkups`, staff, {
        visitDate: chinaDate(-10),
        institution: '体检中心',
        results,
        conclusions: [],
        purposeId: 'health-management',
      });
      expect(checkup.status).toBe(201);
    }
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows customer structure by age band and gender with small cells as "<5", and downloads the same figures as CSV', async () => {
    const context = await browser.newContext({ locale: 'zh-CN', acceptDownloads: true });
    await signInAs(context, api, 'manager-reports', ['manager']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/reports`);
    await page.getByRole('menuitem', { name: '统计报表' }).waitFor();
    const totalRow = page.getByRole('row').filter({ hasText: '合计' }).last();
    await totalRow.waitFor();
    // women 12, men 3: the men's total is hidden, and so is the women's, which the grand total would otherwise give away
    expect(await totalRow.getByRole('cell').allInnerTexts()).toEqual(['合计', '<5', '<5', '15']);
    expect(await page.getByRole('cell', { name: '<5' }).count()).toBeGreaterThan(2);
    await page.locator('canvas').first().waitFor();
    // the period is the ledger's year to today (pinned), not the browser's calendar
    expect(await page.locator('.ant-picker-input input').evaluateAll((inputs) => inputs.map((input) => (input as unknown as { value: string }).value))).toEqual([
      '2025-06-02',
      '2026-06-01',
    ]);
    await screenshot(page, 'reports-customer-structure');

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 CSV' }).click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.charCodeAt(0)).toBe(0xfeff);
    expect(csv).toContain('total,<5,<5,15');

    await page.getByRole('combobox', { name: '报表' }).click();
    await page.getByTitle('生命周期漏斗').click();
    await page.getByRole('row').filter({ hasText: '活跃' }).first().waitFor();
    await screenshot(page, 'reports-lifecycle-funnel');
    expect(problems).toEqual([]);
    await context.close();
  });

  it('filters the abnormal-indicator report by an indicator code', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(context, api, 'manager-indicators', ['manager']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/reports`);
    await page.getByRole('combobox', { name: '报表' }).click();
    await page.getByTitle('体检异常指标').click();
    const rowOf = (code: string) => page.getByRole('row').filter({ has: page.getByRole('cell', { name: code, exact: true }) });
    await rowOf('TC').waitFor();
    await rowOf('GLU').waitFor();
    // the API takes the code in any case; only that indicator's row stays
    const indicator = page.locator('input[aria-label="指标"]');
    await indicator.fill('glu');
    await indicator.press('Enter');
    await rowOf('TC').waitFor({ state: 'detached' });
    expect(await rowOf('GLU').count()).toBe(1);
    await screenshot(page, 'reports-abnormal-indicator-filter');
    expect(problems).toEqual([]);
    await context.close();
  });
});
