import { Browser } from 'playwright-core';
import { startTestApi, TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration } from '../support/realistic-subject';
import { launchChromium, screenshot, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

/** Ops sees the read models with their position and lag, rebuilds one and watches its progress, polled from the API, to the end. */
describe('console: ops rebuilds a projection', () => {
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
  });

  it('refuses a rebuild to any role but ops, of an unknown projection, and progress of none started', async () => {
    const call = jsonRequest(api);
    const ops = await tokens(api).ops();
    expect((await call('POST', '/v1/ops/projections/subject_profile/rebuild', await tokens(api).admin())).status).toBe(403);
    const unknown = await call('POST', '/v1/ops/projections/no_such_projection/rebuild', ops);
    expect([unknown.status, unknown.body.code]).toEqual([404, 'projection-not-found']);
    const none = await call('GET', '/v1/ops/projections/access_log/rebuild', ops);
    expect([none.status, none.body.code]).toEqual([404, 'rebuild-not-found']);
  });

  it('shows ops only the ops menu, and takes a rebuild of subject_profile from the button to done, the new generation live', async () => {
    const call = jsonRequest(api);
    const staff = await tokens(api).staff();
    for (let i = 0; i < 12; i++) {
      const customer = registration({ consents: [], data: { identity: { name: `客户${i}`, gender: 'female', birthDate: '1990-02-02' } } });
      expect((await call('POST', '/v1/subjects', staff, customer)).status).toBe(201);
    }
    const before = (await call('GET', '/v1/ops/projections', await tokens(api).ops(), undefined, { 'x-ledger-min-position': String(await api.logHead()) })).body as Array<{
      name: string;
      generation: number;
    }>;
    const generation = before.find((p) => p.name === 'subject_profile')!.generation;

    const context = await browser.newContext({ locale: 'zh-CN' });
    await signInAs(context, api, 'ops-wu', ['ops']);
    const { page, problems } = await watchedPage(context);
    await page.goto(`${api.baseUrl}/console/`);
    const menu = page.getByRole('navigation', { name: '主菜单' });
    await menu.getByRole('menuitem', { name: '读模型（投影）' }).waitFor();
    expect(await menu.getByRole('menuitem').allInnerTexts()).toEqual(['首页', '读模型（投影）']);
    await menu.getByRole('menuitem', { name: '读模型（投影）' }).click();
    const row = page.getByTestId('projections-table').getByRole('row').filter({ hasText: 'subject_profile' });
    await row.getByText(`g${generation}`, { exact: false }).waitFor();

    // every answer of the progress the page polled, to see it move and end
    const seen: Array<{ state: string; done: number; total: number }> = [];
    page.on('response', (response) => {
      if (response.request().method() === 'GET' && response.url().endsWith('/v1/ops/projections/subject_profile/rebuild'))
        void response.json().then((body: { state: string; done: number; total: number }) => seen.push(body));
    });
    await row.getByRole('button', { name: '重建 subject_profile' }).click();
    const [started] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/rebuild')),
      page.getByRole('button', { name: /^重\s?建$/ }).click(),
    ]);
    expect(started.status()).toBe(202);
    const progress = page.getByTestId('rebuild-progress');
    await progress.getByText(`重建完成（第 ${generation + 1} 代）`).waitFor({ timeout: 30_000 });
    const last = seen.at(-1)!;
    expect(last.state).toBe('completed');
    expect(last.done).toBeGreaterThan(12);
    expect(last.done).toBe(last.total);
    await progress.getByText(`已处理 ${last.done} / ${last.total} 个事件`).waitFor();
    // the table is read again once it is done: the new generation is the live one
    await row.getByText(`g${generation + 1}`, { exact: false }).waitFor();
    await screenshot(page, 'ops-rebuild-done');
    const after = (await call('GET', '/v1/ops/projections', await tokens(api).ops())).body as Array<{ name: string; generation: number; status: string }>;
    expect(after.find((p) => p.name === 'subject_profile')).toMatchObject({ generation: generation + 1, status: 'running' });
    expect(problems).toEqual([]);
    await context.close();
  });
});
