import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { residentId } from '../support/resident-id';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration, ZHANG } from '../support/realistic-subject';
import { choosePurpose, launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const NAME = '林晓燕';
const PHONE = '13912345678';
const ID_NUMBER = residentId('1986-04-12', 27);

/** Front desk registers a walk-in, finds her again and reveals her number; compliance sees that read in her access log. */
describe('console: a walk-in from registration to the access log', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('registers with the notice and consents, finds her by phone, reveals the masked number, and the read is in her access log', async () => {
    const desk = await browser.newContext({ locale: 'zh-CN' });
    const deskLiu = await signInAs(desk, api, 'desk-liu', ['front_desk']);
    const { page, problems } = await watchedPage(desk);
    await page.goto(`${api.baseUrl}/console/customers/new`);
    await choosePurpose(page, 'Health management');

    await page.getByLabel('姓名').fill(NAME);
    await page.getByLabel('证件号码').fill(ID_NUMBER.slice(0, 17) + (ID_NUMBER[17] === '0' ? '1' : '0'));
    await page.getByText('校验码不符，请核对号码').waitFor(); // checked as typed
    await page.getByLabel('证件号码').fill(ID_NUMBER);
    await page.getByText('校验码不符，请核对号码').waitFor({ state: 'detached' });
    await page.getByLabel('手机号码').fill(PHONE);
    await page.getByText('已向客户出示并说明上述个人信息处理告知书').click();
    // an ID number is sensitive: its own consent is asked for, and registration waits for it
    await page
      .getByRole('button', { name: '登 记' })
      .or(page.getByRole('button', { name: '登记' }))
      .click();
    await page.getByText('收集敏感个人信息须取得客户的单独同意').waitFor();
    await page.getByText(/客户单独同意处理敏感个人信息：证件信息/).click();
    await page.getByRole('button', { name: /登\s?记/ }).click();

    await page.waitForURL(/\/console\/customers\/[0-9a-f-]{36}$/);
    const subjectId = page.url().split('/').pop()!;
    await page.getByRole('heading', { name: NAME }).waitFor();
    await page.getByRole('tab', { name: '联系方式' }).click();
    await page.getByText('+86139****5678', { exact: true }).waitFor();

    // search by phone: the term stays out of the console's address
    await page.getByRole('menuitem', { name: '客户查询' }).click();
    await page.getByLabel('手机号码').fill(PHONE);
    await page.getByRole('button', { name: /查\s?询/ }).click();
    await page.getByRole('cell', { name: NAME }).click();
    await page.waitForURL(`**/console/customers/${subjectId}`);
    expect(page.url()).not.toContain(PHONE);

    await page.getByRole('button', { name: '显示完整信息' }).click();
    await page.getByText(/此次查看将被记录在访问日志中/).waitFor();
    await page.getByRole('button', { name: '确认显示' }).click();
    await page.getByRole('tab', { name: '联系方式' }).click();
    await page.getByText('+8613912345678', { exact: true }).waitFor();
    await page.getByRole('tab', { name: '证件信息' }).click();
    await page.getByText(ID_NUMBER).waitFor();
    await screenshot(page, 'journey-front-desk-file');
    expect(problems).toEqual([]);
    // the front desk's timeline is her orders (consumption, sensitive): asked only when the tab is chosen, and without the
    // customer's separate consent to it the refusal is said in plain words
    await page.getByRole('tab', { name: '时间线' }).click();
    await page
      .getByRole('alert')
      .getByText(/没有合法依据/)
      .waitFor();
    expect(problems).toEqual([`console: Failed to load resource: the server responded with a status of 403 (Forbidden) at /v1/subjects/${subjectId}/timeline`]);

    // compliance opens the same file and sees front desk's read, with what was shown in full
    const officer = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(officer, api, 'co-zhao', ['compliance_officer']);
    const compliance = await watchedPage(officer);
    await compliance.page.goto(`${api.baseUrl}/console/customers/${subjectId}`);
    await choosePurpose(compliance.page, 'Health management');
    await compliance.page.getByRole('tab', { name: '访问日志' }).click();
    // the record routes are the file roles': a compliance officer's file offers none of their tabs, so asks none of them
    expect(await compliance.page.getByRole('tab').allTextContents()).not.toEqual(expect.arrayContaining(['时间线']));
    expect(await compliance.page.getByRole('tab', { name: '消费记录' }).count()).toBe(0);
    // the row of the reveal: front desk's read, with the phone and the ID number shown in full
    const reveal = compliance.page.getByRole('row').filter({ hasText: deskLiu }).filter({ hasText: '联系方式 · 手机号码' });
    await reveal.waitFor();
    expect(await reveal.innerText()).toContain('证件信息 · 证件号码');
    await screenshot(compliance.page, 'journey-access-log');
    expect(compliance.problems).toEqual([]);
    await desk.close();
    await officer.close();
  });

  it('explains a refusal in plain words: front desk may not record health data', async () => {
    const desk = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(desk, api, 'desk-liu', ['front_desk']);
    const { page } = await watchedPage(desk);
    await page.goto(`${api.baseUrl}/console/customers/new`);
    await choosePurpose(page, 'Health management');
    await page.getByLabel('姓名').fill('周建国');
    await page.getByLabel('疾病史（回车添加）').fill('高血压');
    await page.keyboard.press('Enter');
    await page.getByText('已向客户出示并说明上述个人信息处理告知书').click();
    await page.getByText(/客户单独同意处理敏感个人信息：健康信息/).click();
    await page.getByRole('button', { name: /登\s?记/ }).click();
    const alert = page.getByRole('alert').filter({ hasText: '您的岗位无权查看或修改此类信息（健康信息）' });
    await alert.waitFor();
    expect(await alert.innerText()).not.toMatch(/category-not-permitted|403/);
    await screenshot(page, 'refusal-category-not-permitted');
    await desk.close();
  });

  it('explains a customer outside the assignment and lets a health manager break the glass for a stated reason, which compliance then sees', async () => {
    const call = jsonRequest(api);
    const created = await call('POST', '/v1/subjects', await tokens(api).staff(), registration({ data: { identity: { name: '韩梅梅' } }, consents: [] }));
    expect(created.status).toBe(201);
    const context = await browser.newContext({ locale: 'zh-CN' });
    const north = await call('POST', '/v1/departments', await tokens(api).admin(), { code: 'dept-north', name: '北区健康管理部' });
    expect(north.status).toBe(201);
    const hmWu = await signInAs(context, api, 'hm-wu', ['health_manager'], north.body.departmentId);
    const { page } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/customers/${created.body.subjectId}`);
    await choosePurpose(page, 'Health management');
    await page
      .getByRole('alert')
      .getByText(/该客户不在您负责的范围/)
      .waitFor();
    await page.getByLabel('原因').click();
    await page.getByTitle('客户本人在场').click();
    await page.getByLabel('说明（可选）').fill('前台来访，核对体检预约');
    await page.getByRole('button', { name: '紧急访问此客户' }).click();
    await page.getByRole('heading', { name: '韩梅梅' }).waitFor();
    await page.getByText('紧急访问：客户本人在场').waitFor();
    await screenshot(page, 'break-glass');
    const report = await call('GET', '/v1/compliance/break-glass', await tokens(api).compliance());
    expect(report.body.items).toEqual([expect.objectContaining({ actor: hmWu, reason: 'customer-present', subjectId: created.body.subjectId, note: '前台来访，核对体检预约' })]);
    await context.close();
  });

  it('works on a phone: the menu in a drawer, search by name and the file, with nothing wider than the screen', async () => {
    const created = await jsonRequest(api)('POST', '/v1/subjects', await tokens(api).staff(), registration());
    expect(created.status).toBe(201);
    await api.readModelsCaughtUp(); // a new browser context knows nothing of that write to wait for
    const phone = await browser.newContext({ locale: 'zh-CN', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    await signInAs(phone, api, 'desk-liu', ['front_desk']);
    const { page, problems } = await watchedPage(phone);
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('button', { name: '打开菜单' }).click();
    await page.getByRole('menuitem', { name: '客户查询' }).click();
    await choosePurpose(page, 'Health management');
    await page.getByLabel('姓名').fill(ZHANG.name);
    await page.getByRole('button', { name: /查\s?询/ }).click();
    await page.getByRole('cell', { name: ZHANG.name }).click();
    await page.getByRole('heading', { name: ZHANG.name }).waitFor();
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await screenshot(page, 'phone-customer-file');
    expect(problems).toEqual([]);
    await phone.close();
  });
});
