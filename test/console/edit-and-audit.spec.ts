import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration, ZHANG } from '../support/realistic-subject';
import { launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

/** An edit that meets someone else's change, and the audit trail checked in the page: both in Chromium on the real API. */
describe('console: conflicting edits and the audit explorer', () => {
  let api: TestApi;
  let browser: Browser;
  let subjectId: string;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    call = jsonRequest(api);
    staff = await tokens(api).staff();
    const created = await call('POST', '/v1/subjects', staff, registration());
    expect(created.status).toBe(201);
    subjectId = created.body.subjectId;
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('shows a conflict screen when someone else changed the file, saves nothing until asked, then saves over the latest version', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    // the front desk keeps a customer's identity, and reaches the unassigned customer this one is
    await signInAs(context, api, 'desk-liu', ['front_desk']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}`);
    await page.getByRole('radio', { name: /Health management/ }).check();
    await page.getByRole('button', { name: '以此目的继续' }).click();
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    await page.getByRole('button', { name: /修\s?改/ }).click();
    await page.getByLabel('民族').fill('满族');

    // meanwhile, at another desk
    const other = await call('PATCH', `/v1/subjects/${subjectId}/data/identity`, staff, { set: { ethnicity: '回族' }, reason: 'correction', purposeId: 'health-management' });
    expect(other.status).toBe(200);

    await page.getByRole('button', { name: /保\s?存/ }).click();
    await page.getByText('档案已被他人修改').waitFor();
    const rows = page.locator('.ant-modal .ant-table-row');
    expect(await rows.innerText()).toMatch(/民族\s+汉族\s+回族\s+满族/);
    await screenshot(page, 'edit-conflict');
    const held = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
    expect(held.body.data.identity.ethnicity).toBe('回族'); // nothing of this edit was written

    await page.getByRole('button', { name: '在最新版本上保存我的修改' }).click();
    await page.getByText('档案已被他人修改').waitFor({ state: 'detached' });
    await page.getByRole('cell', { name: '满族' }).waitFor();
    const saved = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management' });
    expect(saved.body.data.identity.ethnicity).toBe('满族');
    expect(problems.filter((problem) => !problem.includes('status of 412'))).toEqual([]);
    await context.close();
  });

  it('verifies the signed tree head and an inclusion proof in the browser, and says so when a proof does not add up', async () => {
    const head = await api.logHead();
    const signed = await call('POST', '/v1/audit/tree-heads', await tokens(api).compliance(), undefined, { 'x-ledger-min-position': String(head) });
    expect([200, 201]).toContain(signed.status);
    const context = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(context, api, 'auditor-sun', ['auditor']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/audit`);
    await page.getByTestId('head-verdict').getByText('验证通过').waitFor();

    const first = page
      .getByRole('row')
      .filter({ has: page.getByRole('button', { name: /验\s?证/ }) })
      .nth(3);
    await first.getByRole('button', { name: /验\s?证/ }).click();
    await first.getByText('验证通过').waitFor();
    await screenshot(page, 'audit-proof');

    // a proof whose path was altered on the way must not verify
    await context.route('**/v1/audit/proofs/inclusion?**', async (route) => {
      const response = await route.fetch();
      const proof = await response.json();
      proof.auditPath[0] = proof.auditPath[0].replace(/^./, (c: string) => (c === '0' ? '1' : '0'));
      await route.fulfill({ response, json: proof });
    });
    const second = page
      .getByRole('row')
      .filter({ has: page.getByRole('button', { name: /验\s?证/ }) })
      .nth(4);
    await second.getByRole('button', { name: /验\s?证/ }).click();
    await second.getByText('验证失败').waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
