import { TokenService } from '../../libs/access-control/src/token.service';
import { TestApi } from './test-api';
import { jsonRequest } from './test-tokens';
import { registration } from './realistic-subject';
import { residentId } from './resident-id';

/** What the specs of a customer's records (check-ups, service records, follow-ups) share: job tokens, customers, fresh reads. */
export async function customerRecordsHarness(api: TestApi) {
  const call = jsonRequest(api);
  const signer = api.app.get(TokenService);
  const as: Record<string, string> = {};
  for (const role of ['health_manager', 'front_desk', 'customer_service', 'staff']) as[role] = await signer.sign({ sub: `${role}-1`, roles: [role] });
  let sequence = 0;
  return {
    call,
    as,
    /** A customer like ZHANG (realistic-subject.ts) with an ID number of its own. */
    async register(overrides: Record<string, unknown> = {}): Promise<string> {
      const body = registration(overrides);
      const document = { type: 'resident_id', number: residentId('1980-05-01', ++sequence) };
      const registered = await call('POST', '/v1/subjects', as.staff, { ...body, data: { ...(body.data as object), identity_document: document } });
      if (registered.status !== 201) throw new Error(`registration refused: ${registered.status} ${JSON.stringify(registered.body)}`);
      return registered.body.subjectId as string;
    },
    /** A GET under `purpose` (none: ''/undefined) that waits for the read models to include every write so far. */
    async read(path: string, token: string, purpose: string | undefined = 'health-management') {
      return call('GET', path, token, undefined, { ...(purpose ? { 'x-processing-purpose': purpose } : {}), 'x-ledger-min-position': String(await api.logHead()) });
    },
  };
}
