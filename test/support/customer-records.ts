import { TokenService } from '../../libs/access-control/src/token.service';
import { TestApi } from './test-api';
import { jsonRequest, tokens } from './test-tokens';
import { registration } from './realistic-subject';
import { residentId } from './resident-id';

/**
 * What the specs of a customer's records (check-ups, service records, follow-ups) share: job tokens
 * of one department, customers assigned to it (so scoping lets those jobs reach them), fresh reads.
 */
export async function customerRecordsHarness(api: TestApi) {
  const call = jsonRequest(api);
  const signer = api.app.get(TokenService);
  const department = await call('POST', '/v1/departments', await tokens(api).admin(), { code: 'records', name: '健康管理部' });
  if (department.status !== 201) throw new Error(`department refused: ${department.status} ${JSON.stringify(department.body)}`);
  const departmentId = department.body.departmentId as string;
  const as: Record<string, string> = {};
  for (const role of ['health_manager', 'front_desk', 'customer_service', 'staff']) as[role] = await signer.sign({ sub: `${role}-1`, roles: [role], departmentId });
  let sequence = 0;
  return {
    call,
    as,
    departmentId,
    /** A customer like ZHANG (realistic-subject.ts) with an ID number of its own. */
    async register(overrides: Record<string, unknown> = {}): Promise<string> {
      const body = registration(overrides);
      const document = { type: 'resident_id', number: residentId('1980-05-01', ++sequence) };
      const registered = await call('POST', '/v1/subjects', as.staff, { ...body, data: { ...(body.data as object), identity_document: document } });
      if (registered.status !== 201) throw new Error(`registration refused: ${registered.status} ${JSON.stringify(registered.body)}`);
      const subjectId = registered.body.subjectId as string;
      const assigned = await call('PUT', `/v1/subjects/${subjectId}/assignment`, as.staff, { departmentId });
      if (assigned.status !== 200) throw new Error(`assignment refused: ${assigned.status} ${JSON.stringify(assigned.body)}`);
      return subjectId;
    },
    /** A GET under `purpose` (none: ''/undefined) that waits for the read models to include every write so far. */
    async read(path: string, token: string, purpose: string | undefined = 'health-management') {
      return call('GET', path, token, undefined, { ...(purpose ? { 'x-processing-purpose': purpose } : {}), 'x-ledger-min-position': String(await api.logHead()) });
    },
  };
}
