import { TokenService } from '../../libs/access-control/src/token.service';
import { TestApi } from './test-api';

/** Real signed tokens from the API's own TokenService, as `ledger auth token` would print. */
export function tokens(api: TestApi) {
  // no route issues tokens (the CLI does, from the data dir's secret): the API's own service signs them
  const service = api.app.get(TokenService);
  return {
    staff: () => service.sign({ sub: 'staff-wang', roles: ['staff'] }),
    admin: () => service.sign({ sub: 'admin-li', roles: ['admin'] }),
    compliance: () => service.sign({ sub: 'co-zhao', roles: ['compliance_officer'] }),
    ops: () => service.sign({ sub: 'ops-chen', roles: ['ops'] }),
    auditor: () => service.sign({ sub: 'auditor-sun', roles: ['auditor'] }),
    subject: (subjectId: string) => service.sign({ sub: `subject-${subjectId}`, roles: ['data_subject'], subjectId }),
  };
}

export function jsonRequest(api: TestApi) {
  return async (method: string, path: string, token: string | undefined, body?: unknown, headers: Record<string, string> = {}) => {
    const response = await api.request(path, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  };
}
