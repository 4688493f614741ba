import { Browser, BrowserContext, Page } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { TokenService } from '../../libs/access-control/src/token.service';
import { jsonRequest, tokens } from '../support/test-tokens';
import { choosePurpose, launchChromium, screenshot, selectOption, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';
/** name, gender, birth date, tier, conditions: twelve customers of one department, oldest first. */
const PEOPLE: Array<[string, 'male' | 'female', string, string, string[]]> = [
  ['王丽', 'female', '1950-03-10', 'gold', ['高血压']],
  ['李强', 'male', '1958-07-21', 'silver', ['高血压']],
  ['周杰', 'male', '1966-02-02', 'standard', []],
  ['褚明', 'male', '1969-08-08', 'standard', []],
  ['郑浩', 'male', '1972-12-12', 'standard', []],
  ['孙芳', 'female', '1975-06-18', 'silver', []],
  ['蒋涛', 'male', '1979-05-05', 'silver', []],
  ['吴静', 'female', '1982-09-09', 'platinum', []],
  ['陈刚', 'male', '1985-11-30', 'standard', ['2型糖尿病']],
  ['卫兰', 'female', '1988-10-10', 'standard', []],
  ['赵敏', 'female', '1991-01-05', 'gold', []],
  ['冯雪', 'female', '1995-04-04', 'silver', []],
];
const NAMES = PEOPLE.map(([name]) => name);

/** The names in the results table, in its order. */
const shownNames = (page: Page) => page.locator('.ant-table-tbody a[href^="/console/customers/"]').allInnerTexts();

/** An option of a Select; a long list (fields, rendered virtually) is searched by typing, as a person would. */
async function pick(page: Page, label: string, option: string, search = false): Promise<void> {
  await page.getByLabel(label, { exact: true }).click();
  if (search) await page.keyboard.type(option);
  await selectOption(page, option).click();
}

/** The run button: Ant Design's loading icon, fading out after an answer, may still lend it its name (“loading”). */
const runButton = (page: Page) => page.getByRole('button', { name: /^(loading\s*)?查\s?询$/ });

/** Runs the query built in the page and waits for the API's answer (never for a count that an earlier answer may already show). */
async function runAndExpect(page: Page, names: string[]): Promise<void> {
  const answered = page.waitForResponse((response) => response.request().method() === 'POST' && new URL(response.url()).pathname === '/v1/subjects/query');
  await runButton(page).click();
  expect((await answered).status()).toBe(200);
  await page.getByText(`查询结果（已显示 ${names.length} 位）`).waitFor();
  expect((await shownNames(page)).sort()).toEqual([...names].sort());
}

/** The combined query page in Chromium on the real API: conditions, and/or/not, sort, pages, saved queries, a refusal beside its row. */
describe('console: combined customer query', () => {
  let api: TestApi;
  let browser: Browser;
  let departmentId: string;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    const call = jsonRequest(api);
    const staff = await tokens(api).staff();
    const department = await call('POST', '/v1/departments', await tokens(api).admin(), { code: 'cq', name: '健康管理一部' });
    expect(department.status).toBe(201);
    departmentId = department.body.departmentId;
    for (const [i, [name, gender, birthDate, tier, conditions]] of PEOPLE.entries()) {
      const registered = await call('POST', '/v1/subjects', staff, {
        purposeId: HM,
        noticeVersion: 'v1',
        channel: 'front-desk',
        consents: [{ purposeId: HM, categories: ['health'], separate: true }],
        data: {
          identity: { name, gender, birthDate },
          contact: { phone: `1390000${String(i).padStart(4, '0')}` },
          customer_profile: { customerType: 'individual', tier },
          ...(conditions.length > 0 ? { health: { conditions } } : {}),
        },
      });
      expect(registered.status).toBe(201);
      expect((await call('PUT', `/v1/subjects/${registered.body.subjectId}/assignment`, staff, { departmentId })).status).toBe(200);
    }
    await api.readModelsCaughtUp(); // a new browser context knows nothing of these writes to wait for
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  let hm: BrowserContext;

  it('builds and/or/not queries, sorts and pages, saves one and runs it from the list; no condition ever in a URL', async () => {
    hm = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 1000 } });
    await signInAs(hm, api, 'hm-gao', ['health_manager'], departmentId);
    const { page, problems } = await watchedPage(hm);
    const urls: string[] = [];
    page.on('request', (request) => urls.push(decodeURIComponent(request.url())));
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '组合查询' }).click();
    await choosePurpose(page, 'Health management');

    // gold tier, or hypertension
    await pick(page, '条件 1 · 字段', '客户等级', true);
    await pick(page, '条件 1 · 取值', '黄金');
    await page.getByRole('button', { name: '添加条件' }).click();
    await pick(page, '条件 2 · 字段', '疾病史', true);
    await page.getByLabel('条件 2 · 取值').fill('高血压');
    await page.getByText('任一条件（或者）').click();
    await runAndExpect(page, ['王丽', '李强', '赵敏']);

    await page.getByRole('button', { name: '保存此查询' }).click();
    await page.getByLabel('查询名称').fill('金卡或高血压');
    await page.getByRole('button', { name: /确\s?定/ }).click();
    await page.getByRole('cell', { name: '金卡或高血压', exact: true }).waitFor();

    // gold and hypertensive; then gold and not hypertensive
    await page.getByText('全部条件（并且）').click();
    await runAndExpect(page, ['王丽']);
    await page.getByLabel('条件 2 · 取反（不满足）').check();
    await runAndExpect(page, ['赵敏']);

    // everyone over 18, oldest first, ten a page: the next page through the cursor
    await page.getByRole('button', { name: '清空条件' }).click();
    await pick(page, '条件 1 · 字段', '年龄', true);
    await pick(page, '条件 1 · 比较方式', '介于');
    await page.getByLabel('条件 1 · 取值 · 从').fill('18');
    await pick(page, '排序', '年龄', true);
    await page.getByText('降序').click();
    await pick(page, '每页', '10');
    await runButton(page).click();
    await page.getByText('查询结果（已显示 10 位）').waitFor();
    expect(await shownNames(page)).toEqual(NAMES.slice(0, 10));
    await page.getByRole('button', { name: '加载更多' }).click();
    await page.getByText('查询结果（已显示 12 位）').waitFor();
    expect(await shownNames(page)).toEqual(NAMES);
    await page.getByRole('columnheader', { name: '年龄' }).waitFor();
    expect(await page.getByRole('button', { name: '加载更多' }).count()).toBe(0);

    // the saved query, from the list, back into the builder
    await page.getByRole('button', { name: '运行 金卡或高血压', exact: true }).click();
    await page.getByText('查询结果（已显示 3 位）').waitFor();
    expect((await shownNames(page)).sort()).toEqual(['李强', '王丽', '赵敏']);
    expect(await page.getByLabel('条件 2 · 取值').inputValue()).toBe('高血压');
    // masked as the API returns them
    await page.getByRole('cell', { name: '+86139****0000' }).waitFor();
    await screenshot(page, 'combined-query');

    // a second one saved and deleted
    await page.getByRole('button', { name: '保存此查询' }).click();
    await page.getByLabel('查询名称').fill('临时查询');
    await page.getByRole('button', { name: /确\s?定/ }).click();
    await page.getByRole('cell', { name: '临时查询', exact: true }).waitFor();
    await page.getByRole('button', { name: '删除 临时查询' }).click();
    await page
      .locator('.ant-popconfirm')
      .getByRole('button', { name: /删\s?除/ })
      .click();
    await page.getByRole('cell', { name: '临时查询', exact: true }).waitFor({ state: 'detached' });

    // the file opens by id; no name, condition or phone reached any URL
    await page.getByRole('link', { name: '王丽' }).click();
    await page.waitForURL(/\/console\/customers\/[0-9a-f-]{36}$/);
    await page.getByRole('heading', { name: '王丽' }).waitFor();
    const leaked = urls.filter((url) => ['高血压', '金卡', 'gold', ...NAMES, '13900000000'].some((term) => url.includes(term)));
    expect(leaked).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('explains beside its row a field the role may not use: customer service runs the health manager’s saved query', async () => {
    // a health manager of the department saved it over the API: gold tier, or hypertension
    const colleague = await api.app.get(TokenService).sign({ sub: 'hm-colleague', roles: ['health_manager'], departmentId });
    const saved = await jsonRequest(api)('POST', '/v1/saved-queries', colleague, {
      name: '金卡或高血压客户',
      where: {
        or: [
          { field: 'tier', op: 'eq', value: 'gold' },
          { field: 'conditions', op: 'eq', value: '高血压' },
        ],
      },
    });
    expect(saved.status).toBe(201);
    await api.readModelsCaughtUp();
    const cs = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1400, height: 1000 } });
    await signInAs(cs, api, 'cs-he', ['customer_service'], departmentId);
    const { page } = await watchedPage(cs);
    await page.goto(`${api.baseUrl}/console/query`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('button', { name: '运行 金卡或高血压客户' }).click();
    const refusal = page.locator('[data-row="1"]').getByRole('alert');
    await refusal.getByText(/您的岗位无权查看或修改此类信息（健康信息）/).waitFor();
    expect(await refusal.innerText()).not.toMatch(/category-not-permitted|403|where\./);
    expect(await page.locator('[data-row="0"]').getByRole('alert').count()).toBe(0);
    // the field is offered to this role as not covered, and no results are shown
    await page.locator('[data-row="1"]').getByText('疾病史 （您的岗位或当前处理目的不涵盖）').waitFor();
    expect(await page.getByText(/查询结果/).count()).toBe(0);
    // the same role, without the health condition, finds the gold customers of its department
    await page.getByRole('button', { name: '条件 2 · 删除此条件' }).click();
    await runAndExpect(page, ['王丽', '赵敏']);
    await page.getByRole('button', { name: '运行 金卡或高血压客户' }).click();
    await refusal.waitFor();
    await screenshot(page, 'combined-query-refused');
    await cs.close();
    await hm?.close();
  });
});
