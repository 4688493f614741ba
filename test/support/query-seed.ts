import { TokenService } from '../../libs/access-control/src/token.service';
import { TestApi } from './test-api';
import { chinaDate } from './test-clock';
import { jsonRequest, tokens } from './test-tokens';
import { residentId } from './resident-id';

/**
 * A generated population for the combined-query specs: customers with varied files (ages, regions,
 * conditions, classification, consents) and records (check-ups, services, orders, complaints,
 * surveys), written over HTTP, with the model of what was written so that specs compute every
 * expected answer themselves.
 */
export interface SeededOrder {
  date: string;
  fen: number;
  cancelled: boolean;
}

export interface SeededCustomer {
  i: number;
  subjectId: string;
  gender: 'male' | 'female';
  birthDate: string;
  division: string;
  conditions: string[];
  allergies: string[];
  customerType: string;
  tier: string;
  tags: string[];
  department: 'A' | 'B';
  checkup?: { date: string; abnormal: boolean };
  serviceDate?: string;
  orders: SeededOrder[];
  openComplaints: number;
  surveyScore?: number;
  marketing: 'none' | 'active' | 'withdrawn';
}

const HM = 'health-management';
const DIVISIONS = ['330106', '330102', '330203', '110101', '310115'];
const TIERS = ['standard', 'silver', 'gold', 'platinum', 'diamond'];
const CONDITIONS = [['高血压'], ['2型糖尿病'], ['高血压', '高血脂'], [], []];

export async function seedQueryPopulation(api: TestApi, count: number) {
  const call = jsonRequest(api);
  const signer = api.app.get(TokenService);
  const admin = await tokens(api).admin();
  const departments: Record<'A' | 'B', string> = { A: '', B: '' };
  for (const [key, code] of [
    ['A', 'qa'],
    ['B', 'qb'],
  ] as const) {
    const created = await call('POST', '/v1/departments', admin, { code, name: `健康管理${key}部` });
    if (created.status !== 201) throw new Error(`department refused: ${created.status}`);
    departments[key] = created.body.departmentId;
  }
  const as: Record<string, string> = {};
  for (const role of ['health_manager', 'customer_service', 'front_desk', 'staff']) as[role] = await signer.sign({ sub: `${role}-q`, roles: [role], departmentId: departments.A });
  const manager = await signer.sign({ sub: 'mgr-q', roles: ['manager'] });
  const ok = async (what: string, response: Promise<{ status: number; body: Record<string, string> }>) => {
    const { status, body } = await response;
    if (status >= 300) throw new Error(`${what} refused: ${status} ${JSON.stringify(body)}`);
    return body;
  };
  /** As `ok`, following the API's 503 projection-lagging + Retry-After contract: a read behind projections is asked again. */
  const okOnceCaughtUp = async (what: string, send: () => Promise<{ status: number; body: Record<string, string> }>) => {
    for (let attempt = 1; ; attempt++) {
      const answer = await send();
      if (answer.status !== 503 || answer.body.code !== 'projection-lagging' || attempt === 10) return ok(what, Promise.resolve(answer));
    }
  };
  const survey = await ok('survey', call('POST', '/v1/surveys', manager, { title: '服务满意度', questions: [{ id: 'overall', kind: 'scale', text: '总体满意度？' }] }));

  const customers: SeededCustomer[] = [];
  const one = async (i: number) => {
    const birthDate = `${1946 + ((i * 7) % 58)}-${String((i % 12) + 1).padStart(2, '0')}-15`;
    const c: SeededCustomer = {
      i,
      subjectId: '',
      gender: i % 2 === 0 ? 'male' : 'female',
      birthDate,
      division: DIVISIONS[i % DIVISIONS.length],
      conditions: CONDITIONS[i % CONDITIONS.length],
      allergies: i % 7 === 0 ? ['青霉素'] : [],
      customerType: i % 4 === 0 ? 'vip' : 'individual',
      tier: TIERS[i % TIERS.length],
      tags: i % 6 === 0 ? ['重点客户'] : [],
      department: i % 10 === 9 ? 'B' : 'A',
      orders: [],
      openComplaints: 0,
      marketing: 'none',
    };
    const registered = await ok(
      'registration',
      call('POST', '/v1/subjects', as.staff, {
        purposeId: HM,
        noticeVersion: 'v1',
        channel: 'front-desk',
        consents: [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption'], separate: true }],
        data: {
          identity: { name: `测试${i}`, gender: c.gender, birthDate },
          identity_document: { type: 'resident_id', number: residentId(birthDate, i % 1000) },
          contact: {
            phones: [{ number: `+86139${String(10_000_000 + i).slice(-8)}`, type: 'mobile', primary: true }],
            addresses: [{ type: 'home', divisionCode: c.division, line: `${i}号`, primary: true }],
          },
          health: { ...(c.conditions.length > 0 || i % 5 === 3 ? { conditions: c.conditions } : {}), ...(c.allergies.length > 0 ? { allergies: c.allergies } : {}) },
          customer_profile: { customerType: c.customerType, tier: c.tier, ...(c.tags.length > 0 ? { tags: c.tags } : {}) },
        },
      }),
    );
    c.subjectId = registered.subjectId;
    const id = c.subjectId;
    await ok('assignment', call('PUT', `/v1/subjects/${id}/assignment`, as.staff, { departmentId: departments[c.department] }));
    if (i % 3 === 0) {
      const consent = await ok(
        'marketing consent',
        call('POST', `/v1/subjects/${id}/consents`, as.staff, {
          purposeId: 'marketing',
          categories: ['identity', 'contact', 'consumption'],
          separate: true,
          noticeVersion: 'v1',
          channel: 'front-desk',
        }),
      );
      c.marketing = 'active';
      if (i % 9 === 0) {
        await ok('withdrawal', call('DELETE', `/v1/subjects/${id}/consents/${consent.consentId}`, as.staff));
        c.marketing = 'withdrawn';
      }
    }
    if (i % 4 === 0) {
      const abnormal = i % 8 === 0;
      c.checkup = { date: chinaDate(-(10 + ((i * 11) % 500))), abnormal };
      await ok(
        'checkup',
        call('POST', `/v1/subjects/${id}/checkups`, as.staff, {
          visitDate: c.checkup.date,
          institution: '体检中心',
          results: [
            { code: 'GLU', name: '空腹血糖', value: abnormal ? 7.4 : 5.0, unit: 'mmol/L', referenceRange: { low: 3.9, high: 6.1 } },
            { code: 'TC', name: '总胆固醇', value: 4.1, unit: 'mmol/L', referenceRange: { low: 2.8, high: 5.2 } },
          ],
          conclusions: [],
          purposeId: HM,
        }),
      );
    }
    if (i % 3 === 1) {
      c.serviceDate = chinaDate(-(i % 200));
      const service = await ok(
        'service',
        call('POST', `/v1/subjects/${id}/service-records`, as.staff, {
          serviceDate: c.serviceDate,
          serviceType: 'nutrition_guidance',
          staffId: 'hm-zhou',
          content: '饮食指导',
          purposeId: HM,
        }),
      );
      if (i % 30 === 1) {
        const fresh = { 'x-ledger-min-position': String(await api.logHead()) };
        const dispatched = await okOnceCaughtUp('survey dispatch', () =>
          call('POST', `/v1/service-records/${service.recordId}/survey`, as.staff, { surveyId: survey.surveyId, purposeId: HM, invite: false }, fresh),
        );
        c.surveyScore = 1 + (Math.floor(i / 30) % 5);
        await ok('survey answer', call('POST', `/v1/survey-responses/${dispatched.responseId}`, as.staff, { answers: { overall: c.surveyScore }, purposeId: HM }));
      }
    }
    if (i % 5 <= 1) {
      for (let k = 0; k <= i % 4; k++) {
        const order: SeededOrder = { date: chinaDate(-(5 + ((i * 13 + k * 37) % 400))), fen: 10_000 * (1 + ((i + k) % 7)), cancelled: false };
        const placed = await ok(
          'order',
          call('POST', `/v1/subjects/${id}/orders`, as.staff, {
            orderDate: order.date,
            items: [{ kind: 'service', code: 'PKG', name: '体检套餐', quantity: 1, unitPriceFen: order.fen }],
            purposeId: HM,
          }),
        );
        if (k === 0 && i % 10 === 0) {
          await ok('cancel', call('POST', `/v1/orders/${placed.orderId}/cancel`, as.staff, { purposeId: HM }));
          order.cancelled = true;
        }
        c.orders.push(order);
      }
    }
    if (i % 9 === 0) {
      await ok(
        'complaint',
        call('POST', `/v1/subjects/${id}/complaints`, as.staff, { channel: 'phone', category: 'waiting_time', severity: 'low', description: '等候时间长', purposeId: HM }),
      );
      c.openComplaints = 1;
    }
    customers[i] = c;
  };
  const lanes = 6;
  await Promise.all(
    Array.from({ length: lanes }, async (_, lane) => {
      for (let i = lane; i < count; i += lanes) await one(i);
    }),
  );
  return { customers, departments, as, call };
}

/** Age in whole years on `today` counted from the first of the birth month (the query keeps year and month only). */
export function ageOn(birthDate: string, today: string): number {
  const [by, bm] = birthDate.split('-').map(Number);
  const [ty, tm] = today.split('-').map(Number);
  return ty - by - (tm < bm ? 1 : 0);
}
