import { Browser } from 'playwright-core';
import { pinnedClock } from '../../libs/platform/src/clock/ledger-clock';
import { startTestApi, TestApi } from '../support/test-api';
import { DAY_MS, TEST_NOW } from '../support/test-clock';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration } from '../support/realistic-subject';
import { launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

/** The compliance officer's queue: due dates, the overdue flag (the ledger's clock decides), and a request taken to fulfilment. */
describe('console: the rights-request queue', () => {
  let api: TestApi;
  let browser: Browser;
  let skew = 0;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT, { clock: pinnedClock(TEST_NOW, () => Date.now() + skew) }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('flags the overdue request, filters to it, and takes a fresh one through verification to fulfilment', async () => {
    const call = jsonRequest(api);
    const staff = await tokens(api).staff();
    const { subjectId, position } = (await call('POST', '/v1/subjects', staff, registration())).body;
    // filing reads the profile read model, which takes no X-Ledger-Min-Position: wait for it with a read that does
    const read = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': String(position) });
    expect(read.status).toBe(200);
    const file = (type: string) => call('POST', '/v1/rights-requests', staff, { subjectId, type, channel: 'front-desk', requester: { kind: 'staff_on_behalf' } });
    const late = await file('explanation');
    expect(late.status).toBe(201);
    skew = 30 * DAY_MS; // a month on, by the ledger's clock: the first is past its 15 working days
    const fresh = await file('access');
    expect(fresh.status).toBe(201);

    const context = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(context, api, 'co-zhao', ['compliance_officer']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/rights`);
    const lateRow = page.getByRole('row').filter({ hasText: '解释说明' });
    const freshRow = page.getByRole('row').filter({ hasText: '查阅' });
    await lateRow.getByText('已逾期').waitFor();
    expect(await freshRow.getByText('已逾期').count()).toBe(0);
    await page.getByRole('switch', { name: '只看逾期' }).click();
    await freshRow.waitFor({ state: 'detached' });
    expect(await lateRow.count()).toBe(1);
    await screenshot(page, 'rights-queue-overdue');
    await page.getByRole('switch', { name: '只看逾期' }).click();

    await freshRow.click();
    await page.waitForURL(`**/console/rights/${fresh.body.requestId}`);
    await page.getByRole('button', { name: '核验身份' }).click();
    await page.getByLabel('凭证编号').fill('ID-CHECK-0042');
    // each step waits for the API's answer first, so a refusal fails here with its body, not as a missing cell
    const answered = async (step: string, click: () => Promise<void>) => {
      const [response] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith(`/${step}`)), click()]);
      expect({ step, status: response.status(), body: response.ok() ? undefined : await response.text() }).toEqual({ step, status: 200, body: undefined });
    };
    await answered('verify', () => page.getByRole('button', { name: /确\s?定/ }).click());
    await page.getByRole('cell', { name: '已核验身份' }).waitFor();
    await answered('fulfil', () => page.getByRole('button', { name: /执\s?行/ }).click());
    await page.getByRole('cell', { name: '已完成' }).waitFor();
    await screenshot(page, 'rights-request-fulfilled');
    const done = await call('GET', `/v1/rights-requests/${fresh.body.requestId}`, await tokens(api).compliance());
    expect(done.body.status).toBe('fulfilled');
    expect(problems).toEqual([]);
    await context.close();
  });
});
