import { randomBytes } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { registration } from './support/realistic-subject';
import { residentId } from './support/resident-id';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';

/**
 * Issue #18, deliverable 4: no personal data rests in clear on disk. Canary customers are
 * registered, changed, read and searched through the API; then PostgreSQL's own files (this
 * database's heap and index files, and the cluster's WAL) are read byte by byte. None of their
 * direct identifiers may be found: the log and the read models hold them sealed, the search keys
 * are blind indexes. Needs the server's files on this machine (the embedded server the tests run);
 * on an external server (TEST_DATABASE_SERVER_URL) the spec says so and checks nothing.
 */
describe('no personal data in clear in the database files', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  const tag = randomBytes(4).toString('hex');
  // distinctive values, each one unlikely to occur by chance in any file
  const canaries = {
    name: `金丝雀${tag}`,
    latinName: `Canary${tag}Zhou`,
    email: `canary.${tag}@example-canary.cn`,
    phone: `139${String(parseInt(tag, 16) % 100_000_000).padStart(8, '0')}`,
    idNumber: residentId('1990-03-07', parseInt(tag.slice(0, 2), 16) % 900),
    addressLine: `金丝雀路${tag}号`,
    condition: `金丝雀综合征${tag}`,
  };

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
  });
  afterAll(async () => api.close());

  it('finds none of the canaries’ identifiers in heap, index or WAL files', async () => {
    const staff = await tokens(api).staff();
    const body = registration({
      data: {
        identity: { name: canaries.name, gender: 'female', birthDate: '1990-03-07' },
        identity_document: { type: 'resident_id', number: canaries.idNumber },
        contact: { phone: canaries.phone, email: canaries.email, address: { province: '上海市', city: '上海市', district: '黄浦区', line: canaries.addressLine } },
        health: { conditions: [canaries.condition] },
      },
    });
    const registered = await call('POST', '/v1/subjects', staff, body);
    expect(registered.status).toBe(201);
    const id = registered.body.subjectId as string;
    const changed = await call('PATCH', `/v1/subjects/${id}/data/identity`, staff, { set: { name: canaries.latinName }, reason: 'correction', purposeId: 'health-management' });
    expect(changed.status).toBe(200);
    const headers = { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': String(changed.body.position) };
    const read = await call('GET', `/v1/subjects/${id}?reveal=contact,identity_document`, staff, undefined, headers);
    expect(read.body.data).toMatchObject({ identity: { name: canaries.latinName }, contact: { email: canaries.email } }); // opened for the reader
    const byName = await call('GET', `/v1/subjects?name=${encodeURIComponent(canaries.latinName.slice(0, 9))}`, staff, undefined, headers);
    expect(byName.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([id]);
    const byPhone = await call('GET', `/v1/subjects?phone=${canaries.phone}`, staff, undefined, headers);
    expect(byPhone.body.items.map((item: { subjectId: string }) => item.subjectId)).toEqual([id]);
    // a second file of the canary (the same email): the duplicate candidates keep its values sealed and its keys blind (issue #15)
    const twin = await call('POST', '/v1/subjects', staff, {
      ...body,
      data: { identity: { name: canaries.latinName, birthDate: '1990-03-07' }, contact: { email: canaries.email } },
    });
    expect(twin.status).toBe(201);
    const duplicates = await call('GET', `/v1/duplicates?subjectId=${id}`, staff, undefined, { ...headers, 'x-ledger-min-position': String(twin.body.position) });
    expect(duplicates.body.items.map((item: { reasons: string[] }) => item.reasons)).toEqual([['email', 'name_birth_date']]);

    const owner = await api.database.ownerClient();
    const directory = await dataDirectory(owner);
    if (!directory) {
      process.stderr.write('pi-at-rest: the server’s files are not on this machine; nothing checked\n');
      return;
    }
    // every dirty page and the WAL that describes it on disk
    await owner.query('CHECKPOINT');
    const { rows } = await owner.query(`SELECT oid FROM pg_database WHERE datname = current_database()`);
    const files = [...(await filesIn(join(directory, 'base', String(rows[0].oid)))), ...(await filesIn(join(directory, 'pg_wal')))];
    expect(files.length).toBeGreaterThan(10);

    // the scan sees what is in those files: the purpose every event of this subject names, in clear
    expect(await foundIn(files, [`subject-${id}`])).not.toEqual([]);
    expect(await foundIn(files, Object.values(canaries))).toEqual([]);
  });
});

async function dataDirectory(owner: { query(text: string): Promise<{ rows: Array<Record<string, string>> }> }): Promise<string | undefined> {
  try {
    const directory = (await owner.query('SHOW data_directory')).rows[0].data_directory;
    await stat(join(directory, 'pg_wal'));
    return directory;
  } catch {
    return undefined;
  }
}

async function filesIn(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(directory, entry.name));
}

/** Each value found, as "<value> in <file>": UTF-8 bytes, as PostgreSQL stores text. */
async function foundIn(files: readonly string[], values: readonly string[]): Promise<string[]> {
  const needles = values.map((value) => ({ value, bytes: Buffer.from(value, 'utf8') }));
  const found: string[] = [];
  for (const file of files) {
    const content = await readFile(file).catch(() => undefined); // a WAL segment recycled meanwhile
    if (!content) continue;
    for (const { value, bytes } of needles) if (content.includes(bytes)) found.push(`${value} in ${file}`);
  }
  return found;
}
