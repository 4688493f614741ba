import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { parse } from 'csv-parse/sync';
import * as ExcelJS from 'exceljs';
import iconv from 'iconv-lite';
import { TokenService } from '../libs/access-control/src/token.service';
import { loadConfig } from '../libs/platform/src/config/ledger-config';
import { LedgerCliModule } from '../apps/ledger-cli/src/ledger-cli.module';
import { runCli } from './support/cli-run';
import { customerRecordsHarness } from './support/customer-records';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { TEST_NOW } from './support/test-clock';
import { tokens } from './support/test-tokens';

/**
 * Bulk export (issue #15 item 4) over HTTP: the search's conditions and scoping, the file read's
 * purpose, matrix and masking rules, as CSV (UTF-8 with BOM, or GB18030) and XLSX; every customer
 * in the file in the access log with the export's id and no one else; the export in the ledger;
 * the file carrying its export id, exporter and time.
 */
const HM = 'health-management';
/** The spec's API allows this many customers per export: the "gold" customers are exactly this many. */
const MAX_ROWS = 6;

interface Customer {
  key: string;
  name: string;
  phone: string;
  idNumber: string;
  subjectId: string;
}

describe('bulk export over HTTP', () => {
  let api: TestApi;
  let harness: Awaited<ReturnType<typeof customerRecordsHarness>>;
  const customers: Record<string, Customer> = {};
  let compliance: string;

  const call = (...args: Parameters<Awaited<ReturnType<typeof customerRecordsHarness>>['call']>) => harness.call(...args);
  const fresh = async () => ({ 'x-ledger-min-position': String(await api.logHead()) });
  const eventCount = async () => (await api.database.pool.query('SELECT count(*)::int AS n FROM ledger_events')).rows[0].n as number;

  /** The raw export response: status, headers, the file's bytes. */
  async function exportFile(token: string, body: Record<string, unknown>) {
    const response = await api.request('/v1/exports', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...(await fresh()) },
      body: JSON.stringify(body),
    });
    const bytes = Buffer.from(await response.arrayBuffer());
    return { status: response.status, headers: response.headers, bytes, json: () => JSON.parse(bytes.toString('utf8')) };
  }

  /** A CSV export parsed back: the header, the customers' rows, the footer. */
  function csvRows(bytes: Buffer, encoding: 'utf-8' | 'gb18030' = 'utf-8') {
    const text = encoding === 'gb18030' ? iconv.decode(bytes, 'gb18030') : bytes.toString('utf8');
    const records: string[][] = parse(text, { bom: true, relax_column_count: true });
    const [header, ...rest] = records;
    const footer = rest.pop()!;
    return { header, rows: rest.map((cells) => Object.fromEntries(header.map((key, index) => [key, cells[index]]))), footer };
  }

  const footerFields = (footer: readonly string[]) => Object.fromEntries(footer.slice(1).map((cell) => cell.split('=') as [string, string]));

  async function accessOf(query: string) {
    const reply = await call('GET', `/v1/audit/access?${query}&limit=500`, compliance, undefined, await fresh());
    expect(reply.status).toBe(200);
    return reply.body.items as Array<{ subjectId: string; via: string; categories: string[]; revealed: string[]; exportId?: string; actor: string }>;
  }

  async function register(key: string, index: number, options: { tier: string; assigned: boolean; healthConsent?: boolean }): Promise<void> {
    const base = registration();
    const name = `${['王', '李', '赵', '钱', '孙', '周', '吴'][index]}小${key}`;
    const phone = `1390000${String(1000 + index)}`;
    const idNumber = residentId('1980-05-01', 100 + index);
    const data = base.data as Record<string, Record<string, unknown>>;
    // without a separate consent for health, the file holds none (registration would refuse it)
    const { health: _health, ...withoutHealth } = data;
    const body = {
      ...base,
      consents: options.healthConsent === false ? [{ purposeId: HM, categories: ['identity_document'], separate: true }] : base.consents,
      data: {
        ...(options.healthConsent === false ? withoutHealth : data),
        identity: { ...data.identity, name },
        identity_document: { type: 'resident_id', number: idNumber },
        contact: { phone, email: `customer${index}@example.cn` },
        customer_profile: { tier: options.tier, customerType: 'individual' },
      },
    };
    const registered = await call('POST', '/v1/subjects', harness.as.staff, body);
    expect(registered.status).toBe(201);
    const subjectId = registered.body.subjectId as string;
    if (options.assigned) expect((await call('PUT', `/v1/subjects/${subjectId}/assignment`, harness.as.staff, { departmentId: harness.departmentId })).status).toBe(200);
    customers[key] = { key, name, phone, idNumber, subjectId };
  }

  beforeAll(async () => {
    api = await startTestApi({ exportMaxRows: MAX_ROWS });
    harness = await customerRecordsHarness(api);
    compliance = await tokens(api).compliance();
    await register('A', 0, { tier: 'gold', assigned: true });
    await register('B', 1, { tier: 'gold', assigned: true });
    await register('C', 2, { tier: 'gold', assigned: true });
    // restricted for the purpose: found by the filter, left out of the file (as the search leaves it out)
    await register('D', 3, { tier: 'gold', assigned: true });
    // not assigned: the front desk and staff reach it, a health manager does not
    await register('E', 4, { tier: 'gold', assigned: false });
    // not gold: never matched
    await register('F', 5, { tier: 'silver', assigned: true });
    // no separate consent for health: the file holds no health of theirs
    await register('G', 6, { tier: 'gold', assigned: true, healthConsent: false });
    const restricted = await call('POST', `/v1/subjects/${customers.D.subjectId}/restrictions`, harness.as.staff, { purposeIds: [HM], reason: '客户要求暂停处理' });
    expect(restricted.status).toBe(201);
  });

  afterAll(() => api.close());

  let csvExportId: string;
  let csvSha256: string;

  it('exports a CSV with a BOM that parses back: the matched customers the purpose allows, masked, each recorded with the export id, a footer naming the export', async () => {
    const file = await exportFile(harness.as.staff, {
      purposeId: HM,
      filter: { tier: 'gold' },
      format: 'csv',
      categories: ['identity', 'identity_document', 'contact', 'health', 'customer_profile'],
      headers: 'keys',
    });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    csvExportId = file.headers.get('x-export-id')!;
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="customers-${csvExportId}.csv"`);
    expect([...file.bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    csvSha256 = createHash('sha256').update(file.bytes).digest('hex');

    const { header, rows, footer } = csvRows(file.bytes);
    expect(header).toEqual([
      'subjectId',
      'customerNumber',
      'status',
      'lifecycleStage',
      'identity.name',
      'identity.gender',
      'identity.birthDate',
      'identity.ethnicity',
      'identity_document.type',
      'identity_document.number',
      'contact.phones',
      'contact.email',
      'contact.addresses',
      'health.conditions',
      'health.allergies',
      'health.surgeries',
      'health.medications',
      'health.lifestyle',
      'health.goals',
      'customer_profile.customerType',
      'customer_profile.tier',
      'customer_profile.tags',
      'customer_profile.remarks',
    ]);
    const exported = ['A', 'B', 'C', 'E', 'G'].map((key) => customers[key]);
    expect(rows.map((row) => row.subjectId).sort()).toEqual(exported.map((customer) => customer.subjectId).sort());
    for (const customer of exported) {
      const row = rows.find((candidate) => candidate.subjectId === customer.subjectId)!;
      expect(row['identity.name']).toBe(customer.name);
      expect(row['customer_profile.tier']).toBe('gold');
      expect(row.customerNumber).toMatch(/^C\d+$/);
      expect(row.status).toBe('active');
      // masked as the file read masks them: the ID number's first 3 and last 4, the phone's last 4
      expect(row['identity_document.number']).toBe(`${customer.idNumber.slice(0, 3)}***********${customer.idNumber.slice(-4)}`);
      expect(row['contact.phones']).toBe(`+86${customer.phone.slice(0, 3)}****${customer.phone.slice(-4)}`);
      expect(row['health.conditions']).toBe(customer.key === 'G' ? '' : '2型糖尿病');
    }
    expect(rows.find((row) => row.subjectId === customers.A.subjectId)!['health.surgeries']).toBe('name: 阑尾切除术, date: 2010-03-15');
    expect(footer[0]).toBe('导出信息 export');
    expect(footerFields(footer)).toEqual({
      exportId: csvExportId,
      exportedBy: 'staff-1',
      exportedAt: expect.stringMatching(new RegExp(`^${TEST_NOW.slice(0, 13)}`)),
      purposeId: HM,
      rows: '5',
    });
    expect(footerFields(footer).exportedAt.slice(0, 13)).toBe(TEST_NOW.slice(0, 13));

    // every customer in the file, and no one else, is in the access log with this export's id
    const records = await accessOf(`exportId=${csvExportId}`);
    expect(records.map((record) => record.subjectId).sort()).toEqual(exported.map((customer) => customer.subjectId).sort());
    for (const record of records) {
      expect(record).toMatchObject({ via: 'bulk-export', exportId: csvExportId, actor: 'staff-1', revealed: [] });
      const customer = exported.find((candidate) => candidate.subjectId === record.subjectId)!;
      expect([...record.categories].sort()).toEqual(
        customer.key === 'G' ? ['contact', 'customer_profile', 'identity', 'identity_document'] : ['contact', 'customer_profile', 'health', 'identity', 'identity_document'],
      );
    }
    for (const key of ['D', 'F']) expect((await accessOf(`subjectId=${customers[key].subjectId}`)).filter((record) => record.via === 'bulk-export')).toEqual([]);
  });

  it('lists the export for compliance from the ledger: who, when, purpose, the filter without personal data, rows, the file’s hash', async () => {
    const listed = await call('GET', `/v1/exports?exportId=${csvExportId}`, compliance);
    expect(listed.status).toBe(200);
    expect(listed.body.items).toEqual([
      expect.objectContaining({
        exportId: csvExportId,
        actor: 'staff-1',
        roles: ['staff'],
        purposeId: HM,
        format: 'csv',
        encoding: 'utf-8',
        filter: { conditions: ['tier'], tier: 'gold' },
        categories: ['identity', 'identity_document', 'contact', 'health', 'customer_profile'],
        revealed: [],
        rowCount: 5,
        sha256: csvSha256,
        complete: true,
      }),
    ]);
    expect((await call('GET', '/v1/exports', harness.as.staff)).status).toBe(403);
    expect((await call('GET', '/v1/exports', await tokens(api).admin())).status).toBe(200);
  });

  it('exports an XLSX for a health manager: only the customers it reaches, only the categories its job reads, traced in the workbook’s properties and a footer row', async () => {
    const file = await exportFile(harness.as.health_manager, { purposeId: HM, filter: { tier: 'gold' }, format: 'xlsx' });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet');
    const exportId = file.headers.get('x-export-id')!;
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(file.bytes as unknown as ArrayBuffer);
    expect(workbook.creator).toBe('health_manager-1');
    expect(workbook.title).toBe(`pi-ledger export ${exportId}`);
    expect(workbook.keywords).toContain(exportId);
    expect(workbook.description).toContain('health_manager-1');
    const sheet = workbook.worksheets[0];
    const values: string[][] = [];
    sheet.eachRow((row) => values.push((row.values as unknown[]).slice(1).map((value) => (typeof value === 'string' || typeof value === 'number' ? String(value) : ''))));
    const [header, ...rest] = values;
    const footer = rest.pop()!;
    // the health manager's matrix: identity, contact, health, health records, service interactions, customer profile; no ID documents
    expect(header).toEqual(expect.arrayContaining(['客户ID', '姓名', '电话', '既往病史', '客户等级']));
    expect(header).not.toContain('证件号码');
    const idColumn = header.indexOf('客户ID');
    const reached = ['A', 'B', 'C', 'G'].map((key) => customers[key].subjectId).sort();
    expect(rest.map((row) => row[idColumn]).sort()).toEqual(reached);
    const phoneColumn = header.indexOf('电话');
    for (const row of rest) expect(row[phoneColumn]).toMatch(/^\+86139\*{4}\d{4}$/);
    expect(footerFields(footer)).toMatchObject({ exportId, exportedBy: 'health_manager-1', purposeId: HM, rows: '4' });
    expect((await accessOf(`exportId=${exportId}`)).map((record) => record.subjectId).sort()).toEqual(reached);
  });

  it('shows phone and ID numbers in clear only when asked, and records them as revealed', async () => {
    const file = await exportFile(harness.as.staff, {
      purposeId: HM,
      filter: { phone: customers.A.phone },
      format: 'csv',
      columns: ['identity.name', 'identity_document.number', 'contact.phones'],
      reveal: ['identity_document', 'contact'],
      headers: 'keys',
    });
    expect(file.status).toBe(200);
    const { header, rows } = csvRows(file.bytes);
    expect(header).toEqual(['subjectId', 'customerNumber', 'status', 'lifecycleStage', 'identity.name', 'identity_document.number', 'contact.phones']);
    expect(rows).toEqual([
      expect.objectContaining({ 'identity.name': customers.A.name, 'identity_document.number': customers.A.idNumber, 'contact.phones': `+86${customers.A.phone}` }),
    ]);
    const [record] = await accessOf(`exportId=${file.headers.get('x-export-id')}`);
    expect([...record.revealed].sort()).toEqual(['contact.phone', 'contact.phones', 'identity_document.number']);
    // the ledger keeps the condition's name, never the phone number searched for
    const { rows: events } = await api.database.pool.query(`SELECT data::text AS data FROM ledger_events WHERE type = 'ExportProduced'`);
    expect(events.map((event) => event.data).join('\n')).not.toContain(customers.A.phone.slice(3));
  });

  it('gives a role without health access no health columns, and 403 when it asks for them; nothing is recorded for a refused export', async () => {
    const service = harness.as.customer_service;
    const file = await exportFile(service, { purposeId: HM, filter: { tier: 'gold' }, format: 'csv', headers: 'keys' });
    expect(file.status).toBe(200);
    const { header } = csvRows(file.bytes);
    expect(header.filter((key) => key.startsWith('health'))).toEqual([]);
    expect(header).toContain('identity.name');
    const before = await eventCount();
    const refused = await exportFile(service, { purposeId: HM, filter: { tier: 'gold' }, format: 'csv', categories: ['identity', 'health'] });
    expect(refused.status).toBe(403);
    expect(refused.json()).toMatchObject({ code: 'category-not-permitted' });
    const byColumn = await exportFile(service, { purposeId: HM, filter: { tier: 'gold' }, format: 'xlsx', columns: ['health.allergies'] });
    expect(byColumn.status).toBe(403);
    const outsidePurpose = await exportFile(harness.as.staff, { purposeId: 'marketing', filter: { tier: 'gold' }, format: 'csv', categories: ['health'] });
    expect(outsidePurpose.status).toBe(422);
    expect(outsidePurpose.json()).toMatchObject({ code: 'category-not-in-purpose' });
    expect(await eventCount()).toBe(before);
  });

  it('refuses a bad request with 400 naming the field, before anything is read or written', async () => {
    const before = await eventCount();
    const good = { purposeId: HM, filter: { tier: 'gold' }, format: 'csv' };
    const cases: Array<[string, Record<string, unknown>, string]> = [
      ['no condition', { ...good, filter: {} }, 'filter'],
      ['unknown tier', { ...good, filter: { tier: 'bronze' } }, 'filter.tier'],
      ['a one-character name', { ...good, filter: { name: '王' } }, 'filter.name'],
      ['an unknown filter field', { ...good, filter: { tier: 'gold', salary: '1' } }, 'filter.salary'],
      ['a malformed department', { ...good, filter: { departmentId: 'sales' } }, 'filter.departmentId'],
      ['no filter', { purposeId: HM, format: 'csv' }, 'filter'],
      ['no purpose', { filter: { tier: 'gold' }, format: 'csv' }, 'purposeId'],
      ['an unknown format', { ...good, format: 'pdf' }, 'format'],
      ['an unknown category', { ...good, categories: ['salary'] }, 'categories'],
      ['an unknown column', { ...good, columns: ['identity.salary'] }, 'columns'],
      ['a reveal of what has no mask', { ...good, reveal: ['health'] }, 'reveal'],
      ['a reveal of what is not exported', { ...good, categories: ['identity'], reveal: ['contact'] }, 'reveal'],
      ['an encoding for xlsx', { ...good, format: 'xlsx', encoding: 'gb18030' }, 'encoding'],
      ['an unknown encoding', { ...good, encoding: 'latin1' }, 'encoding'],
    ];
    for (const [why, body, path] of cases) {
      const reply = await exportFile(harness.as.staff, body);
      expect({ why, status: reply.status }).toEqual({ why, status: 400 });
      const problem = reply.json();
      expect({ why, status: reply.status, code: problem.code }).toEqual({ why, status: 400, code: 'validation-failed' });
      expect({ why, paths: (problem.errors as Array<{ path: string }>).map((error) => error.path) }).toEqual({ why, paths: expect.arrayContaining([path]) });
    }
    expect(await eventCount()).toBe(before);
  });

  it('refuses an export that would hold more customers than the limit with 422, naming the limit', async () => {
    const before = await eventCount();
    const reply = await exportFile(harness.as.staff, { purposeId: HM, filter: { lifecycleStage: 'active' }, format: 'csv' });
    expect(reply.status).toBe(422);
    expect(reply.json()).toMatchObject({ code: 'export-too-large', maxRows: MAX_ROWS });
    expect(await eventCount()).toBe(before);
  });

  it('writes GB18030 on request, without a BOM, that decodes to the same Chinese text', async () => {
    const file = await exportFile(harness.as.front_desk, { purposeId: HM, filter: { tier: 'gold' }, format: 'csv', encoding: 'gb18030', columns: ['identity.name'] });
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('text/csv; charset=gb18030');
    expect([...file.bytes.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
    const { header, rows } = csvRows(file.bytes, 'gb18030');
    expect(header).toEqual(['客户ID', '客户编号', '状态', '生命周期阶段', '姓名']);
    expect(rows.map((row) => row['姓名']).sort()).toEqual(['A', 'B', 'C', 'E', 'G'].map((key) => customers[key].name).sort());
  });

  it('needs a role that reads customer files, and keeps personal data out of the logs', async () => {
    const manager = await api.app.get(TokenService).sign({ sub: 'manager-1', roles: ['manager'], departmentId: harness.departmentId });
    expect((await exportFile(manager, { purposeId: HM, filter: { tier: 'gold' }, format: 'csv' })).status).toBe(403);
    expect((await exportFile(await tokens(api).auditor(), { purposeId: HM, filter: { tier: 'gold' }, format: 'csv' })).status).toBe(403);
    const logs = api.logLines.join('\n');
    // every export above was read to its end: none is reported cut off (a finished workbook's stream closing was, for each XLSX)
    expect(logs).not.toContain('export cut off');
    for (const customer of Object.values(customers)) {
      expect(logs).not.toContain(customer.name);
      expect(logs).not.toContain(customer.phone.slice(3));
      expect(logs).not.toContain(customer.idNumber);
    }
  });

  describe('ledger export customers', () => {
    let dir: string;
    beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'pi-ledger-export-'))));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));
    const cli = (...args: string[]) => {
      const config = { ...loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl: api.database.url, dataDir: api.dataDir, exportMaxRows: MAX_ROWS };
      return runCli(LedgerCliModule.forRoot(config, pino({ level: 'silent' })), ['export', 'customers', ...args]);
    };

    it('writes the same export to a file (0600), access-logged and recorded under the CLI’s actor', async () => {
      const out = join(dir, 'gold.xlsx');
      const run = await cli('--purpose', HM, '--format', 'xlsx', '--out', out, '--filter', '{"tier":"gold"}', '--columns', 'identity.name,contact.phones', '--actor', 'ops-export');
      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBeUndefined();
      const printed = JSON.parse(run.stdout);
      const bytes = readFileSync(out);
      expect(printed).toEqual({
        exportId: expect.any(String),
        file: out,
        rowCount: 5,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        bytes: bytes.length,
        complete: true,
      });
      expect(statSync(out).mode & 0o777).toBe(0o600);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load(bytes as unknown as ArrayBuffer);
      expect(workbook.creator).toBe('ops-export');
      expect(workbook.worksheets[0].rowCount).toBe(1 + 5 + 1);
      const records = await accessOf(`exportId=${printed.exportId}`);
      expect(records.map((record) => record.subjectId).sort()).toEqual(['A', 'B', 'C', 'E', 'G'].map((key) => customers[key].subjectId).sort());
      expect(records.every((record) => record.actor === 'ops-export' && record.via === 'bulk-export')).toBe(true);
      const listed = await call('GET', `/v1/exports?actor=ops-export`, compliance);
      expect(listed.body.items).toEqual([expect.objectContaining({ exportId: printed.exportId, format: 'xlsx', rowCount: 5 })]);
    });

    it('refuses a bad filter naming the field, writing no file and nothing to the ledger', async () => {
      const before = await eventCount();
      const out = join(dir, 'bad.csv');
      const run = await cli('--purpose', HM, '--format', 'csv', '--out', out, '--filter', '{"tier":"bronze"}');
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain('filter.tier');
      expect(() => statSync(out)).toThrow();
      expect(await eventCount()).toBe(before);
    });
  });

  it('pages through past exports, newest first; a bad cursor is 400 naming it', async () => {
    const first = await call('GET', '/v1/exports?limit=4', compliance);
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(4);
    expect(first.body.items[0]).toMatchObject({ actor: 'ops-export', format: 'xlsx' });
    const second = await call('GET', `/v1/exports?limit=4&cursor=${first.body.nextCursor}`, compliance);
    expect(second.body.items).toHaveLength(2);
    expect(second.body.nextCursor).toBeNull();
    const all = [...first.body.items, ...second.body.items] as Array<{ exportId: string; exportedAt: string }>;
    // made in this spec: the CSV, the health manager's XLSX, the revealed one, customer service's, the GB18030 one, the CLI's
    expect(new Set(all.map((item) => item.exportId)).size).toBe(6);
    expect(all.at(-1)!.exportId).toBe(csvExportId);
    const bad = await call('GET', '/v1/exports?cursor=bm90LWEtY3Vyc29y', compliance);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([expect.objectContaining({ path: 'query.cursor' })]);
  });
});
