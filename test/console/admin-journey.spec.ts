import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';
import { launchChromium, screenshot, selectOption, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

/** The admin's console: departments, staff accounts (one-time password shown once, roles, department, disable), the category matrix and the registry. */
describe('console: the admin pages', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('gives each role its own menus', async () => {
    const menus: Record<string, string[]> = {};
    for (const [username, roles] of [
      ['menu-admin', ['admin']],
      ['menu-co', ['compliance_officer']],
      ['menu-auditor', ['auditor']],
      ['menu-ops', ['ops']],
      ['menu-fd', ['front_desk']],
    ] as const) {
      const context = await browser.newContext({ locale: 'zh-CN' });
      await signInAs(context, api, username, [...roles]);
      const page = await context.newPage();
      await page.goto(`${api.baseUrl}/console/`);
      const menu = page.getByRole('navigation', { name: '主菜单' });
      await menu.getByRole('menuitem', { name: '首页' }).waitFor();
      menus[roles[0]] = await menu.getByRole('menuitem').allInnerTexts();
      await context.close();
    }
    expect(menus).toEqual({
      admin: ['首页', '统计报表', '法定保留', '员工账号', '部门', '类别权限矩阵', '目的、告知书与类别'],
      compliance_officer: [
        '首页',
        '客户查询',
        '组合查询',
        '疑似重复档案',
        '个人信息权利请求',
        '审计',
        '统计报表',
        '法定保留',
        '访问日志查询',
        '紧急访问报告',
        '影响评估',
        '安全事件',
        '类别权限矩阵',
        '批量导出',
      ],
      auditor: ['首页', '审计', '法定保留', '访问日志查询', '紧急访问报告', '影响评估', '安全事件', '类别权限矩阵'],
      ops: ['首页', '读模型（投影）'],
      front_desk: ['首页', '客户查询', '登记新客户', '组合查询', '疑似重复档案', '批量导入客户', '批量导出'],
    });
  });

  it('creates a department and an account (its one-time password shown once), changes its roles, department and status, edits the matrix and the registry', async () => {
    const call = jsonRequest(api);
    const context = await browser.newContext({ locale: 'zh-CN' });
    const adminId = await signInAs(context, api, 'admin-qian', ['admin']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/admin/departments`);

    // a department
    await page.getByRole('button', { name: '新建部门' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('部门代码').fill('checkup-centre');
    await dialog.getByLabel('部门名称').fill('体检中心');
    await dialog.getByRole('button', { name: /创\s?建/ }).click();
    await page.getByTestId('departments-table').getByRole('cell', { name: '体检中心' }).waitFor();

    // an account: the one-time password is shown once, and is the one the API takes
    await page.getByRole('navigation', { name: '主菜单' }).getByRole('menuitem', { name: '员工账号' }).click();
    await page.getByRole('button', { name: '新建员工账号' }).click();
    const create = page.getByRole('dialog');
    await create.getByLabel('用户名').fill('hm-sun');
    await create.getByLabel('姓名').fill('孙健康');
    await create.getByRole('combobox', { name: '角色' }).click();
    await selectOption(page, '健康管理师').click();
    await page.locator('.ant-modal-title').last().click(); // a multiple choice stays open: click away
    await create.getByRole('combobox', { name: '部门' }).click();
    await selectOption(page, '体检中心').click();
    await create.getByRole('button', { name: /创\s?建/ }).click();
    const password = (await page.getByTestId('one-time-password').innerText()).trim();
    expect(password.length).toBeGreaterThanOrEqual(12);
    const first = await call('POST', '/v1/auth/login', undefined, { username: 'hm-sun', password });
    expect(first.body.passwordChangeRequired).toBe(true);
    await page.getByRole('dialog').getByRole('button', { name: '关 闭' }).click();
    await page.getByTestId('one-time-password').waitFor({ state: 'detached' });
    expect(await page.getByText(password).count()).toBe(0); // shown once: nowhere on the page any more

    const accounts = (await call('GET', '/v1/staff', await tokens(api).admin())).body.items as Array<{ staffId: string; username: string }>;
    const staffId = accounts.find((a) => a.username === 'hm-sun')!.staffId;
    const account = async () => (await call('GET', `/v1/staff/${staffId}`, await tokens(api).admin())).body;
    expect(await account()).toMatchObject({ roles: ['health_manager'], status: 'active', passwordChangeRequired: true });

    // its roles and status, from its drawer
    await page.getByTestId('staff-table').getByRole('button', { name: 'hm-sun' }).click();
    const drawer = page.getByTestId('staff-drawer');
    await drawer.getByRole('combobox', { name: '授予角色' }).click();
    await selectOption(page, '客服').click();
    await drawer.getByRole('button', { name: /授\s?予/ }).click();
    await drawer.getByText('客服').waitFor();
    await drawer.getByLabel('撤销角色：健康管理师').click();
    await drawer.getByLabel('撤销角色：健康管理师').waitFor({ state: 'detached' });
    expect((await account()).roles).toEqual(['customer_service']);
    await drawer.getByRole('button', { name: '停用账号' }).click();
    await page
      .getByRole('tooltip')
      .getByRole('button', { name: /确\s?定/ })
      .click();
    await drawer.getByRole('button', { name: '重新启用' }).waitFor();
    expect((await account()).status).toBe('disabled');
    await screenshot(page, 'admin-staff-disabled');
    // the button the confirmation was opened from is replaced; focus comes back to its replacement, so Escape closes the drawer
    const enable = await drawer.getByRole('button', { name: '重新启用' }).elementHandle();
    // the specs are typed without the DOM library: the page's document as the little this check reads of it
    await page.waitForFunction((button) => button === (globalThis as unknown as { document: { activeElement: unknown } }).document.activeElement, enable);
    await page.keyboard.press('Escape');
    await drawer.waitFor({ state: 'hidden' });

    // the matrix: customer service may now read health data (an event naming the admin)
    await page.getByRole('navigation', { name: '主菜单' }).getByRole('menuitem', { name: '类别权限矩阵' }).click();
    const matrix = page.getByTestId('access-matrix');
    const healthRead = matrix.getByRole('checkbox', { name: '客服 可读 健康信息' });
    await healthRead.waitFor();
    expect(await healthRead.isChecked()).toBe(false);
    await healthRead.check();
    const [saved] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'PUT' && r.url().endsWith('/v1/access-matrix/customer_service')),
      matrix.getByRole('button', { name: '保存 客服 的权限' }).click(),
    ]);
    expect(saved.status()).toBe(200);
    await matrix.getByRole('button', { name: '保存 客服 的权限' }).waitFor({ state: 'detached' });
    const row = (await call('GET', '/v1/access-matrix', await tokens(api).admin())).body.roles.customer_service;
    expect(row.read).toContain('health');
    expect(row.write).not.toContain('health');
    const event = await api.database.pool.query(`SELECT metadata->>'actor' AS actor FROM ledger_events WHERE type = 'RolePermissionsSet' ORDER BY position DESC LIMIT 1`);
    expect(event.rows).toEqual([{ actor: adminId }]);
    await screenshot(page, 'admin-access-matrix');

    // the registry: a purpose, and a notice for it
    await page.getByRole('navigation', { name: '主菜单' }).getByRole('menuitem', { name: '目的、告知书与类别' }).click();
    await page.getByRole('button', { name: '新增处理目的' }).click();
    const purpose = page.getByRole('dialog');
    await purpose.getByLabel('目的代码').fill('wellness-newsletter');
    await purpose.getByLabel('名称').fill('健康资讯推送');
    await purpose.getByLabel('说明').fill('每月向客户推送健康资讯');
    await purpose.getByRole('combobox', { name: '涉及类别' }).click();
    await selectOption(page, '联系方式').click();
    await page.locator('.ant-modal-title').last().click(); // a multiple choice stays open: click away
    await purpose.getByRole('button', { name: /新\s?增/ }).click();
    await page.getByTestId('purposes-table').getByRole('cell', { name: '健康资讯推送' }).waitFor();
    await page.getByRole('tab', { name: '告知书' }).click();
    await page.getByRole('button', { name: '发布告知书' }).click();
    const notice = page.getByRole('dialog');
    await notice.getByLabel('版本').fill('v9');
    await notice.getByRole('combobox', { name: '适用目的' }).click();
    await selectOption(page, '健康资讯推送 (wellness-newsletter)').click();
    await page.locator('.ant-modal-title').last().click(); // a multiple choice stays open: click away
    await notice.getByLabel('告知书全文').fill('我们每月推送健康资讯，您可随时退订。');
    await notice.getByRole('button', { name: /发\s?布/ }).click();
    await page.getByRole('button', { name: 'v9' }).waitFor();
    const published = await call('GET', '/v1/notices/v9', await tokens(api).admin());
    expect(published.body).toMatchObject({ version: 'v9', purposeIds: ['wellness-newsletter'], content: '我们每月推送健康资讯，您可随时退订。' });
    await screenshot(page, 'admin-registry-notices');
    expect(problems).toEqual([]);
    await context.close();
  });
});
