import { Browser, BrowserContext } from 'playwright-core';
import { TokenService } from '../../libs/access-control/src/token.service';
import { startTestApi, TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration, ZHANG } from '../support/realistic-subject';
import { answered, launchChromium, screenshot, selectOption, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';

/**
 * The compliance officer's incident and assessment forms in Chromium (China time, as the centre's browsers): an
 * incident opened and taken through who it affected, the notification list and two notifications; an impact
 * assessment recorded and approved; each checked through the API.
 */
describe('console: security incidents and impact assessments', () => {
  let api: TestApi;
  let browser: Browser;
  let call: ReturnType<typeof jsonRequest>;
  let officer: string;
  let subjectId: string;
  let co: BrowserContext;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    call = jsonRequest(api);
    const staff = await tokens(api).staff();
    officer = await tokens(api).compliance();
    const registered = await call('POST', '/v1/subjects', staff, registration());
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    // a staff account, compromised later, reads the customer's file on the ledger's pinned day (1 June 2026, about 10:00 in China)
    const mole = await api.app.get(TokenService).sign({ sub: 'staff-mole', roles: ['staff'] });
    const read = await call('GET', `/v1/subjects/${subjectId}`, mole, undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
    expect(read.status).toBe(200);
    co = await browser.newContext({ locale: 'zh-CN', timezoneId: 'Asia/Shanghai', viewport: { width: 1280, height: 900 } });
    await signInAs(co, api, 'co-qin', ['compliance_officer']);
  });
  afterAll(async () => {
    await co?.close();
    await browser?.close();
    await api?.close();
  });

  it('opens an incident (an empty scope refused in words), shows who it affected and the list to notify, and records the notifications to the regulator and the individuals', async () => {
    const { page, problems } = await watchedPage(co);
    await page.goto(`${api.baseUrl}/console/compliance/incidents`);
    await page.getByTestId('incidents').getByText('没有记录的安全事件').waitFor();
    await page.getByRole('button', { name: '记录安全事件' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('类型').click();
    await selectOption(page, '账号被盗用').click();
    await form.getByLabel('影响时段开始').fill('2026-06-01T09:00');
    await form.getByLabel('影响时段结束').fill('2026-06-01T10:30');
    // found in the future (the ledger's time is about 10:00): the API names the field, said next to it
    await form.getByLabel('发现时间').fill('2026-06-01T11:30');
    const future = answered(page, 'POST', /\/compliance\/incidents$/);
    await form.getByRole('button', { name: /记\s?录/ }).click();
    expect((await future).status()).toBe(400);
    const detectedItem = form.locator('.ant-form-item').filter({ has: page.getByLabel('发现时间') });
    await detectedItem.locator('.ant-form-item-explain-error').getByText('此项不符合要求: 不能晚于现在').waitFor();
    await form.getByLabel('发现时间').fill('2026-06-01T10:00');
    // neither an account nor a system: the API cannot work out who was affected, and says so
    const refused = answered(page, 'POST', /\/compliance\/incidents$/);
    await form.getByRole('button', { name: /记\s?录/ }).click();
    expect((await refused).status()).toBe(422);
    expect(await form.getByRole('alert').innerText()).toContain('请至少填写一个涉及的账号或系统');
    // free text where an identifier belongs is stopped in the form
    await form.getByLabel('涉及账号').fill('王 某某');
    await form.getByLabel('涉及账号').press('Enter');
    await form.getByText('只能填写标识').first().waitFor();
    await form.locator('.ant-select-selection-item-remove').first().click();
    await form.locator('.ant-select-selection-item-remove').first().click();
    await form.getByLabel('涉及账号').fill('staff-mole');
    await form.getByLabel('涉及账号').press('Enter');
    const recorded = answered(page, 'POST', /\/compliance\/incidents$/);
    await form.getByRole('button', { name: /记\s?录/ }).click();
    expect((await recorded).status()).toBe(201);

    // its drawer opens: who it affected (the customer the account read), then the list to notify
    const drawer = page.getByTestId('incident-drawer');
    await drawer.getByText('2026/6/1 10:00:00').waitFor();
    await drawer.getByRole('button', { name: '查看受影响的个人' }).click();
    const affected = drawer.getByTestId('incident-affected');
    await affected.getByText(subjectId).waitFor();
    expect(await affected.getByRole('row').filter({ hasText: subjectId }).innerText()).toContain('被查看');
    await drawer.getByRole('button', { name: '生成通知名单' }).click();
    const list = drawer.getByTestId('incident-notification-list');
    await list.getByText('共 1 人，其中 0 人没有可用的联系方式').waitFor();
    expect(await list.getByRole('row').filter({ hasText: ZHANG.name }).innerText()).toMatch(/张伟[\s\S]*\+8613812345678[\s\S]*可联系/);
    await screenshot(page, 'incident-affected');

    // the notifications: the regulator with its case number, then the individuals (counted by the API)
    const notify = async (audience: string, channel: string, at: string, reference?: string) => {
      await drawer.getByRole('button', { name: '记录一次通知' }).click();
      const dialog = page.locator('.ant-modal').filter({ hasText: '通知时间' });
      await dialog.getByText(audience, { exact: true }).click();
      await dialog.getByLabel('通知渠道').fill(channel);
      if (reference) await dialog.getByLabel('编号').fill(reference);
      await dialog.getByLabel('通知时间').fill(at);
      const saved = answered(page, 'POST', /\/notifications$/);
      await dialog.getByRole('button', { name: /记录通知/ }).click();
      expect((await saved).status()).toBe(201);
      await dialog.waitFor({ state: 'detached' });
    };
    await notify('监管部门', 'cac-online-report', '2026-06-01T10:00', 'CASE-2026-0601');
    await notify('个人', 'sms', '2026-06-01T10:00');
    const sent = drawer.getByTestId('incident-notifications');
    await sent.getByRole('row').filter({ hasText: 'sms' }).waitFor();
    expect(await sent.getByRole('row').filter({ hasText: 'cac-online-report' }).innerText()).toMatch(/监管部门[\s\S]*CASE-2026-0601[\s\S]*2026\/6\/1 10:00:00/);
    expect(await sent.getByRole('row').filter({ hasText: 'sms' }).innerText()).toMatch(/个人[\s\S]*2026\/6\/1 10:00:00\s+1/);
    await screenshot(page, 'incident-notified');

    // the API's record: China times as instants, the individuals' count and digest those of the list shown
    const incidents = (await call('GET', '/v1/compliance/incidents', officer)).body.items;
    expect(incidents).toEqual([
      expect.objectContaining({
        kind: 'compromised-account',
        detectedAt: '2026-06-01T02:00:00.000Z',
        from: '2026-06-01T01:00:00.000Z',
        to: '2026-06-01T02:30:00.000Z',
        actors: ['staff-mole'],
        systems: [],
        notifications: [
          expect.objectContaining({ audience: 'regulator', channel: 'cac-online-report', reference: 'CASE-2026-0601', notifiedAt: '2026-06-01T02:00:00.000Z' }),
          expect.objectContaining({
            audience: 'subjects',
            channel: 'sms',
            notifiedAt: '2026-06-01T02:00:00.000Z',
            subjectCount: 1,
            listDigest: expect.stringMatching(/^[0-9a-f]{64}$/),
          }),
        ],
      }),
    ]);
    const digest = await drawer.getByTestId('incident-digest').innerText();
    expect(incidents[0].notifications[1].listDigest).toBe(digest);
    // the customer's access log names the breach response that listed them
    const log = await call('GET', `/v1/audit/access?subjectId=${subjectId}`, officer, undefined, { 'x-ledger-min-position': String(await api.logHead()) });
    expect(log.status).toBe(200);
    expect((log.body.items as Array<{ via: string }>).filter((item) => item.via === 'breach-response').length).toBeGreaterThanOrEqual(2);
    expect(problems.filter((problem) => !/status of (400|422)/.test(problem))).toEqual([]);
    await page.close();
  });

  it('records an impact assessment with a recipient abroad, then approves it until a date', async () => {
    const { page, problems } = await watchedPage(co);
    await page.goto(`${api.baseUrl}/console/compliance/assessments`);
    await page.getByTestId('assessments').getByText('还没有影响评估').waitFor();
    await page.getByRole('button', { name: '新建影响评估' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('处理目的').click();
    await selectOption(page, 'Health management services (health-management)').click();
    await form.getByLabel('结论').click();
    await selectOption(page, '采取措施后可接受').click();
    await form.getByLabel('处理活动').fill('体检报告由新加坡合作方复核');
    await form.getByRole('combobox', { name: '涉及的信息类别' }).click();
    await selectOption(page, '健康信息').click();
    await page.locator('.ant-modal-title').last().click(); // a multiple choice stays open: click away
    await form.getByRole('button', { name: '添加接收方' }).click();
    const recipient = form.locator('.ant-card').filter({ hasText: '接收方 1' });
    await recipient.getByLabel('接收方名称（机构）').fill('新加坡健康复核中心');
    await recipient.getByLabel('所在国家/地区').fill('sg');
    await form.getByLabel('风险').fill('境外接收方的数据安全保障水平不确定\n传输途中泄露');
    await form.getByLabel('保护措施').fill('签订标准合同并备案\n传输加密、去标识化');
    await screenshot(page, 'assessment-form');
    const recorded = answered(page, 'POST', /\/compliance\/assessments$/);
    await form.getByRole('button', { name: /保\s?存/ }).click();
    expect((await recorded).status()).toBe(201);
    const row = page.getByTestId('assessments').getByRole('row').filter({ hasText: '体检报告由新加坡合作方复核' });
    await row.getByText('草稿').waitFor();

    await row.getByRole('button', { name: /批\s?准/ }).click();
    const approval = page.getByRole('dialog').filter({ hasText: '批准第 1 版' });
    await approval.getByLabel('有效期至').fill('2027-06-01T00:00');
    const approved = answered(page, 'POST', /\/approval$/);
    await approval.getByRole('button', { name: /批\s?准/ }).click();
    expect((await approved).status()).toBe(200);
    await row.getByText('已批准').waitFor();
    expect(await row.innerText()).toContain('2027/6/1 00:00:00');
    await screenshot(page, 'assessment-approved');

    const assessments = (await call('GET', '/v1/compliance/assessments', officer)).body.items;
    expect(assessments).toEqual([
      expect.objectContaining({
        purposeId: HM,
        activity: '体检报告由新加坡合作方复核',
        categories: ['health'],
        recipients: [{ name: '新加坡健康复核中心', country: 'SG', role: 'entrusted' }],
        risks: ['境外接收方的数据安全保障水平不确定', '传输途中泄露'],
        measures: ['签订标准合同并备案', '传输加密、去标识化'],
        conclusion: 'acceptable-with-measures',
        status: 'approved',
        approvedVersion: 1,
        expiresAt: '2027-05-31T16:00:00.000Z',
      }),
    ]);
    expect(problems).toEqual([]);
    await page.close();
  });
});
