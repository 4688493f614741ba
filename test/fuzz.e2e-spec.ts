import fc from 'fast-check';
import { describeRequest, FuzzContext, FuzzRequest, OpenApiDocument, Operation, operationsOf, requestFor } from './support/fuzz-openapi';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { registration } from './support/realistic-subject';
import { waitUntil } from './support/wait-until';
import { chinaDate } from './support/test-clock';

/**
 * Robustness over HTTP: property-based requests to every operation of the API's own OpenAPI
 * document, as a caller holding a role the operation allows. Whatever arrives, the answer is no 5xx,
 * every 4xx is problem+json with a `code`, and a refused request leaves the log as it was.
 *
 * `npm test` runs a bounded budget (FUZZ_RUNS, default 25 per operation, ~20 s); `npm run fuzz` runs
 * many more. FUZZ_SEED replays a run; a failure prints the request that caused it.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const HM = 'health-management';
const UNKNOWN_ID = '01900000-0000-7000-8000-00000000abcd';

interface Outcome {
  status: number;
  contentType: string;
  body: string;
  written: number;
}

describe('robustness: every OpenAPI operation, fuzzed', () => {
  let api: TestApi;
  let document: OpenApiDocument;
  let operations: Operation[];
  let context: FuzzContext;
  let seeds: Record<string, unknown>;
  let bearer: (role: string) => string;

  beforeAll(async () => {
    api = await startTestApi();
    const t = tokens(api);
    const call = jsonRequest(api);
    const [staff, admin, compliance, ops, auditor] = await Promise.all([t.staff(), t.admin(), t.compliance(), t.ops(), t.auditor()]);
    const registered = await call('POST', '/v1/subjects', staff, registration());
    expect(registered.status).toBe(201);
    const subjectId = registered.body.subjectId as string;
    const own = await t.subject(subjectId);
    // restrictions go to a subject of their own: one on the main subject would refuse most of what follows
    const other = await call('POST', '/v1/subjects', staff, registration({ data: { identity: { name: '赵六', birthDate: '1975-03-03' } } }));
    expect(other.status).toBe(201);
    const byRole: Record<string, string> = { staff, admin, compliance_officer: compliance, ops, auditor, data_subject: own };
    bearer = (role) => `Bearer ${byRole[role]}`;
    // filing looks the subject up in the read models: they must have it first
    const profile = await call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': HM, 'x-ledger-min-position': String(await api.logHead()) });
    expect(profile.status).toBe(200);
    const request = await call('POST', '/v1/rights-requests', staff, { subjectId, type: 'access', channel: 'app', requester: { kind: 'staff_on_behalf' } });
    expect(request.status).toBe(201);
    const requestId = (request.body.requestId ?? request.body.id) as string;
    const toReject = await call('POST', '/v1/rights-requests', staff, { subjectId, type: 'explanation', channel: 'app', requester: { kind: 'staff_on_behalf' } });
    expect(toReject.status).toBe(201);
    const hold = await call('POST', '/v1/legal-holds', compliance, { subjectId, categories: ['health_records'], basis: '医疗机构病历管理规定 第29条', until: '2041-11-23' });
    const consents = await call('GET', `/v1/subjects/${subjectId}/consents`, staff, undefined, {
      'x-processing-purpose': HM,
      'x-ledger-min-position': String(await api.logHead()),
    });
    const consentIds = ((consents.body?.items ?? consents.body ?? []) as Array<{ consentId?: string; id?: string }>)
      .map((c) => c.consentId ?? c.id)
      .filter((id): id is string => typeof id === 'string');
    document = (await (await api.request('/openapi.json')).json()) as OpenApiDocument;
    operations = operationsOf(document);
    context = {
      knownIds: {
        id: [subjectId, UNKNOWN_ID],
        requestId: [requestId, UNKNOWN_ID].filter(Boolean),
        holdId: [hold.body?.holdId ?? hold.body?.id, UNKNOWN_ID].filter(Boolean),
        consentId: [...consentIds, UNKNOWN_ID],
        restrictionId: [UNKNOWN_ID],
        'POST /v1/subjects/{id}/restrictions id': [other.body.subjectId as string],
        'DELETE /v1/subjects/{id}/restrictions/{restrictionId} id': [other.body.subjectId as string],
        'PATCH /v1/subjects/{id}/data/{category} category': ['contact'],
        ...Object.fromEntries(
          [
            'GET /v1/rights-requests/{id}',
            'POST /v1/rights-requests/{id}/verify',
            'POST /v1/rights-requests/{id}/extend',
            'POST /v1/rights-requests/{id}/fulfil',
            'GET /v1/rights-requests/{id}/export',
            'GET /v1/rights-requests/{id}/certificate',
          ].map((op) => [`${op} id`, [requestId, UNKNOWN_ID]]),
        ),
        'POST /v1/rights-requests/{id}/reject id': [(toReject.body.requestId ?? toReject.body.id) as string, UNKNOWN_ID],
        'POST /v1/subjects/{id}/data/{category}/{field}/items category': ['health_records'],
        'POST /v1/subjects/{id}/data/{category}/{field}/items field': ['exams'],
        // making a category sensitive changes what every later registration needs: only one no seed uses
        'PATCH /v1/categories/{name} name': ['employment'],
        category: ['contact', 'health', 'health_records', 'identity'],
        field: ['exams', 'conditions', 'surgeries'],
        name: ['health', 'contact'],
        version: ['v1', 'v9'],
        eventId: [UNKNOWN_ID],
      },
      purposes: [HM, 'marketing'],
      reachedPosition: await api.logHead(),
    };
    seeds = {
      RegisterSubjectDto: registration({ data: { identity: { name: '李四', birthDate: '1990-01-01' }, contact: { phone: '13900001111', email: 'li.si@example.cn' } } }),
      ChangeDataDto: { set: { email: 'new@example.cn', address: { city: '上海市' } }, reason: 'update', purposeId: HM },
      AddItemDto: { item: { date: '2025-01-01', type: 'blood test', findings: 'normal', results: { hba1c: 6.1 } }, purposeId: HM },
      GrantConsentDto: { purposeId: HM, categories: ['health'], separate: true, noticeVersion: 'v1', channel: 'app', guardian: { name: '王芳', relation: 'mother' } },
      RestrictDto: { purposeIds: [HM], reason: 'disputes accuracy' },
      DiscloseDto: { recipient: { name: '某某检验所', contact: 'lab@example.cn' }, purposeId: HM, categories: ['health'] },
      PlaceLegalHoldDto: { subjectId, categories: ['health_records'], basis: '医疗机构病历管理规定 第29条', until: '2041-11-23' },
      FileRightsRequestDto: {
        subjectId,
        type: 'correction',
        details: { changes: [{ category: 'contact', set: { email: 'fixed@example.cn' }, purposeId: HM }] },
        channel: 'app',
        requester: { kind: 'staff_on_behalf' },
      },
      VerifyRightsRequestDto: { method: 'id_card_in_person', evidenceRef: 'desk-7' },
      RejectRightsRequestDto: { reasonCode: 'manifestly_unfounded', reason: 'already answered' },
      // within the 15 working days an extension may add to the due date (about three weeks after filing)
      ExtendRightsRequestDto: { reason: 'complex request', dueAt: chinaDate(35) },
      DefinePurposeDto: {
        id: 'newsletter',
        name: 'Newsletter',
        description: 'Monthly news',
        legalBasis: 'consent',
        categories: ['contact'],
        necessaryForService: false,
        retentionDays: 365,
      },
      PublishNoticeDto: { version: 'v9', content: '隐私政策 v9', purposeIds: [HM] },
      SetCategoryDto: { sensitive: true },
    };
  });
  afterAll(async () => api?.close());

  async function send(request: FuzzRequest, role?: string): Promise<Outcome> {
    const before = await eventCount();
    let response: Response;
    try {
      response = await api.request(request.url, { method: request.method, headers: request.headers, body: request.body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      throw new Error(`no answer: ${String(error)} (${cause?.code ?? ''} ${cause?.message ?? ''})\n    request: ${describeRequest(request, role)}`, { cause: error });
    }
    const body = await response.text();
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', body, written: (await eventCount()) - before };
  }

  async function eventCount(): Promise<number> {
    // a refused sign-in of an existing account is recorded by design (lockout, sign-in history): the one write a refusal makes
    const { rows } = await api.database.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ledger_events WHERE type <> 'StaffLoginFailed'`);
    return rows[0].n;
  }

  /** What is wrong with an answer, or undefined. */
  function violation(outcome: Outcome): string | undefined {
    if (outcome.status >= 500) return `answered ${outcome.status}: ${outcome.body.slice(0, 300)}`;
    if (outcome.status >= 400) {
      if (!outcome.contentType.startsWith('application/problem+json')) return `a ${outcome.status} as ${outcome.contentType}, not problem+json`;
      let code: unknown;
      try {
        code = (JSON.parse(outcome.body) as { code?: unknown }).code;
      } catch {
        return `a ${outcome.status} whose body is not JSON`;
      }
      if (typeof code !== 'string' || code === '') return `a ${outcome.status} problem without a code`;
      if (outcome.written !== 0) return `refused with ${outcome.status} ${String(code)} but wrote ${outcome.written} events`;
    }
    return undefined;
  }

  it('accepts every seed body as it stands, so mutations of it reach past validation', async () => {
    const outcomes: Record<string, number> = {};
    for (const operation of operations.filter((o) => o.body?.$ref && seeds[o.body.$ref.split('/').pop()!] !== undefined)) {
      const seed = seeds[operation.body!.$ref!.split('/').pop()!];
      const ids = (name: string) => context.knownIds[`${operation.method} ${operation.path} ${name}`]?.[0] ?? context.knownIds[name]?.[0] ?? '';
      const path = operation.path.replace(/\{([^}]+)\}/g, (_match, name: string) => ids(name));
      const role = operation.roles.find((r) => r !== 'data_subject') ?? operation.roles[0];
      const response = await api.request(path, {
        method: operation.method,
        headers: { authorization: bearer(role), 'content-type': 'application/json', 'x-processing-purpose': HM },
        body: JSON.stringify(seed),
      });
      outcomes[`${operation.method} ${operation.path}`] = response.status < 300 ? 200 : response.status;
      if (response.status >= 300 && process.env.FUZZ_VERBOSE) console.log(operation.path, await response.text());
    }
    expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(14);
    expect(outcomes).toEqual(Object.fromEntries(Object.keys(outcomes).map((key) => [key, 200])));
  });

  it(
    'answers every operation without a 5xx, with problem+json on every 4xx, and writes nothing on a refusal',
    async () => {
      expect(operations.length).toBeGreaterThanOrEqual(40);
      const failures: string[] = [];
      const statuses = new Map<string, Set<number>>();
      const codes = new Set<string>();
      for (const operation of operations) {
        const key = `${operation.method} ${operation.path}`;
        const seen = new Set<number>();
        statuses.set(key, seen);
        const roles = operation.roles.length > 0 ? operation.roles : [undefined];
        const arbitrary = fc
          .constantFrom(...roles)
          .chain((role) => requestFor(operation, document, context, seeds, role === undefined ? undefined : bearer(role)).map((request) => ({ role, request })));
        const result = await fc.check(
          fc.asyncProperty(arbitrary, async ({ role, request }) => {
            const outcome = await send(request, role);
            seen.add(outcome.status);
            if (process.env.FUZZ_VERBOSE && outcome.status >= 400) codes.add(`${key} ${outcome.status} ${outcome.body.slice(0, 160)}`);
            const wrong = violation(outcome);
            if (wrong) throw new Error(`${wrong}\n    request: ${describeRequest(request, role)}`);
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: process.env.FUZZ_SHRINK === undefined },
        );
        if (result.failed) {
          failures.push(
            `${key} (seed ${result.seed}, path ${result.counterexamplePath}): ${result.errorInstance instanceof Error ? result.errorInstance.message : String(result.errorInstance)}`,
          );
        }
      }
      if (process.env.FUZZ_VERBOSE) console.log([...codes].join('\n'));
      if (process.env.FUZZ_VERBOSE) console.log([...statuses].map(([key, seen]) => `${key}: ${[...seen].sort().join(' ')}`).join('\n'));
      // every operation was reached and answered (not only refused at the edge by a 404)
      const unreached = [...statuses].filter(([, seen]) => seen.size === 0).map(([key]) => key);
      expect(failures).toEqual([]);
      expect(unreached).toEqual([]);
      // and what was accepted, every projection could store: all caught up, none stopped by an event
      const projections = await waitUntil('every projection at the log head or failed', async () => {
        const listed = await jsonRequest(api)('GET', '/v1/ops/projections', await tokens(api).ops());
        const views = (listed.body.items ?? listed.body) as Array<{ name: string; status: string; lagEvents: number; lastError?: string; quarantinedStreams?: number }>;
        return views.every((view) => view.lagEvents === 0 || view.lastError !== undefined || view.status !== 'running') ? views : undefined;
      });
      expect(projections.filter((view) => view.lastError !== undefined || view.lagEvents > 0).map(({ name, status, lastError }) => ({ name, status, lastError }))).toEqual([]);
      // nor set aside any stream: a quarantine keeps lag 0 and no error, so it is asked for itself
      expect(projections.map(({ name, quarantinedStreams }) => ({ name, quarantined: quarantinedStreams ?? 0 })).filter((view) => view.quarantined > 0)).toEqual([]);
    },
    Math.max(120_000, RUNS * 60 * 200),
  );
});
