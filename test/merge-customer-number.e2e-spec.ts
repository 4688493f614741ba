import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { customerRecordsHarness } from './support/customer-records';
import { writeCsv } from './support/import-files';
import { registration, ZHANG } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { chinaDate } from './support/test-clock';
import { waitUntil } from './support/wait-until';

type Harness = Awaited<ReturnType<typeof customerRecordsHarness>>;
const HM = 'health-management';
const CONSENTS = [{ purposeId: HM, categories: ['health', 'identity_document', 'health_records', 'consumption', 'service_interactions'], separate: true }];

/**
 * A merged-away customer's number stays an alias of the survivor (issue #15 item 3): reads of the
 * duplicate's id already answer with the survivor's; its customer number finds the survivor too,
 * in a search and in a records import's 客户编号 column.
 */
describe('the customer number of a merged-away file', () => {
  let api: TestApi;
  let h: Harness;
  let dir: string;
  const file = { survivorId: '', survivorNumber: '', duplicateId: '', duplicateNumber: '' };

  const registered = async (document: boolean) => {
    const body = registration({ consents: CONSENTS });
    const data = { ...(body.data as Record<string, unknown>) };
    if (document) data.identity_document = { type: 'resident_id', number: residentId(ZHANG.birthDate, 77, '320102') };
    else delete data.identity_document;
    const created = await h.call('POST', '/v1/subjects', h.as.staff, { ...body, data });
    expect(created.status).toBe(201);
    expect((await h.call('PUT', `/v1/subjects/${created.body.subjectId}/assignment`, h.as.staff, { departmentId: h.departmentId })).status).toBe(200);
    return { subjectId: created.body.subjectId as string, number: created.body.customerNumber as string };
  };

  beforeAll(async () => {
    api = await startTestApi();
    h = await customerRecordsHarness(api);
    dir = mkdtempSync(join(tmpdir(), 'pi-ledger-merge-number-'));
    const survivor = await registered(true);
    const duplicate = await registered(false);
    Object.assign(file, { survivorId: survivor.subjectId, survivorNumber: survivor.number, duplicateId: duplicate.subjectId, duplicateNumber: duplicate.number });
    expect(file.duplicateNumber).toMatch(/^C\d{10}$/);
    expect(file.duplicateNumber).not.toBe(file.survivorNumber);
  });

  afterAll(async () => {
    await api.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const byNumber = async (number: string) => (await h.read(`/v1/subjects?customerNumber=${number}`, h.as.staff)).body.items as Array<{ subjectId: string; customerNumber: string }>;

  it('finds the duplicate by its own number before the merge, and the survivor by it after', async () => {
    expect((await byNumber(file.duplicateNumber)).map((item) => item.subjectId)).toEqual([file.duplicateId]);
    const merged = await h.call('POST', `/v1/subjects/${file.survivorId}/merge`, h.as.staff, { purposeId: HM, duplicateId: file.duplicateId, choices: {} });
    expect(merged.status).toBe(200);

    const found = await byNumber(file.duplicateNumber.toLowerCase());
    expect(found).toEqual([expect.objectContaining({ subjectId: file.survivorId, customerNumber: file.survivorNumber })]);
    expect((await byNumber(file.survivorNumber)).map((item) => item.subjectId)).toEqual([file.survivorId]);
    // the duplicate's id answers with the survivor's, as before
    const old = await h.read(`/v1/subjects/${file.duplicateId}`, h.as.staff);
    expect(JSON.stringify(old.body)).toContain(file.survivorId);
  });

  it('finds the survivor by the duplicate’s number in a combined query too', async () => {
    const query = async (where: unknown) => {
      const answer = await h.call('POST', '/v1/subjects/query', h.as.staff, { purposeId: HM, where }, { 'x-ledger-min-position': String(await api.logHead()) });
      expect(answer.status).toBe(200);
      return (answer.body.items as Array<{ subjectId: string }>).map((item) => item.subjectId);
    };
    expect(await query({ field: 'customerNumber', op: 'eq', value: file.duplicateNumber })).toEqual([file.survivorId]);
    expect(await query({ field: 'customerNumber', op: 'in', value: [file.duplicateNumber, file.survivorNumber] })).toEqual([file.survivorId]);
    // a prefix names numbers, not a person: it does not follow merges
    expect(await query({ field: 'customerNumber', op: 'prefix', value: file.duplicateNumber })).toEqual([]);
  });

  it('imports a record that names the duplicate’s number for the survivor', async () => {
    const path = join(dir, 'services.csv');
    writeCsv(path, ['客户编号', '服务日期', '服务类型', '服务内容'], [[file.duplicateNumber, chinaDate(-1), '咨询', '合并后按旧编号导入']], 'utf-8');
    const form = new FormData();
    for (const [name, value] of Object.entries({ purposeId: HM, kind: 'services' })) form.append(name, value);
    form.append('file', new Blob([readFileSync(path)]), 'services.csv');
    const created = await api.request('/v1/imports', { method: 'POST', headers: { authorization: `Bearer ${h.as.customer_service}` }, body: form });
    expect(created.status).toBe(202);
    const { jobId } = (await created.json()) as { jobId: string };
    const job = await waitUntil(
      `import ${jobId} to end`,
      async () => {
        const state = (await h.call('GET', `/v1/imports/${jobId}`, h.as.customer_service)).body;
        return ['completed', 'cancelled', 'failed'].includes(state.state) ? state : undefined;
      },
      60_000,
      100,
    );
    expect(job.rows).toEqual(expect.objectContaining({ read: 1, imported: 1, refused: 0 }));
    const { rows } = await api.database.pool.query(`SELECT data->>'subjectId' AS subject_id FROM ledger_events WHERE type = 'ServiceRecorded' AND metadata->>'importJobId' = $1`, [
      jobId,
    ]);
    expect(rows).toEqual([{ subject_id: file.survivorId }]);
  });
});
