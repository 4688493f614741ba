import { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { TEST_NOW } from '../support/test-clock';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration, ZHANG } from '../support/realistic-subject';
import { choosePurpose, launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';
const HOUR_MS = 3600_000;
const SAVE = /保\s?存/;

/** An answer of the API to this page: waited for, never slept for. */
const answered = (page: Page, method: string, path: RegExp) =>
  page.waitForResponse((response: Response) => response.request().method() === method && path.test(new URL(response.url()).pathname));

/** Customer service takes a complaint from the customer's call to its closure in Chromium, on the real API; the queue flags the overdue. */
describe('console: a complaint from receipt to closure, and the complaint queue', () => {
  let api: TestApi;
  let browser: Browser;
  let call: ReturnType<typeof jsonRequest>;
  let departmentId: string;
  let subjectId: string;
  let overdueId: string;
  let skewMs = 0;
  let cs: BrowserContext;
  let csId: string;

  beforeAll(async () => {
    const started = Date.now();
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT, { clock: () => new Date(Date.parse(TEST_NOW) + (Date.now() - started) + skewMs) }), launchChromium()]);
    call = jsonRequest(api);
    const staff = await tokens(api).staff();
    departmentId = (await call('POST', '/v1/departments', await tokens(api).admin(), { code: 'care', name: '客户服务部' })).body.departmentId;
    const registered = await call('POST', '/v1/subjects', staff, registration());
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, staff, { departmentId })).status).toBe(200);
    // a critical complaint taken by phone: its reply is due in 4 hours, overdue once the ledger's clock is 6 hours on
    const critical = await call('POST', `/v1/subjects/${subjectId}/complaints`, staff, {
      channel: 'hotline_12345',
      category: 'privacy',
      severity: 'critical',
      description: '客户反映体检报告被寄到了旧地址',
      department: departmentId,
      purposeId: HM,
    });
    expect(critical.status).toBe(201);
    overdueId = critical.body.complaintId;
    skewMs = 6 * HOUR_MS;
    cs = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    csId = await signInAs(cs, api, 'cs-wang', ['customer_service'], departmentId);
  });
  afterAll(async () => {
    await cs?.close();
    await browser?.close();
    await api?.close();
  });

  it('customer service records a complaint, assigns it to herself, meets a colleague’s step, notes, replies and closes it with the customer’s satisfaction', async () => {
    const { page, problems } = await watchedPage(cs);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/complaints`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    await page.getByRole('tab', { name: '投诉', selected: true }).waitFor();
    // the complaint taken earlier: overdue, flagged, its reply deadline late
    const earlier = page.getByTestId('complaints').getByRole('row').filter({ hasText: '客户反映体检报告被寄到了旧地址' });
    await earlier.getByText('已超时').waitFor();
    expect(await earlier.getByRole('timer').first().textContent()).toMatch(/^超时 \d+ 小时/);

    await page.getByRole('button', { name: '登记投诉' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('投诉类别').click();
    await page.getByTitle('等候时间').click();
    await form.getByLabel('严重程度').click();
    await page.getByTitle('严重', { exact: true }).click();
    // the description is required: nothing is sent without it
    await form.getByRole('button', { name: SAVE }).click();
    await form.getByText('必填').waitFor();
    await form.getByLabel('投诉内容').fill('体检当天排队两个小时，没有人说明原因');
    const received = answered(page, 'POST', /\/complaints$/);
    await form.getByRole('button', { name: SAVE }).click();
    const receipt = await received;
    expect(receipt.status()).toBe(201);
    const { complaintId } = (await receipt.json()) as { complaintId: string };

    // the new complaint opens in its drawer, its address naming it (ids only)
    const drawer = page.getByTestId('complaint-drawer');
    await drawer.getByText('已受理').waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/customers/${subjectId}/complaints/${complaintId}`);
    // the ledger's time in the page comes from the Date header, to the second: just received, a day left or a moment less
    expect(await drawer.getByRole('timer').allTextContents()).toEqual([expect.stringMatching(/^剩余 (23 小时|1 天$)/), expect.stringMatching(/^剩余 (6 天 23 小时|7 天$)/)]);

    await drawer.getByRole('button', { name: '指派给我' }).click();
    await drawer.getByText('已指派').waitFor();
    // a colleague starts it meanwhile: the page's start is refused (412), said so, and the complaint shown as it is now
    const version =
      (await call('GET', `/v1/subjects/${subjectId}/complaints/${complaintId}`, await tokens(api).staff(), undefined, { 'x-processing-purpose': HM })).headers.get('etag') ?? '';
    expect((await call('POST', `/v1/complaints/${complaintId}/start`, await tokens(api).staff(), {}, { 'if-match': version })).status).toBe(200);
    await drawer.getByRole('button', { name: '开始处理' }).click();
    await drawer.getByText('这张工单已被他人处理（现为“处理中”），已显示最新状态。').waitFor();
    await drawer.getByRole('button', { name: '答复客户' }).waitFor();

    await drawer.getByRole('button', { name: '添加处理记录' }).click();
    await drawer.getByLabel('处理记录').fill('已向体检中心核实：当天两台设备检修');
    await drawer.getByTestId('complaint-step').getByRole('button', { name: '添加处理记录' }).click();
    await drawer.getByText('已向体检中心核实：当天两台设备检修').waitFor();

    await drawer.getByRole('button', { name: '答复客户' }).click();
    await drawer.getByLabel('答复').fill('非常抱歉，已安排下次体检绿色通道');
    await drawer.getByTestId('complaint-step').getByRole('button', { name: '答复客户' }).click();
    await drawer.getByText('已答复', { exact: true }).waitFor();

    await drawer.getByRole('button', { name: /^结\s?案$/ }).click();
    await drawer.getByTestId('complaint-step').getByRole('radio').nth(3).click();
    await drawer
      .getByTestId('complaint-step')
      .getByRole('button', { name: /^结\s?案$/ })
      .click();
    await drawer.getByText('已结案', { exact: true }).first().waitFor();

    // what the ledger holds: closed, the reply and the satisfaction, every step by this person or the colleague
    const stored = await call('GET', `/v1/subjects/${subjectId}/complaints/${complaintId}`, await tokens(api).staff(), undefined, { 'x-processing-purpose': HM });
    expect(stored.body).toMatchObject({ status: 'closed', category: 'waiting_time', severity: 'high', handler: csId, reply: '非常抱歉，已安排下次体检绿色通道', satisfaction: 4 });
    expect(stored.body.history.map((step: { type: string }) => step.type)).toEqual([
      'ComplaintReceived',
      'ComplaintAssigned',
      'ComplaintStarted',
      'ComplaintNoted',
      'ComplaintReplied',
      'ComplaintClosed',
    ]);
    await screenshot(page, 'complaint-closed');
    // the one refusal the browser reports is the colleague's step the page was told of
    expect(problems).toEqual([`console: Failed to load resource: the server responded with a status of 412 (Precondition Failed) at /v1/complaints/${complaintId}/start`]);
  });

  it('the complaint queue shows the department’s complaints by deadline, the overdue one in red, and opens it in the file', async () => {
    const { page, problems } = await watchedPage(cs);
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '投诉工单' }).click();
    await page.getByRole('heading', { name: '投诉工单' }).waitFor();
    // mine: the one she handles (closed)
    const queue = page.getByTestId('complaint-queue');
    await queue.getByText('已结案').waitFor();
    expect(await queue.locator('tbody tr.overdue').count()).toBe(0);
    await page.getByText('本部门').click();
    const overdue = queue.locator('tbody tr.overdue');
    await overdue.getByText('已超时').waitFor();
    expect(await overdue.count()).toBe(1);
    await page.getByRole('switch', { name: '只看超时' }).click();
    await queue.locator('tbody tr.ant-table-row').filter({ hasText: '已结案' }).waitFor({ state: 'detached' });
    // the list empties while the filtered page loads: count once the overdue one is back
    await overdue.getByText('已超时').waitFor();
    expect(await queue.locator('tbody tr.ant-table-row').count()).toBe(1);
    await screenshot(page, 'complaint-queue');
    await overdue.getByRole('link', { name: /处理/ }).click();
    await choosePurpose(page, 'Health management');
    await page.getByTestId('complaint-drawer').getByText('客户反映体检报告被寄到了旧地址').first().waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/customers/${subjectId}/complaints/${overdueId}`);
    expect(problems).toEqual([]);
  });
});
