import { readFileSync } from 'node:fs';
import { Browser, Page } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { chinaDate } from '../support/test-clock';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration, ZHANG } from '../support/realistic-subject';
import { choosePurpose, launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The little of the DOM these functions use in the page (the specs are typed without the DOM library; a string would need eval, which the CSP forbids). */
interface AnimatedDocument {
  getAnimations(): { playState: string; effect: { getTiming(): { iterations?: number } } | null }[];
}

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: unknown[] }[];
}

/**
 * axe-core run in the page as it stands: the serious and critical violations, each with where it is.
 * The script goes in through the DevTools protocol, as a person's extension would: the console's CSP
 * (no inline script) stays on.
 */
async function seriousViolations(page: Page, within = 'document'): Promise<string[]> {
  // a dialog or tab still fading in has, for that moment, too little contrast: wait for the finite animations to end
  await page.waitForFunction(() =>
    (globalThis as unknown as { document: AnimatedDocument }).document
      .getAnimations()
      .every((animation) => animation.playState !== 'running' || animation.effect?.getTiming().iterations === Infinity),
  );
  if (!(await page.evaluate('typeof window.axe !== "undefined"'))) await page.evaluate(AXE);
  const violations = await page.evaluate<Violation[]>(`window.axe.run(${within}, { resultTypes: ["violations"] }).then((result) => result.violations)`);
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id} (${violation.impact}): ${violation.help} at ${violation.nodes.map((node) => JSON.stringify(node.target)).join(', ')}`);
}

/** The main pages, with their data in them, scanned by axe-core in Chromium: no serious or critical violation; the customer file's records on a phone. */
describe('console: accessibility of the main pages, and the records on a phone', () => {
  let api: TestApi;
  let browser: Browser;
  let subjectId: string;
  let departmentId: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    const call = jsonRequest(api);
    const staff = await tokens(api).staff();
    departmentId = (await call('POST', '/v1/departments', await tokens(api).admin(), { code: 'a11y', name: '健康管理部' })).body.departmentId;
    subjectId = (await call('POST', '/v1/subjects', staff, registration())).body.subjectId;
    expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, staff, { departmentId })).status).toBe(200);
    for (const [visitDate, value] of [
      [chinaDate(-200), 5.4],
      [chinaDate(-20), 7.4],
    ] as const) {
      const visit = await call('POST', `/v1/subjects/${subjectId}/checkups`, staff, {
        visitDate,
        institution: '北京协和体检分院',
        package: '心脑血管深度筛查套餐',
        results: [
          { code: 'GLU', name: '空腹血糖', value, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } },
          { code: 'HBsAg', name: '乙肝表面抗原', value: '阴性' },
        ],
        conclusions: ['建议三个月后复查空腹血糖'],
        purposeId: HM,
      });
      expect(visit.status).toBe(201);
    }
    const service = { serviceDate: chinaDate(-19), serviceType: 'nutrition_guidance', content: '低盐低脂饮食指导', outcome: '客户愿意调整晚餐', purposeId: HM };
    expect((await call('POST', `/v1/subjects/${subjectId}/service-records`, staff, service)).status).toBe(201);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('finds no serious or critical violation on the health manager’s pages: home, search, register, the customer file’s tabs and the work queues', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const hm = await signInAs(context, api, 'hm-a11y', ['health_manager'], departmentId);
    const task = { dueDate: chinaDate(0), channel: 'phone', note: '提醒复查空腹血糖', assignee: hm, department: departmentId, purposeId: HM };
    expect((await jsonRequest(api)('POST', `/v1/subjects/${subjectId}/follow-ups`, await tokens(api).staff(), task)).status).toBe(201);
    const { page, problems } = await watchedPage(context);
    const found: Record<string, string[]> = {};
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('heading', { name: /您好/ }).waitFor();
    found.home = await seriousViolations(page);

    await page.getByRole('menuitem', { name: '客户查询' }).click();
    await page.getByText('请选择本次工作的处理目的').waitFor();
    found.purpose = await seriousViolations(page);
    await choosePurpose(page, 'Health management');
    await page.getByRole('button', { name: /查\s?询/ }).waitFor();
    found.search = await seriousViolations(page);

    await page.getByRole('menuitem', { name: '登记新客户' }).click();
    await page.getByText('已向客户出示并说明上述个人信息处理告知书').waitFor();
    found.register = await seriousViolations(page);

    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/checkups`);
    await choosePurpose(page, 'Health management');
    await page.getByTestId('trend-chart').locator('canvas').waitFor();
    found.checkups = await seriousViolations(page);
    await page.getByRole('button', { name: '记录体检' }).click();
    await page.getByRole('dialog').getByLabel('体检机构').waitFor();
    // the page behind a dialog is dimmed and inert: the dialog is what is read
    found.checkupForm = await seriousViolations(page, 'document.querySelector(".ant-modal")');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });

    await page.getByRole('tab', { name: '服务记录' }).click();
    await page.getByTestId('service-records').getByText('低盐低脂饮食指导').waitFor();
    found.services = await seriousViolations(page);
    await page.getByRole('tab', { name: '回访' }).click();
    await page.getByTestId('follow-ups').getByText('提醒复查空腹血糖').click();
    await page.getByTestId('follow-up-drawer').getByRole('button', { name: '完成回访' }).waitFor();
    found.followUp = await seriousViolations(page);
    await page.keyboard.press('Escape');

    await page.getByRole('menuitem', { name: '我的回访' }).click();
    await page.getByTestId('follow-up-queue').getByRole('link', { name: /处理/ }).waitFor();
    found.myQueue = await seriousViolations(page);
    await page.getByRole('menuitem', { name: '部门逾期回访' }).click();
    await page.getByRole('heading', { name: /部门逾期回访/ }).waitFor();
    found.overdueQueue = await seriousViolations(page);
    // the combined query with its results (no condition: everyone in reach)
    await page.getByRole('menuitem', { name: '组合查询' }).click();
    await page.getByRole('button', { name: '条件 1 · 删除此条件' }).click();
    await page.getByRole('button', { name: /^查\s?询$/ }).click();
    await page.getByRole('link', { name: ZHANG.name }).waitFor();
    await page.mouse.move(0, 0); // the run button as it rests, not under the pointer
    found.query = await seriousViolations(page);

    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, []])));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('finds no serious or critical violation on customer service’s pages: contact, classification, timeline, complaints with a complaint open, plans, surveys, messages and the complaint queue', async () => {
    const staff = await tokens(api).staff();
    const complaint = { channel: 'phone', category: 'waiting_time', severity: 'medium', description: '排队时间过长', department: departmentId, purposeId: HM };
    expect((await jsonRequest(api)('POST', `/v1/subjects/${subjectId}/complaints`, staff, complaint)).status).toBe(201);
    const context = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(context, api, 'cs-a11y', ['customer_service'], departmentId);
    const { page, problems } = await watchedPage(context);
    const found: Record<string, string[]> = {};
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/contact`);
    await choosePurpose(page, 'Health management');
    await page.getByTestId('phones').getByText('手机').waitFor();
    found.contact = await seriousViolations(page);
    await page.getByRole('tab', { name: '客户分类' }).click();
    await page.getByTestId('customer-profile').waitFor();
    found.classification = await seriousViolations(page);
    await page.getByRole('tab', { name: '时间线' }).click();
    await page.getByTestId('timeline').getByText('营养指导').waitFor();
    found.timeline = await seriousViolations(page);
    await page.getByRole('tab', { name: '投诉' }).click();
    await page.getByTestId('complaints').getByText('排队时间过长').waitFor();
    found.complaints = await seriousViolations(page);
    await page.getByTestId('complaints').getByText('排队时间过长').click();
    await page.getByTestId('complaint-drawer').getByRole('button', { name: '指派给我' }).waitFor();
    found.complaint = await seriousViolations(page);
    await page.keyboard.press('Escape');
    await page.getByTestId('complaint-drawer').waitFor({ state: 'detached' });
    for (const [tab, testId, none] of [
      ['随访计划', 'follow-up-plans', '没有随访计划'],
      ['满意度调查', 'survey-responses', '没有调查记录'],
      ['消息', 'messages', '没有发给客户的消息'],
    ]) {
      await page.getByRole('tab', { name: tab }).click();
      await page.getByTestId(testId).getByText(none).waitFor();
      found[testId] = await seriousViolations(page);
    }
    await page.getByRole('menuitem', { name: '投诉工单' }).click();
    await page.getByText('本部门').click();
    await page.getByTestId('complaint-queue').getByRole('link', { name: /处理/ }).waitFor();
    found.complaintQueue = await seriousViolations(page);
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, []])));
    expect(problems).toEqual([]);
    await context.close();
  });

  it('finds no serious or critical violation on the compliance officer’s pages: rights requests, audit and reports', async () => {
    const signed = await jsonRequest(api)('POST', '/v1/audit/tree-heads', await tokens(api).compliance(), undefined, { 'x-ledger-min-position': String(await api.logHead()) });
    expect([200, 201]).toContain(signed.status);
    const context = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(context, api, 'co-a11y', ['compliance_officer']);
    const { page, problems } = await watchedPage(context);
    const found: Record<string, string[]> = {};
    await page.goto(`${api.baseUrl}/console/rights`);
    await page.getByRole('heading', { name: '个人信息权利请求' }).waitFor();
    await page.locator('.ant-table').waitFor();
    found.rights = await seriousViolations(page);
    await page.getByRole('menuitem', { name: '审计' }).click();
    await page.getByTestId('head-verdict').getByText('验证通过').waitFor();
    found.audit = await seriousViolations(page);
    await page.getByRole('menuitem', { name: '统计报表' }).click();
    for (const chart of ['客户结构', '每日活动']) await page.getByRole('img', { name: chart }).locator('canvas').waitFor();
    found.reports = await seriousViolations(page);
    expect(found).toEqual({ rights: [], audit: [], reports: [] });
    expect(problems).toEqual([]);
    await context.close();
  });

  it('finds no serious or critical violation on the admin, ops, compliance and import pages', async () => {
    const found: Record<string, string[]> = {};
    const problems: string[] = [];
    const visit = async (username: string, roles: string[], pages: Array<[name: string, path: string, ready: (page: Page) => Promise<unknown>]>) => {
      const context = await browser.newContext({ locale: 'zh-CN' });
      await signInAs(context, api, username, roles);
      const watched = await watchedPage(context);
      for (const [name, path, ready] of pages) {
        await watched.page.goto(`${api.baseUrl}/console${path}`);
        await ready(watched.page);
        found[name] = await seriousViolations(watched.page);
      }
      problems.push(...watched.problems);
      await context.close();
    };
    const table = (testId: string) => (page: Page) => page.getByTestId(testId).locator('.ant-table-row').first().waitFor();
    await visit(
      'admin-a11y',
      ['admin'],
      [
        ['staff', '/admin/staff', table('staff-table')],
        [
          'staffAccount',
          '/admin/staff',
          async (page) => {
            await page.getByTestId('staff-table').getByRole('button', { name: 'admin-a11y' }).click();
            await page.getByTestId('staff-drawer').getByText('最近登录记录').waitFor();
          },
        ],
        ['departments', '/admin/departments', table('departments-table')],
        ['accessMatrix', '/admin/access-matrix', table('access-matrix')],
        ['registry', '/admin/registry', table('purposes-table')],
      ],
    );
    await visit('ops-a11y', ['ops'], [['projections', '/ops/projections', table('projections-table')]]);
    await visit(
      'co-a11y-2',
      ['compliance_officer'],
      [
        ['legalHolds', '/compliance/legal-holds', (page) => page.getByRole('button', { name: '设置法定保留' }).waitFor()],
        ['accessLog', '/compliance/access-log', (page) => page.getByRole('switch', { name: '只看紧急访问' }).waitFor()],
        ['breakGlass', '/compliance/break-glass', (page) => page.getByTestId('break-glass-report').waitFor()],
        ['assessments', '/compliance/assessments', (page) => page.getByText('还没有影响评估').waitFor()],
        ['incidents', '/compliance/incidents', (page) => page.getByText('没有记录的安全事件').waitFor()],
      ],
    );
    await visit('fd-a11y', ['front_desk'], [['imports', '/imports', (page) => page.getByRole('combobox', { name: '处理目的' }).waitFor()]]);
    // the bulk export and the merge of two files (a second file of the same person, without the ID document)
    const again = registration();
    const data = { identity: (again.data as Record<string, unknown>).identity, contact: { phone: '138 1234 5678', email: 'zhang.wei.2@example.cn' } };
    const secondId = (await jsonRequest(api)('POST', '/v1/subjects', await tokens(api).staff(), { ...again, data })).body.subjectId as string;
    const withPurpose = (ready: (page: Page) => Promise<unknown>) => async (page: Page) => {
      await choosePurpose(page, 'Health management');
      await ready(page);
    };
    await visit(
      'fd-a11y-2',
      ['front_desk'],
      [
        ['exports', '/exports', withPurpose((page) => page.getByRole('button', { name: '导出并下载' }).waitFor())],
        ['merge', `/duplicates/${subjectId}/${secondId}/merge`, withPurpose((page) => page.locator('[data-category="contact"]').waitFor())],
      ],
    );
    expect(found).toEqual(Object.fromEntries(Object.keys(found).map((name) => [name, []])));
    expect(Object.keys(found)).toHaveLength(14);
    expect(problems).toEqual([]);
  });

  it('shows the customer file’s check-ups, services and follow-ups on a phone with nothing wider than the screen', async () => {
    const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signInAs(phone, api, 'hm-phone', ['health_manager'], departmentId);
    const { page, problems } = await watchedPage(phone);
    const widths: Record<string, number> = {};
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/checkups`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    const canvas = page.getByTestId('trend-chart').locator('canvas');
    await canvas.waitFor();
    expect((await canvas.boundingBox())?.width).toBeLessThanOrEqual(390);
    widths.checkups = await page.evaluate<number>('document.documentElement.scrollWidth');
    await screenshot(page, 'phone-checkups');
    await page.getByRole('button', { name: '记录体检' }).click();
    await page.getByRole('dialog').getByLabel('体检机构').waitFor();
    widths.checkupForm = await page.evaluate<number>('document.documentElement.scrollWidth');
    await screenshot(page, 'phone-checkup-form');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    // on a phone the file's sections are a list, not a bar of tabs running off the screen
    expect(await page.getByRole('tablist').count()).toBe(0);
    await page.getByRole('combobox', { name: '档案内容' }).click();
    await page.getByTitle('服务记录').click();
    await page.getByTestId('service-records').getByText('低盐低脂饮食指导').waitFor();
    widths.services = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(Object.keys(widths)).toHaveLength(3);
    expect(Object.entries(widths).filter(([, width]) => width > 390)).toEqual([]);
    expect(problems).toEqual([]);
    await phone.close();
  });
  it('finds no serious or critical violation in the record forms (message, survey answers) and the compliance forms (incident, assessment)', async () => {
    const found: Record<string, string[]> = {};
    const problems: string[] = [];
    const scanDialog = async (page: Page, name: string) => {
      await page.getByRole('dialog').waitFor();
      found[name] = await seriousViolations(page);
      await page.keyboard.press('Escape');
      await page.getByRole('dialog').waitFor({ state: 'detached' });
    };
    const hm = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(hm, api, 'hm-a11y-forms', ['health_manager'], departmentId);
    const file = await watchedPage(hm);
    await file.page.goto(`${api.baseUrl}/console/customers/${subjectId}/messages`);
    await choosePurpose(file.page, 'Health management');
    await file.page.getByRole('button', { name: '发送消息' }).click();
    await scanDialog(file.page, 'messageForm');
    await file.page.getByRole('tab', { name: '满意度调查' }).click();
    await file.page.getByRole('button', { name: '录入调查回答' }).click();
    await scanDialog(file.page, 'surveyAnswerForm');
    problems.push(...file.problems);
    await hm.close();

    const co = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(co, api, 'co-a11y-forms', ['compliance_officer']);
    const compliance = await watchedPage(co);
    await compliance.page.goto(`${api.baseUrl}/console/compliance/incidents`);
    await compliance.page.getByRole('button', { name: '记录安全事件' }).click();
    await scanDialog(compliance.page, 'incidentForm');
    await compliance.page.goto(`${api.baseUrl}/console/compliance/assessments`);
    await compliance.page.getByRole('button', { name: '新建影响评估' }).click();
    await compliance.page.getByRole('dialog').getByRole('button', { name: '添加接收方' }).click();
    await scanDialog(compliance.page, 'assessmentForm');
    problems.push(...compliance.problems);
    await co.close();
    expect(found).toEqual({ messageForm: [], surveyAnswerForm: [], incidentForm: [], assessmentForm: [] });
    expect(problems).toEqual([]);
  });
});
