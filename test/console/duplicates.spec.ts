import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration } from '../support/realistic-subject';
import { choosePurpose, launchChromium, screenshot, selectOption, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';

/** Front desk works the possible duplicates: pairs by score with their reasons, masked; one dismissed; compliance sees the listing in the access log. */
describe('console: possible duplicates', () => {
  let api: TestApi;
  let browser: Browser;
  let call: ReturnType<typeof jsonRequest>;
  const ids: Record<string, string> = {};

  const register = async (name: string, birthDate: string, phone: string, email?: string): Promise<string> => {
    const body = registration();
    const data = { identity: { name, gender: 'female', birthDate }, contact: { phone, ...(email ? { email } : {}) } };
    const registered = await call('POST', '/v1/subjects', await tokens(api).staff(), { ...body, data });
    if (registered.status !== 201) throw new Error(`registration refused: ${registered.status} ${JSON.stringify(registered.body)}`);
    return registered.body.subjectId as string;
  };
  /** The pairs the API proposes once its read models hold every registration. */
  const proposed = async (): Promise<string[][]> => {
    const reply = await call('GET', '/v1/duplicates', await tokens(api).staff(), undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
    expect(reply.status).toBe(200);
    return (reply.body.items as Array<{ subjectIds: string[] }>).map((pair) => [...pair.subjectIds].sort());
  };

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    call = jsonRequest(api);
    // one person twice (same name, birth date and phone) and two people sharing an email
    ids.lin1 = await register('林小红', '1992-05-05', '13911110005');
    ids.lin2 = await register('林小红', '1992-05-05', '13911110005');
    ids.liu = await register('刘洋', '1979-03-03', '13911110003', 'liu.yang@example.cn');
    ids.yang = await register('杨柳', '1978-04-04', '13911110004', 'Liu.Yang@Example.cn');
    expect(await proposed()).toHaveLength(2);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('lists the pairs by score with their reasons, masked, filters by reason, and dismisses one for good', async () => {
    const desk = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(desk, api, 'desk-dup', ['front_desk']);
    const { page, problems } = await watchedPage(desk);
    await page.goto(`${api.baseUrl}/console/`);
    await page.getByRole('menuitem', { name: '疑似重复档案' }).click();
    await choosePurpose(page, 'Health management');
    const table = page.getByTestId('duplicates');
    const rows = table.locator('tbody tr[data-row-key]');
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    // best first: name + birth date with the phone (score 90) before the shared email (60)
    const first = rows.nth(0);
    expect(await first.innerText()).toContain('姓名和出生日期相同');
    expect(await first.innerText()).toContain('手机号码相同');
    expect(await rows.nth(1).innerText()).toContain('电子邮箱相同');
    const scores = await rows.locator('td:first-child').allInnerTexts();
    expect(Number(scores[0])).toBeGreaterThan(Number(scores[1]));
    // masked as the API gives them: no name, number or address in full
    const shown = await table.innerText();
    for (const value of ['林小红', '13911110005', 'liu.yang@example.cn', '刘洋']) expect(shown).not.toContain(value);
    expect(shown).toContain('+86139****0005');
    await screenshot(page, 'duplicates');

    // by reason: the email pair alone
    await page.getByRole('combobox', { name: '依据' }).click();
    await selectOption(page, '电子邮箱相同').click();
    await rows.filter({ hasText: '姓名和出生日期相同' }).waitFor({ state: 'detached' });
    await rows.first().waitFor();
    expect(await rows.count()).toBe(1);
    await page.getByRole('combobox', { name: '依据' }).click();
    await selectOption(page, '姓名和出生日期相同').click();
    const linPair = rows.filter({ hasText: '手机号码相同' });
    await linPair.waitFor();

    // not the same person: confirmed, gone from the list and never proposed again
    await linPair.getByRole('button', { name: '不是同一人' }).click();
    await page.getByRole('tooltip').getByRole('button', { name: '不是同一人' }).click();
    await page.getByText('已排除：不再提示这一对').waitFor();
    await page.getByText('没有疑似重复的档案').waitFor();
    expect(await proposed()).toEqual([[ids.liu, ids.yang].sort()]);
    // each file opens from the list, by id only
    await page.getByRole('combobox', { name: '依据' }).click();
    await selectOption(page, '电子邮箱相同').click();
    await rows.first().getByRole('link', { name: '打开档案' }).first().click();
    await page.waitForURL(/\/console\/customers\/[0-9a-f-]{36}$/);
    expect([ids.liu, ids.yang]).toContain(page.url().split('/').pop());
    expect(problems).toEqual([]);

    // compliance sees the listing in the customer's access log, named in words
    const officer = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(officer, api, 'co-dup', ['compliance_officer']);
    const compliance = await watchedPage(officer);
    await compliance.page.goto(`${api.baseUrl}/console/customers/${ids.lin1}/access`);
    await choosePurpose(compliance.page, 'Health management');
    await compliance.page.getByTestId('access-log').getByRole('row').filter({ hasText: '疑似重复档案' }).first().waitFor();
    await screenshot(compliance.page, 'duplicates-access-log');
    expect(compliance.problems).toEqual([]);
    await desk.close();
    await officer.close();
  });
});
