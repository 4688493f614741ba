import type { ErasureCertificate } from '../../apps/ledger-api/src/rights/erasure/erasure-certificate';
import { TestApi } from './test-api';
import { jsonRequest, tokens } from './test-tokens';

export interface ErasureOnRequest {
  requestId: string;
  /** The fulfilled request, as POST /v1/rights-requests/{id}/fulfil answered. */
  fulfilled: { status: string; result: { certificate: string; erasedCategories: string[]; retainedCategories: unknown[] } };
  certificate: ErasureCertificate;
}

/**
 * Erasure as PIPL Art. 47 has it reach the ledger, over HTTP: the subject files an erasure request
 * for itself (verified at once), a compliance officer (co-zhao) fulfils it, and the signed
 * certificate is fetched by the request's id. `categories` limits it to those categories.
 */
export async function eraseOnRequest(api: TestApi, subjectId: string, categories?: string[]): Promise<ErasureOnRequest> {
  const call = jsonRequest(api);
  const t = tokens(api);
  const [own, officer] = await Promise.all([t.subject(subjectId), t.compliance()]);
  // filing looks the subject up in the read models: wait until they include everything so far
  const fresh = await call('GET', '/v1/stats/subjects', officer, undefined, { 'x-ledger-min-position': String(await api.logHead()) });
  if (fresh.status !== 200) throw new Error(`read models not fresh: ${fresh.status} ${JSON.stringify(fresh.body)}`);
  const filed = await call('POST', '/v1/rights-requests', own, {
    subjectId,
    type: 'erasure',
    channel: 'app',
    requester: { kind: 'subject' },
    ...(categories ? { details: { categories } } : {}),
  });
  if (filed.status !== 201 || filed.body.status !== 'verified') throw new Error(`erasure request not filed: ${filed.status} ${JSON.stringify(filed.body)}`);
  const requestId: string = filed.body.requestId;
  const fulfilled = await call('POST', `/v1/rights-requests/${requestId}/fulfil`, officer);
  if (fulfilled.status !== 200 || fulfilled.body.status !== 'fulfilled') throw new Error(`erasure request not fulfilled: ${fulfilled.status} ${JSON.stringify(fulfilled.body)}`);
  const certificate = await call('GET', `/v1/erasure-certificates/${requestId}`, officer);
  if (certificate.status !== 200) throw new Error(`no certificate for ${requestId}: ${certificate.status} ${JSON.stringify(certificate.body)}`);
  return { requestId, fulfilled: fulfilled.body, certificate: certificate.body };
}
