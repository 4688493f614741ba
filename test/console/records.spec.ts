import { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { chinaDate, DAY_MS, TEST_NOW } from '../support/test-clock';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration, ZHANG } from '../support/realistic-subject';
import { choosePurpose, launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';
/** The ledger runs two days after TEST_NOW once set up, so tasks due on TEST_NOW's date are overdue. */
const SKEW_DAYS = 2;
const VISIT_DATE = chinaDate(SKEW_DAYS - 1);
const EARLIER_VISIT = chinaDate(-180);

/** The little of the DOM the canvas check uses in the page (the specs are typed without the DOM library; a string would need eval, which the CSP forbids). */
interface ChartDocument {
  querySelector(
    selector: string,
  ): { width: number; height: number; getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } | null } | null;
}

/** An answer of the API to this page: waited for, never slept for. */
const answered = (page: Page, method: string, path: RegExp) =>
  page.waitForResponse((response: Response) => response.request().method() === method && path.test(new URL(response.url()).pathname));

/** The customer's records in Chromium on the real API: check-ups with their trend, services, follow-ups and the work queues. */
describe('console: check-ups, services, follow-ups and work queues', () => {
  let api: TestApi;
  let browser: Browser;
  let call: ReturnType<typeof jsonRequest>;
  let departmentId: string;
  let subjectId: string;
  let skewMs = 0;
  let overdueTasks: string[];
  /** The health manager's browser, signed in once (a TOTP step takes one code): each test opens its own page, which asks the purpose again. */
  let hm: BrowserContext;
  let hmLi: string;

  beforeAll(async () => {
    const started = Date.now();
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT, { clock: () => new Date(Date.parse(TEST_NOW) + (Date.now() - started) + skewMs) }), launchChromium()]);
    call = jsonRequest(api);
    const staff = await tokens(api).staff();
    const admin = await tokens(api).admin();
    const department = await call('POST', '/v1/departments', admin, { code: 'chronic', name: '慢病管理部' });
    expect(department.status).toBe(201);
    departmentId = department.body.departmentId;
    const registered = await call('POST', '/v1/subjects', staff, registration());
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, staff, { departmentId })).status).toBe(200);
    // an earlier visit, normal: the trend has a point before the one recorded in the page
    const earlier = await call('POST', `/v1/subjects/${subjectId}/checkups`, staff, {
      visitDate: EARLIER_VISIT,
      institution: '北京协和体检分院',
      results: [{ code: 'GLU', name: '空腹血糖', value: 5.6, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } }],
      conclusions: [],
      purposeId: HM,
    });
    expect(earlier.status).toBe(201);
    // an abnormal result opens a follow-up for whoever records it, due in a week
    expect((await call('PUT', '/v1/follow-up-rules/abnormal-result', admin, { enabled: true, dueInDays: 7, channel: 'phone' })).status).toBe(200);
    // two of a colleague's tasks due today, overdue once the ledger's clock has moved on
    overdueTasks = [];
    for (const note of ['询问降压药服用情况', '提醒预约复查']) {
      const opened = await call('POST', `/v1/subjects/${subjectId}/follow-ups`, staff, {
        dueDate: chinaDate(0),
        channel: 'phone',
        note,
        assignee: 'hm-colleague',
        department: departmentId,
        purposeId: HM,
      });
      expect(opened.status).toBe(201);
      overdueTasks.push(opened.body.taskId);
    }
    skewMs = SKEW_DAYS * DAY_MS;
    hm = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    hmLi = await signInAs(hm, api, 'hm-li', ['health_manager'], departmentId);
  });
  afterAll(async () => {
    await hm?.close();
    await browser?.close();
    await api?.close();
  });

  it('a health manager records a check-up with an abnormal result, sees it highlighted, the trend drawn across both visits, and the follow-up it opened', async () => {
    const { page, problems } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/checkups`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    await page.getByRole('tab', { name: '体检', selected: true }).waitFor();
    await page.getByTestId('checkup-visits').getByRole('cell', { name: EARLIER_VISIT }).waitFor();

    await page.getByRole('button', { name: '记录体检' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('体检日期').fill(VISIT_DATE);
    await form.getByLabel('体检机构').fill('北京协和体检分院');
    await form.getByLabel('体检套餐').fill('心脑血管深度筛查套餐');
    const fillResult = async (n: number, values: string[]) => {
      const card = form.locator('.ant-card').filter({ hasText: `第 ${n} 项` });
      for (const [label, value] of [
        ['指标代码', values[0]],
        ['指标名称', values[1]],
        ['结果', values[2]],
        ['单位', values[3]],
        ['参考下限', values[4]],
        ['参考上限', values[5]],
      ]) {
        await card.getByLabel(label, { exact: true }).fill(value);
      }
    };
    await fillResult(1, ['GLU', '空腹血糖', '7.4', 'mmol/L', '3.9', '6.1']);
    await form.getByRole('button', { name: '添加一项结果' }).click();
    await fillResult(2, ['TC', '总胆固醇', '4.1', 'mmol/L', '2.8', '5.2']);
    await form.getByLabel('体检结论').fill('空腹血糖升高，建议三个月后复查');
    // a visit in the future is refused, in words naming the field, and nothing is recorded
    await form.getByLabel('体检日期').fill(chinaDate(SKEW_DAYS + 30));
    const refused = answered(page, 'POST', /\/checkups$/);
    await form.getByRole('button', { name: /保\s?存/ }).click();
    expect((await refused).status()).toBe(400);
    expect(await form.getByRole('alert').innerText()).toBe('填写的内容有误，请检查：体检日期');
    await form.getByLabel('体检日期').fill(VISIT_DATE);
    const recorded = answered(page, 'POST', /\/checkups$/);
    await form.getByRole('button', { name: /保\s?存/ }).click();
    const recordedBody = (await (await recorded).json()) as { visitId: string; followUpTaskId: string | null };
    expect(recordedBody.followUpTaskId).toEqual(expect.any(String));
    await page.getByText('有异常结果，已自动生成回访任务。').waitFor();
    await page.waitForURL(`**/console/customers/${subjectId}/checkups/${recordedBody.visitId}`);

    // the visit: the high glucose flagged and its row highlighted, the cholesterol normal
    const visit = page.getByTestId('checkup-visit');
    await visit.getByText(`${VISIT_DATE} · 北京协和体检分院`).waitFor();
    const abnormal = visit.locator('tr.abnormal');
    expect(await abnormal.count()).toBe(1);
    expect(await abnormal.innerText()).toMatch(/空腹血糖 \(GLU\)\s+7\.4 mmol\/L\s+3\.9–6\.1\s+偏高 ↑/);
    expect(await visit.getByRole('row').filter({ hasText: '总胆固醇' }).innerText()).toContain('正常');

    // the trend of the abnormal indicator: both visits in ECharts' own description of its data, the new point drawn in red
    const trend = page.locator('[data-testid="indicator-trend"][data-code="GLU"]');
    await trend.waitFor();
    const chart = trend.getByTestId('trend-chart');
    await chart.locator('canvas').waitFor();
    const box = await chart.locator('canvas').boundingBox();
    expect(box?.width).toBeGreaterThan(300);
    expect(box?.height).toBeGreaterThan(200);
    const described = await chart.getAttribute('aria-label');
    expect(described).toContain(EARLIER_VISIT);
    expect(described).toContain('5.6');
    expect(described).toContain(VISIT_DATE);
    expect(described).toContain('7.4');
    // an abnormal point's red (#cf1322) is on the canvas once the line's animation has drawn it
    await page.waitForFunction(() => {
      const canvas = (globalThis as unknown as { document: ChartDocument }).document.querySelector('[data-testid="trend-chart"] canvas');
      const pixels = canvas?.getContext('2d')?.getImageData(0, 0, canvas.width, canvas.height).data;
      if (!pixels) return false;
      for (let i = 0; i < pixels.length; i += 4) if (pixels[i] === 0xcf && pixels[i + 1] === 0x13 && pixels[i + 2] === 0x22) return true;
      return false;
    });
    const points = trend.getByTestId('trend-points').locator('tbody tr.ant-table-row');
    expect(await points.allInnerTexts()).toEqual([
      expect.stringMatching(new RegExp(`${EARLIER_VISIT}\\s+5\\.6 mmol/L.*正常`)),
      expect.stringMatching(new RegExp(`${VISIT_DATE}\\s+7\\.4 mmol/L.*偏高`)),
    ]);
    await screenshot(page, 'records-checkup-trend');

    // the follow-up the abnormal result opened is in the customer's tasks, due a week after today
    await page.getByRole('tab', { name: '回访' }).click();
    const task = page.getByTestId('follow-ups').getByRole('row').filter({ hasText: '体检异常' });
    await task.waitFor();
    expect(await task.innerText()).toMatch(new RegExp(`${chinaDate(SKEW_DAYS + 7)}[\\s\\S]*待回访[\\s\\S]*电话[\\s\\S]*体检异常指标：空腹血糖（GLU）`));
    expect(problems.filter((problem) => !problem.includes('status of 400'))).toEqual([]);
    await page.close();
  });

  it('records a service and lists it under its type', async () => {
    const { page, problems } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/services`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('tab', { name: '服务记录', selected: true }).waitFor();
    await page.getByTestId('service-records').getByText('还没有服务记录').waitFor();
    await page.getByRole('button', { name: '记录服务' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('服务日期').fill(VISIT_DATE);
    await form.getByLabel('服务类型').click();
    await page.getByTitle('营养指导').click();
    await form.getByLabel('服务内容').fill('低盐低脂饮食指导，讲解食物交换份');
    await form.getByLabel('服务效果').fill('客户表示理解，愿意调整晚餐');
    const recorded = answered(page, 'POST', /\/service-records$/);
    await form.getByRole('button', { name: /保\s?存/ }).click();
    expect((await recorded).status()).toBe(201);
    const row = page.getByTestId('service-records').getByRole('row').filter({ hasText: '低盐低脂饮食指导' });
    await row.waitFor();
    expect(await row.innerText()).toMatch(new RegExp(`${VISIT_DATE}\\s+营养指导\\s+低盐低脂饮食指导，讲解食物交换份\\s+客户表示理解，愿意调整晚餐`));
    await screenshot(page, 'records-service');
    const stored = await call('GET', `/v1/subjects/${subjectId}/service-records`, await tokens(api).staff(), undefined, { 'x-processing-purpose': HM });
    expect(stored.body.items).toEqual([
      expect.objectContaining({
        serviceType: 'nutrition_guidance',
        serviceDate: VISIT_DATE,
        details: { content: '低盐低脂饮食指导，讲解食物交换份', outcome: '客户表示理解，愿意调整晚餐' },
      }),
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('completes a follow-up from the work queue, and shows the department’s overdue tasks flagged', async () => {
    const { page, problems } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '我的回访' }).click();
    const queue = page.getByTestId('follow-up-queue');
    const mine = queue.getByRole('row').filter({ hasText: '体检异常' });
    await mine.waitFor();
    expect(await queue.locator('tbody tr.ant-table-row').count()).toBe(1);
    expect(page.url()).not.toMatch(/[\u4e00-\u9fa5]|%E/); // no personal data in the address
    await mine.getByRole('link', { name: /处理/ }).click();
    await page.waitForURL(new RegExp(`/console/customers/${subjectId}/follow-ups/[0-9a-f-]{36}$`));
    await choosePurpose(page, 'Health management');
    const drawer = page.getByTestId('follow-up-drawer');
    await drawer.getByText('体检异常指标：空腹血糖（GLU）').waitFor();
    await drawer.getByRole('button', { name: '完成回访' }).click();
    await drawer.getByLabel('回访结果').fill('已电话联系，客户同意三个月后复查空腹血糖');
    const completed = answered(page, 'POST', /\/follow-ups\/[0-9a-f-]+\/complete$/);
    await drawer.getByRole('button', { name: '完成回访' }).click();
    expect((await completed).status()).toBe(200);
    await drawer.waitFor({ state: 'detached' });
    await page.getByTestId('follow-ups').getByRole('row').filter({ hasText: '体检异常' }).filter({ hasText: '已完成' }).waitFor();

    await page.getByRole('menuitem', { name: '我的回访' }).click();
    await page.getByTestId('follow-up-queue').getByText('没有回访任务').waitFor();
    const tasks = await call('GET', `/v1/subjects/${subjectId}/follow-ups`, await tokens(api).staff(), undefined, { 'x-processing-purpose': HM });
    expect(tasks.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ assignee: hmLi, status: 'done', closedBy: hmLi, outcome: '已电话联系，客户同意三个月后复查空腹血糖' })]),
    );

    await page.getByRole('menuitem', { name: '部门逾期回访' }).click();
    await page.getByRole('heading', { name: '部门逾期回访：慢病管理部' }).waitFor();
    const overdue = page.getByTestId('follow-up-queue').locator('tr.overdue');
    await overdue.first().waitFor();
    expect(await overdue.count()).toBe(2);
    for (const text of await overdue.allInnerTexts()) expect(text).toMatch(new RegExp(`${chinaDate(0)}\\s+已逾期`));
    await screenshot(page, 'records-overdue-queue');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('tells the person a task was closed by someone else meanwhile, and shows it as it is now', async () => {
    const { page } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/follow-ups/${overdueTasks[0]}`);
    await choosePurpose(page, 'Health management');
    const drawer = page.getByTestId('follow-up-drawer');
    await drawer.getByText('询问降压药服用情况').waitFor();
    await drawer.getByRole('button', { name: '取消任务' }).click();
    await drawer.getByLabel('取消原因').fill('客户已转至其他机构');
    // meanwhile, the colleague it belongs to completes it
    const elsewhere = await call('POST', `/v1/follow-ups/${overdueTasks[0]}/complete`, await tokens(api).staff(), { outcome: '已回访', purposeId: HM });
    expect(elsewhere.status).toBe(200);
    await api.readModelsCaughtUp(); // the page did not make that write, so it cannot ask its reads to include it
    const refused = answered(page, 'POST', /\/cancel$/);
    await drawer.getByRole('button', { name: '取消任务' }).click();
    expect((await refused).status()).toBe(409);
    await drawer.getByRole('alert').getByText('该任务已被他人完成或取消').waitFor();
    await drawer.getByRole('button', { name: '查看最新状态' }).click();
    await page.getByTestId('follow-ups').getByRole('row').filter({ hasText: '询问降压药服用情况' }).filter({ hasText: '已完成' }).waitFor();
    await page.close();
  });

  it('offers no check-ups tab to customer service, whose role may not read health records; a manager sees the overdue queue but no customer file', async () => {
    const service = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(service, api, 'cs-zhou', ['customer_service'], departmentId);
    const { page, problems } = await watchedPage(service);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    await page.getByRole('tab', { name: '回访' }).waitFor();
    const tabs = await page.getByRole('tab').allInnerTexts();
    expect(tabs).toEqual(expect.arrayContaining(['服务记录', '回访']));
    expect(tabs).not.toContain('体检');
    // the address names the tab: it is not there either
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/checkups`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    expect(await page.getByRole('tab', { name: '体检' }).count()).toBe(0);
    expect(problems).toEqual([]);
    await service.close();

    const managers = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(managers, api, 'mgr-sun', ['manager'], departmentId);
    const manager = await watchedPage(managers);
    await manager.page.goto(`${api.baseUrl}/console/`);
    const menu = manager.page.getByRole('navigation', { name: '主菜单' });
    await menu.getByRole('menuitem', { name: '部门逾期回访' }).click();
    expect(await menu.getByRole('menuitem').allInnerTexts()).not.toEqual(expect.arrayContaining(['我的回访']));
    expect(await menu.getByRole('menuitem', { name: '客户查询' }).count()).toBe(0);
    await manager.page.getByTestId('follow-up-queue').locator('tr.overdue').first().waitFor();
    expect(await manager.page.getByTestId('follow-up-queue').getByRole('link').count()).toBe(0);
    expect(manager.problems).toEqual([]);
    await managers.close();
  });
});
