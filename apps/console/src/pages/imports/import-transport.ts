import { api, ApiProblem, type Problem } from '../../api/api-client';
import { saveFile } from '../../api/save-file';

/**
 * The import's requests that are not JSON (a multipart upload, the template and the error report as
 * CSV), with the same bearer token as every other request and the same one refresh of an expired one.
 */
export async function authorizedFetch(path: string, init: RequestInit = {}): Promise<Response> {
  const send = () =>
    fetch(path, {
      ...init,
      headers: { accept: 'application/json, application/problem+json, text/csv', ...(api.token ? { authorization: `Bearer ${api.token}` } : {}) },
      credentials: 'same-origin',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  let response = await send();
  if (response.status === 401 && (await api.refresh())) response = await send();
  if (!response.ok) {
    const body = (await response.json().catch(() => undefined)) as Problem | undefined;
    throw new ApiProblem({ ...(body && typeof body.code === 'string' ? body : { code: `http-${response.status}` }), status: response.status });
  }
  return response;
}

/** The template's column headers (GET /v1/imports/template?format=csv): what a file's other headers may be mapped to. */
export async function templateHeaders(): Promise<string[]> {
  const text = await (await authorizedFetch('/v1/imports/template?format=csv')).text();
  return text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)[0]
    .split(',');
}

/** Saves the refused rows' report (row, column, code, message: never a value) as the browser's download. */
export async function downloadErrors(jobId: string): Promise<void> {
  saveFile(await (await authorizedFetch(`/v1/imports/${jobId}/errors?format=csv`)).blob(), `import-${jobId}-errors.csv`);
}

/** Saves the template (xlsx, Chinese headers with a sheet of notes) as the browser's download. */
export async function downloadTemplate(): Promise<void> {
  saveFile(await (await authorizedFetch('/v1/imports/template')).blob(), 'customer-import-template.xlsx');
}
