import { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { chinaDate } from '../support/test-clock';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration, ZHANG } from '../support/realistic-subject';
import { choosePurpose, launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';
const SAVE = /保\s?存/;
const OK = /确\s?定/;
/** More entries than one page of the timeline (20). */
const SERVICES = 22;

/** An answer of the API to this page: waited for, never slept for. */
const answered = (page: Page, method: string, path: RegExp) =>
  page.waitForResponse((response: Response) => response.request().method() === method && path.test(new URL(response.url()).pathname));

/** The customer file's contact lists, classification, lifecycle stage and timeline in Chromium, on the real API. */
describe('console: the customer file’s phones, addresses, classification, lifecycle and timeline', () => {
  let api: TestApi;
  let browser: Browser;
  let call: ReturnType<typeof jsonRequest>;
  let departmentId: string;
  let subjectId: string;
  let hm: BrowserContext;
  const read = async () => (await call('GET', `/v1/subjects/${subjectId}?reveal=contact`, await tokens(api).staff(), undefined, { 'x-processing-purpose': HM })).body;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    call = jsonRequest(api);
    const staff = await tokens(api).staff();
    departmentId = (await call('POST', '/v1/departments', await tokens(api).admin(), { code: 'file', name: '健康管理部' })).body.departmentId;
    subjectId = (await call('POST', '/v1/subjects', staff, registration())).body.subjectId;
    expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, staff, { departmentId })).status).toBe(200);
    // a history for the timeline: services over the past weeks, a check-up, a follow-up and a complaint
    for (let day = 1; day <= SERVICES; day += 1) {
      const service = { serviceDate: chinaDate(-day), serviceType: day % 2 ? 'consultation' : 'nutrition_guidance', content: `第 ${day} 次健康咨询`, purposeId: HM };
      expect((await call('POST', `/v1/subjects/${subjectId}/service-records`, staff, service)).status).toBe(201);
    }
    const visit = {
      visitDate: chinaDate(-30),
      institution: '北京协和体检分院',
      results: [{ code: 'GLU', name: '空腹血糖', value: 7.1, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } }],
      conclusions: [],
      purposeId: HM,
    };
    expect((await call('POST', `/v1/subjects/${subjectId}/checkups`, staff, visit)).status).toBe(201);
    expect((await call('POST', `/v1/subjects/${subjectId}/follow-ups`, staff, { dueDate: chinaDate(3), channel: 'phone', note: '复查血糖提醒', purposeId: HM })).status).toBe(201);
    const complaint = { channel: 'phone', category: 'report', severity: 'low', description: '报告晚到', department: departmentId, purposeId: HM };
    expect((await call('POST', `/v1/subjects/${subjectId}/complaints`, staff, complaint)).status).toBe(201);
    hm = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await signInAs(hm, api, 'hm-zhao', ['health_manager'], departmentId);
  });
  afterAll(async () => {
    await hm?.close();
    await browser?.close();
    await api?.close();
  });

  it('edits the phones and addresses as lists (masked until revealed, the division chosen by name, stored by code), the classification and the lifecycle stage', async () => {
    const { page, problems } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/contact`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    // the older file's single phone and address, shown as one-element lists: the number masked, the division's names
    const phones = page.getByTestId('phones');
    await phones.getByText('手机').waitFor();
    expect(await phones.getByText('+8613812345678').count()).toBe(0);
    await page.getByTestId('addresses').getByText('北京市 北京市 东城区', { exact: false }).waitFor();

    // a masked number is never edited: the page asks to reveal first, purpose stated and the read logged
    await page.getByRole('button', { name: '编辑电话' }).click();
    await page.getByText('号码已遮蔽').waitFor();
    await page.getByRole('status').getByRole('button', { name: '显示完整信息' }).click();
    await page.getByRole('dialog').getByRole('button', { name: '确认显示' }).click();
    await phones.getByText('+8613812345678').waitFor();

    await page.getByRole('button', { name: '编辑电话' }).click();
    let dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /添\s?加/ }).click();
    await dialog.getByLabel('号码').nth(1).fill('010-8765 4321');
    await dialog.getByLabel('分机').nth(1).fill('806');
    let saved = answered(page, 'PATCH', /\/data\/contact$/);
    await dialog.getByRole('button', { name: SAVE }).click();
    expect((await saved).status()).toBe(200);
    await phones.getByText('+861087654321 分机 806').waitFor();
    await phones.getByText('固定电话').waitFor();

    await page.getByRole('button', { name: '编辑地址' }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByText('地址 1').waitFor();
    await dialog.getByRole('button', { name: /添\s?加/ }).click();
    const second = dialog.locator('.ant-card').filter({ hasText: '地址 2' });
    await second.getByLabel('类型').click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('单位').click();
    await second.getByLabel('省 / 市 / 区县').click();
    // typed, as a person finds a district among thousands: the match is picked from the search's list
    await second.getByLabel('省 / 市 / 区县').fill('南山区');
    await page.locator('.ant-cascader-dropdown:visible .ant-cascader-menu-item').filter({ hasText: '深圳市' }).filter({ hasText: '南山区' }).click();
    await second.getByLabel('详细地址').fill('科技园南区 8 栋');
    await second.getByLabel('邮政编码').fill('518057');
    saved = answered(page, 'PATCH', /\/data\/contact$/);
    await dialog.getByRole('button', { name: SAVE }).click();
    expect((await saved).status()).toBe(200);
    await page.getByTestId('addresses').getByText('广东省 深圳市 南山区 科技园南区 8 栋 518057').waitFor();
    await page.getByTestId('addresses').getByText('440305').waitFor();
    const contact = (await read()).data.contact;
    expect(contact.phones).toEqual([
      { number: '+8613812345678', type: 'mobile', primary: true },
      { number: '+861087654321', type: 'landline', extension: '806' },
    ]);
    expect(contact.addresses[1]).toEqual({
      type: 'work',
      divisionCode: '440305',
      province: '广东省',
      city: '深圳市',
      district: '南山区',
      line: '科技园南区 8 栋',
      postalCode: '518057',
    });

    await page.getByRole('tab', { name: '客户分类' }).click();
    await page.getByTestId('customer-profile').getByText('—').first().waitFor();
    await page.getByRole('button', { name: /修\s?改/ }).click();
    dialog = page.getByRole('dialog');
    await dialog.getByLabel('客户类型').click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('贵宾客户').click();
    await dialog.getByLabel('会员等级').click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('黄金').click();
    await dialog.getByLabel('标签').fill('高血压随访');
    await dialog.getByLabel('标签').press('Enter');
    await dialog.getByLabel('标签').fill('老客户');
    await dialog.getByLabel('标签').press('Enter');
    await dialog.getByLabel('备注').fill('喜欢上午来体检');
    saved = answered(page, 'PATCH', /\/data\/customer_profile$/);
    await dialog.getByRole('button', { name: SAVE }).click();
    expect((await saved).status()).toBe(200);
    const profile = page.getByTestId('customer-profile');
    await profile.getByText('贵宾客户').waitFor();
    await profile.getByText('老客户').waitFor();
    expect((await read()).data.customer_profile).toEqual({ customerType: 'vip', tier: 'gold', tags: ['高血压随访', '老客户'], remarks: '喜欢上午来体检' });

    // the stage and the moves it allows: active → dormant | churned; dormant → active | churned
    const lifecycle = page.getByTestId('lifecycle');
    await lifecycle.getByText('活跃客户').waitFor();
    expect(await lifecycle.getByRole('button').allTextContents()).toEqual(['转为沉睡客户', '转为已流失']);
    await lifecycle.getByRole('button', { name: '转为沉睡客户' }).click();
    const moved = answered(page, 'PUT', /\/lifecycle$/);
    await page.locator('.ant-popconfirm').getByRole('button', { name: OK }).click();
    expect((await moved).status()).toBe(200);
    await lifecycle.getByText('沉睡客户', { exact: true }).waitFor();
    expect(await lifecycle.getByRole('button').allTextContents()).toEqual(['转为活跃客户', '转为已流失']);
    expect((await read()).lifecycle.stage).toBe('dormant');
    await screenshot(page, 'customer-file-profile');
    expect(problems).toEqual([]);
  });

  it('shows the timeline newest first, a page at a time, filtered by kind, each entry opening its record', async () => {
    const { page, problems } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/timeline`);
    await choosePurpose(page, 'Health management');
    const timeline = page.getByTestId('timeline');
    await timeline.waitFor();
    const entries = timeline.locator('[data-kind]');
    expect(await entries.count()).toBe(20);
    // newest first: the follow-up due in 3 days, then the complaint received today, then yesterday's service
    expect(await entries.evaluateAll((nodes) => nodes.slice(0, 3).map((node) => node.getAttribute('data-kind')))).toEqual(['follow_up', 'complaint', 'service']);
    await page.getByRole('button', { name: '加载更多' }).click();
    await entries.nth(20).waitFor();
    expect(await entries.count()).toBe(SERVICES + 3);
    await timeline.getByText('北京协和体检分院 · 1 项结果，1 项异常').waitFor();

    await page.getByRole('checkbox', { name: '服务' }).uncheck();
    await timeline.locator('[data-kind="service"]').first().waitFor({ state: 'detached' });
    // the filtered page has arrived (the list is empty while it is asked)
    await timeline.locator('[data-kind="checkup"]').waitFor();
    expect(await entries.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-kind')))).toEqual(['follow_up', 'complaint', 'checkup']);
    await screenshot(page, 'customer-file-timeline');
    await timeline.getByRole('button', { name: /报告晚到|体检报告/ }).click();
    await page.getByTestId('complaint-drawer').getByText('报告晚到').first().waitFor();
    expect(new URL(page.url()).pathname).toMatch(new RegExp(`/console/customers/${subjectId}/complaints/[0-9a-f-]{36}$`));
    expect(problems).toEqual([]);
  });

  it('shows the contact lists and the timeline on a phone with nothing wider than the screen', async () => {
    const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signInAs(phone, api, 'hm-phone-file', ['health_manager'], departmentId);
    const { page, problems } = await watchedPage(phone);
    const widths: Record<string, number> = {};
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/contact`);
    await choosePurpose(page, 'Health management');
    await page.getByTestId('addresses').getByText('440305').waitFor();
    widths.contact = await page.evaluate<number>('document.documentElement.scrollWidth');
    await screenshot(page, 'phone-contact');
    await page.getByRole('combobox', { name: '档案内容' }).click();
    await page.locator('.ant-select-dropdown:visible').getByTitle('时间线').click();
    await page.getByTestId('timeline').waitFor();
    widths.timeline = await page.evaluate<number>('document.documentElement.scrollWidth');
    await page.getByRole('combobox', { name: '档案内容' }).click();
    // the open list's option, not the timeline entry of the same title behind it
    await page.locator('.ant-select-dropdown:visible').getByTitle('投诉').click();
    await page.getByTestId('complaints').getByText('报告晚到').waitFor();
    widths.complaints = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(Object.entries(widths).filter(([, width]) => width > 390)).toEqual([]);
    expect(problems).toEqual([]);
    await phone.close();
  });
});
