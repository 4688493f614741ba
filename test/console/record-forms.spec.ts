import { Browser, BrowserContext } from 'playwright-core';
import { TokenService } from '../../libs/access-control/src/token.service';
import { startTestApi, TestApi } from '../support/test-api';
import { chinaDate } from '../support/test-clock';
import { jsonRequest, tokens } from '../support/test-tokens';
import { registration } from '../support/realistic-subject';
import { answered, choosePurpose, launchChromium, screenshot, selectOption, watchedPage } from './browser';
import { NO_AUTH_RATE_LIMIT, signInAs } from './sign-in';

const HM = 'health-management';
const TODAY = chinaDate(0);
const QUESTIONS = [
  { id: 'overall', kind: 'scale', text: '您对本次服务的总体满意度？' },
  { id: 'recommend', kind: 'nps', text: '您向亲友推荐我们的可能性有多大？' },
  { id: 'comment', kind: 'text', text: '其他意见或建议', required: false },
];

/** The record forms of the customer file the API had and the console lacked: an order, a message, a survey's answers, each read back through the API. */
describe('console: recording an order, a message and a survey answer', () => {
  let api: TestApi;
  let browser: Browser;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let subjectId: string;
  let recordId: string;
  let surveyId: string;
  let desk: BrowserContext;
  let hm: BrowserContext;

  beforeAll(async () => {
    [api, browser] = await Promise.all([startTestApi(NO_AUTH_RATE_LIMIT), launchChromium()]);
    call = jsonRequest(api);
    staff = await tokens(api).staff();
    const admin = await tokens(api).admin();
    const department = await call('POST', '/v1/departments', admin, { code: 'service', name: '客户服务部' });
    expect(department.status).toBe(201);
    const departmentId = department.body.departmentId as string;
    // the separate consent for consumption records that orders need
    const registered = await call(
      'POST',
      '/v1/subjects',
      staff,
      registration({ consents: [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }] }),
    );
    expect(registered.status).toBe(201);
    subjectId = registered.body.subjectId;
    expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, staff, { departmentId })).status).toBe(200);
    const service = await call('POST', `/v1/subjects/${subjectId}/service-records`, staff, {
      serviceDate: TODAY,
      serviceType: 'nutrition_guidance',
      content: '低盐饮食指导',
      purposeId: HM,
    });
    expect(service.status).toBe(201);
    recordId = service.body.recordId;
    const manager = await api.app.get(TokenService).sign({ sub: 'mgr-qian', roles: ['manager'] });
    const survey = await call('POST', '/v1/surveys', manager, { title: '服务满意度调查', questions: QUESTIONS });
    expect(survey.status).toBe(201);
    surveyId = survey.body.surveyId;
    desk = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await signInAs(desk, api, 'desk-zhou', ['front_desk']);
    hm = await browser.newContext({ locale: 'zh-CN', viewport: { width: 1280, height: 900 } });
    await signInAs(hm, api, 'hm-he', ['health_manager'], departmentId);
  });
  afterAll(async () => {
    await desk?.close();
    await hm?.close();
    await browser?.close();
    await api?.close();
  });

  const read = async (path: string) => {
    const reply = await call('GET', path, staff, undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
    expect(reply.status).toBe(200);
    return reply.body;
  };

  it('front desk records an order of two lines (the total shown as typed, a refused date named next to its field), meets a colleague’s payment when cancelling, and refunds part; read back in fen', async () => {
    const { page, problems } = await watchedPage(desk);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/orders`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('tab', { name: '消费记录', selected: true }).waitFor();
    await page.getByTestId('orders').getByText('没有消费记录').waitFor();
    await page.getByRole('button', { name: '记录订单' }).click();
    const form = page.getByRole('dialog');
    const line = (n: number) => form.getByTestId(`order-line-${n}`);
    await line(1).getByLabel('项目代码').fill('PKG-STD');
    await line(1).getByLabel('名称').fill('标准体检套餐');
    await line(1).getByLabel('单价（元）').fill('1280.5');
    await form.getByRole('button', { name: '添加一项' }).click();
    await line(2).getByLabel('类别').click();
    await selectOption(page, '商品').click();
    await line(2).getByLabel('项目代码').fill('VIT-D');
    await line(2).getByLabel('名称').fill('维生素D');
    await line(2).getByLabel('数量').fill('3');
    await line(2).getByLabel('单价（元）').fill('45');
    await form.getByTestId('order-total').getByText('合计 ¥1,415.50').waitFor();
    // an order dated after today is refused by the API, which names the field: said next to it, nothing recorded
    await form.getByLabel('订单日期').fill(chinaDate(3));
    const refused = answered(page, 'POST', /\/orders$/);
    await form.getByRole('button', { name: /保\s?存/ }).click();
    expect((await refused).status()).toBe(400);
    expect(await form.getByRole('alert').innerText()).toBe('填写的内容有误，请检查：订单日期');
    const dateItem = form.locator('.ant-form-item').filter({ has: page.getByLabel('订单日期') });
    await dateItem.locator('.ant-form-item-explain-error').getByText('此项不符合要求: 不能晚于今天').waitFor();
    await screenshot(page, 'record-forms-order-refused');
    expect((await read(`/v1/subjects/${subjectId}/orders`)).items).toEqual([]);

    await form.getByLabel('订单日期').fill(TODAY);
    await form.getByLabel('备注').fill('团体体检附加项目');
    const placed = answered(page, 'POST', /\/orders$/);
    await form.getByRole('button', { name: /保\s?存/ }).click();
    const placedBody = (await (await placed).json()) as { orderId: string; orderNumber: string };
    expect(placedBody.orderNumber).toMatch(/^O\d{4}\d{6,}$/);
    const row = page.getByTestId('orders').getByRole('row').filter({ hasText: placedBody.orderNumber });
    await row.waitFor();
    expect(await row.innerText()).toMatch(new RegExp(`${TODAY}[\\s\\S]*标准体检套餐、维生素D[\\s\\S]*¥1,415\\.50[\\s\\S]*待支付`));
    await screenshot(page, 'record-forms-order');

    const order = await read(`/v1/orders/${placedBody.orderId}`);
    expect(order).toMatchObject({
      orderDate: TODAY,
      status: 'placed',
      amountFen: 141550,
      note: '团体体检附加项目',
      items: [
        expect.objectContaining({ kind: 'service', code: 'PKG-STD', name: '标准体检套餐', quantity: 1, unitPriceFen: 128050 }),
        expect.objectContaining({ kind: 'product', code: 'VIT-D', name: '维生素D', quantity: 3, unitPriceFen: 4500 }),
      ],
    });

    // the order opened: about to cancel it, a colleague takes the payment first; the refused step (If-Match) is said so, the order shown paid
    await row.click();
    const drawer = page.getByTestId('order-drawer');
    await drawer.getByRole('button', { name: '取消订单' }).click();
    const paid = await call('POST', `/v1/orders/${placedBody.orderId}/pay`, staff, { paymentMethod: 'wechat_pay', purposeId: HM });
    expect(paid.status).toBe(200);
    const stale = answered(page, 'POST', /\/cancel$/);
    await drawer.getByTestId('order-step').getByRole('button', { name: '取消订单' }).click();
    expect([409, 412]).toContain((await stale).status());
    await drawer.getByRole('status').getByText('其他人已先处理了这张订单，您的操作没有执行。页面已显示最新状态：已支付。').waitFor();
    await drawer.getByText('微信支付').waitFor();
    // a refund of the vitamins, at most what is left
    await drawer.getByRole('button', { name: /退\s?款/ }).click();
    await drawer.getByLabel('退款金额（元）').fill('135');
    await drawer.getByLabel('退款原因').fill('维生素D 未领取');
    const refunded = answered(page, 'POST', /\/refunds$/);
    await drawer
      .getByTestId('order-step')
      .getByRole('button', { name: /退\s?款/ })
      .click();
    expect((await refunded).status()).toBe(201);
    await drawer.getByText('部分退款').waitFor();
    await screenshot(page, 'record-forms-order-refund');
    expect(await read(`/v1/orders/${placedBody.orderId}`)).toMatchObject({ status: 'partially_refunded', paymentMethod: 'wechat_pay', refundedFen: 13500, refundableFen: 128050 });
    expect(problems.filter((problem) => !/status of (400|409|412)/.test(problem))).toEqual([]);
    await page.close();
  });

  it('a health manager writes a check-up reminder from its template, sent by SMS; a marketing message without the customer’s consent is refused in words', async () => {
    const { page, problems } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/messages`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('tab', { name: '消息', selected: true }).waitFor();
    await page.getByTestId('messages').getByText('没有发给客户的消息').waitFor();
    await page.getByRole('button', { name: '发送消息' }).click();
    const form = page.getByRole('dialog');

    // marketing: no marketing consent on file, so the API refuses; the refusal says why, and nothing is queued
    await form.getByLabel('类型').click();
    await selectOption(page, '营销').click();
    await form.getByText('营销消息以“营销”为处理目的发送').waitFor();
    await form.getByLabel('标题').fill('夏季体检优惠');
    await form.getByLabel('内容').fill('七月体检套餐九折。');
    const refused = answered(page, 'POST', /\/messages$/);
    await form.getByRole('button', { name: /发\s?送/ }).click();
    expect((await refused).status()).toBe(403);
    expect(await form.getByRole('alert').innerText()).toContain('客户没有有效的营销同意');
    await screenshot(page, 'record-forms-message-refused');

    // a check-up reminder: the template fills the texts, the person picks SMS
    await form.getByLabel('标题').fill('');
    await form.getByLabel('内容').fill('');
    await form.getByLabel('类型').click();
    await selectOption(page, '体检提醒').click();
    expect(await form.getByLabel('标题').inputValue()).toBe('体检提醒');
    expect(await form.getByLabel('内容').inputValue()).toContain('建议您近期预约新一次健康体检');
    await form.getByText('短信', { exact: true }).click();
    const queued = answered(page, 'POST', /\/messages$/);
    await form.getByRole('button', { name: /发\s?送/ }).click();
    expect((await queued).status()).toBe(201);
    const row = page.getByTestId('messages').getByRole('row').filter({ hasText: '体检提醒' }).first();
    await row.waitFor();
    expect(await row.innerText()).toMatch(/体检提醒[\s\S]*短信[\s\S]*\+8613812345678[\s\S]*体检提醒[\s\S]*待发送/);
    await screenshot(page, 'record-forms-message');

    const messages = (await read(`/v1/subjects/${subjectId}/messages`)).items as Array<Record<string, unknown>>;
    expect(messages).toEqual([expect.objectContaining({ kind: 'checkup_reminder', channel: 'sms', status: 'queued', content: expect.objectContaining({ subject: '体检提醒' }) })]);
    expect(problems.filter((problem) => !problem.includes('status of 403'))).toEqual([]);
    await page.close();
  });

  it('a health manager enters the answers a customer gave on paper: the service and questionnaire chosen, scale and NPS scores and a comment, read back as the API scores them', async () => {
    const { page, problems } = await watchedPage(hm);
    await page.goto(`${api.baseUrl}/console/customers/${subjectId}/surveys`);
    await choosePurpose(page, 'Health management');
    await page.getByRole('tab', { name: '满意度调查', selected: true }).waitFor();
    await page.getByTestId('survey-responses').getByText('没有调查记录').waitFor();
    await page.getByRole('button', { name: '录入调查回答' }).click();
    const form = page.getByRole('dialog');
    await form.getByLabel('针对的服务').click();
    await selectOption(page, `${TODAY} · 营养指导`).click();
    await form.getByLabel('问卷').click();
    await selectOption(page, '服务满意度调查 (v1)').click();
    // the required questions must be answered before anything is sent
    await form.getByRole('button', { name: /保\s?存/ }).click();
    expect(await form.getByText('请填写此题').count()).toBe(2);
    await form.getByRole('radiogroup', { name: QUESTIONS[0].text }).getByText('4', { exact: true }).click();
    await form.getByRole('radiogroup', { name: QUESTIONS[1].text }).getByText('9', { exact: true }).click();
    await form.getByLabel(QUESTIONS[2].text).fill('营养师讲解很细致');
    await screenshot(page, 'record-forms-survey-form');
    const saved = answered(page, 'POST', /\/survey-responses\/[^/]+$/);
    await form.getByRole('button', { name: /保\s?存/ }).click();
    expect((await saved).status()).toBe(200);
    const row = page.getByTestId('survey-responses').getByRole('row').filter({ hasText: '已回答' });
    await row.waitFor();
    const shown = await row.innerText();
    expect(shown).toMatch(/营养指导\s+服务满意度调查 v1\s+已回答[\s\S]*营养师讲解很细致/);
    expect(shown).toContain('overall: 4');
    expect(shown).toContain('recommend: 9 (NPS)');
    await screenshot(page, 'record-forms-survey');

    const responses = (await read(`/v1/subjects/${subjectId}/survey-responses`)).items as Array<Record<string, unknown>>;
    expect(responses).toEqual([
      expect.objectContaining({
        surveyId,
        status: 'answered',
        answeredVia: 'staff',
        scores: { scale: { overall: 4 }, nps: { recommend: 9 } },
        comments: { comment: '营养师讲解很细致' },
      }),
    ]);
    // sent for that service, without an invitation: no message queued for it
    const messages = (await read(`/v1/subjects/${subjectId}/messages`)).items as Array<{ kind: string }>;
    expect(messages.filter((message) => message.kind === 'survey_invitation')).toEqual([]);
    expect(responses[0]).toMatchObject({ serviceType: 'nutrition_guidance', serviceDate: TODAY });
    expect(recordId).toEqual(expect.any(String));
    expect(problems).toEqual([]);
    await page.close();
  });
});
