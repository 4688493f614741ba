import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { launchChromium, screenshot, watchedPage } from './browser';

/** The console in real Chromium on the real API: it loads under its CSP, in Chinese first, and switches language. */
describe('console: the sign-in page', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('opens in zh-CN with no console error or CSP violation, switches to English and keeps the choice over a reload', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const { page, problems } = await watchedPage(context);
    const response = await page.goto(`${api.baseUrl}/console/`);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    // no session: the console goes to sign-in (its refresh attempt answers 401 or 404, which is not an error of the page)
    await page.waitForURL(/\/console\/login$/);
    await page.getByRole('heading', { name: '客户信息台' }).waitFor();
    expect(await page.getByLabel('用户名').isVisible()).toBe(true);
    expect(await page.getByLabel('密码').isVisible()).toBe(true);
    expect(await page.locator('html').getAttribute('lang')).toBe('zh-CN');

    await page.getByText('English', { exact: true }).click();
    await page.getByRole('heading', { name: 'Customer desk' }).waitFor();
    expect(await page.getByLabel('Username').isVisible()).toBe(true);
    await page.reload();
    await page.getByRole('heading', { name: 'Customer desk' }).waitFor();

    // a required field left empty is said in the page's language, and nothing is sent
    await page.getByRole('button', { name: 'Next' }).click();
    expect(await page.getByText('Required').count()).toBe(2);
    await screenshot(page, 'login-en');
    expect(problems.filter((problem) => !/Failed to load resource: the server responded with a status of 40[14]/.test(problem))).toEqual([]);

    // the browser enforces the policy: a script written into the page does not run, and is reported
    await page.evaluate("const s = document.createElement('script'); s.textContent = 'window.injected = true'; document.body.appendChild(s)");
    expect(await page.evaluate('window.injected === true')).toBe(false);
    expect(problems.some((problem) => problem.includes('CSP violation: script-src'))).toBe(true);
    await context.close();
  });
});
