import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { launchChromium, screenshot, watchedPage } from './browser';
import { jsonRequest, tokens } from '../support/test-tokens';
import { codeAt, createStaff, PASSWORD } from './sign-in';

/** Signing in through the console's own pages, in Chromium, against the real sign-in API. */
describe('console: signing in', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi({ authRateLimit: { perIp: 0, perUsername: 0, windowSeconds: 60 } }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('first sign-in: one-time password, own password, authenticator from the QR code; a reload keeps the session, sign-out ends it, the next sign-in asks for the code', async () => {
    const { staffId, oneTimePassword } = await createStaff(api, 'co.zhao', ['compliance_officer']);
    const context = await browser.newContext({ locale: 'zh-CN' });
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/`);
    await page.waitForURL(/\/console\/login$/);

    await page.getByLabel('用户名').fill('co.zhao');
    await page.getByLabel('密码', { exact: true }).fill(oneTimePassword);
    await page.getByRole('button', { name: /下一步/ }).click();
    await page.getByLabel('新密码', { exact: true }).fill(PASSWORD);
    await page.getByLabel('再次输入新密码').fill(PASSWORD);
    await page.getByRole('button', { name: /下一步/ }).click();

    // a compliance officer must have an authenticator: enrolment, with the QR code, comes next
    const qr = page.getByRole('img', { name: '身份验证器二维码' });
    await qr.waitFor();
    expect(await qr.getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    const secret = (await page.locator('.ant-typography code').innerText()).trim();
    await screenshot(page, 'sign-in-enrolment');
    await page.getByLabel('动态验证码').fill(await codeAt(api, secret));
    await page.getByRole('button', { name: /确认并完成/ }).click();
    await page.getByRole('heading', { name: '您好，co.zhao' }).waitFor();
    expect(await page.getByRole('menuitem', { name: '审计' }).isVisible()).toBe(true);
    expect(await page.getByRole('menuitem', { name: '登记新客户' }).count()).toBe(0);

    // the access token is in the page's memory only; the refresh token is an httpOnly cookie for /v1/auth
    expect(await page.evaluate<string>('JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie')).not.toMatch(/eyJ|ledger_refresh/);
    const [cookie] = (await context.cookies(`${api.baseUrl}/v1/auth/refresh`)).filter((c) => c.name === 'ledger_refresh');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/v1/auth' });

    await page.reload();
    await page.getByRole('menuitem', { name: '审计' }).waitFor();
    expect(page.url()).not.toMatch(/login/);
    // the token names the account by id only: the console asks GET /v1/auth/me who it is, and whether the authenticator is set up
    await page.getByRole('heading', { name: '您好，co.zhao' }).waitFor();
    expect(await page.getByTestId('signed-in-user').innerText()).toBe('co.zhao');
    expect(await page.getByText('合规专员', { exact: true }).isVisible()).toBe(true);
    expect(await page.getByText('设置双因素验证').count()).toBe(0);

    await page.getByRole('button', { name: /退出登录/ }).click();
    await page.waitForURL(/\/console\/login$/);
    // the server ended the session and the browser no longer holds its cookie
    expect((await context.cookies(`${api.baseUrl}/v1/auth/refresh`)).filter((c) => c.name === 'ledger_refresh')).toEqual([]);
    const sessions = await jsonRequest(api)('GET', `/v1/auth/sessions?staffId=${staffId}`, await tokens(api).admin());
    expect(sessions.body.items).toEqual([]);
    await page.reload();
    await page.getByLabel('用户名').waitFor(); // the session is over: no way back in without signing in

    // a wrong password is said in plain words, and says nothing of whether the account exists
    await page.getByLabel('用户名').fill('co.zhao');
    await page.getByLabel('密码', { exact: true }).fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: /下一步/ }).click();
    const refused = page.getByRole('alert').getByText('用户名或密码不正确。');
    await refused.waitFor();
    await screenshot(page, 'sign-in-wrong-password');
    await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: /下一步/ }).click();
    await refused.waitFor({ state: 'detached' });
    const spent = await codeAt(api, secret);
    await page.getByLabel('动态验证码').fill(spent === '000000' ? '111111' : '000000');
    await page.getByRole('button', { name: /登\s?录/ }).click();
    await page.getByRole('alert').getByText('动态验证码不正确或已过期。').waitFor();
    await page.getByLabel('动态验证码').fill(await codeAt(api, secret, 1)); // the confirming code's step is spent
    await page.getByRole('button', { name: /登\s?录/ }).click();
    await page.getByRole('menuitem', { name: '审计' }).waitFor();
    await screenshot(page, 'sign-in-done');
    // refused sign-in steps answer 401 (the page shows them in words); nothing else went wrong
    expect(problems.filter((problem) => !/status of 401/.test(problem))).toEqual([]);
    await context.close();
  });
});
