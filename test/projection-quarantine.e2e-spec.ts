import pino from 'pino';
import { v7 as uuidv7 } from 'uuid';
import { LedgerCliModule } from '../apps/ledger-cli/src/ledger-cli.module';
import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import type { EventStore } from '../libs/event-store/src/event-store.port';
import { LEDGER_CONFIG } from '../libs/platform/src/config/config.tokens';
import type { LedgerConfig } from '../libs/platform/src/config/ledger-config';
import { LedgerMetrics } from '../libs/platform/src/metrics/ledger-metrics';
import { eraseOnRequest } from './support/erasure-request';
import { residentId } from './support/resident-id';
import { runCli } from './support/cli-run';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { waitUntil } from './support/wait-until';

/**
 * One subject's stream that the subject_profile projection cannot apply (issue #18): the projection
 * quarantines that stream and goes on with every other; the subject reads as 503
 * projection-quarantined, ops see it in /v1/ops/projections, the metric and the CLI, the replay
 * refuses while the event still fails, and an erasure of the subject still completes and purges.
 *
 * The bad event is written straight through the event store port, as a faulty tool or a bug could:
 * a copy of the subject's sealed contact data under a new event id. The write side folds it (it
 * never decrypts), but its ciphertext is bound to the original event's id, so the projection
 * cannot open it.
 */
describe('a projection quarantines the one stream it cannot apply', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  let ops: string;
  let written = 0;
  let sequence = 0;

  const register = async (name: string, phone: string) => {
    const birthDate = '1985-04-0' + (1 + (sequence % 9));
    const response = await call('POST', '/v1/subjects', staff, {
      purposeId: 'health-management',
      noticeVersion: 'v1',
      channel: 'front-desk',
      consents: [{ purposeId: 'health-management', categories: ['identity_document', 'health'], separate: true }],
      data: {
        identity: { name, gender: 'female', birthDate },
        identity_document: { type: 'resident_id', number: residentId(birthDate, 200 + ++sequence, '310104') },
        contact: { phone, email: `${phone}@example.cn`, address: { province: '上海市', city: '上海市', district: '徐汇区', line: '漕溪北路 1 号' } },
      },
    });
    if (response.status !== 201) throw new Error(`registration failed: ${response.status} ${JSON.stringify(response.body)}`);
    written = Math.max(written, response.body.position);
    return response.body.subjectId as string;
  };
  const read = (subjectId: string) =>
    call('GET', `/v1/subjects/${subjectId}`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': String(written) });
  const projections = async () => {
    const response = await call('GET', '/v1/ops/projections', ops);
    expect(response.status).toBe(200);
    return response.body.find((view: { name: string }) => view.name === 'subject_profile');
  };

  /** Runs `ledger projections …` through nest-commander, in this process, on the API's database and data dir. */
  async function ledger(...args: string[]): Promise<{ stdout: string; errors: Error[] }> {
    const config = api.app.get<LedgerConfig>(LEDGER_CONFIG);
    const { stdout, errors } = await runCli(LedgerCliModule.forRoot(config, pino({ level: 'silent' })), ['projections', ...args]);
    return { stdout, errors };
  }

  let broken: string;
  let healthy: string;
  let badEventId: string;

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    const t = tokens(api);
    [staff, ops] = await Promise.all([t.staff(), t.ops()]);
    broken = await register('王芳', '13600001111');
    healthy = await register('陈静', '13600002222');
    expect((await read(broken)).status).toBe(200);

    const store = api.app.get<EventStore>(EVENT_STORE);
    const stream = `subject-${broken}`;
    const events = await store.readStream(stream);
    const contact = events.find((event) => event.type === 'DataCollected' && event.data.category === 'contact')!;
    badEventId = uuidv7();
    const appended = await store.appendToStream(stream, [{ eventId: badEventId, type: contact.type, data: contact.data, metadata: contact.metadata }], {
      expectedVersion: events.length,
    });
    written = Math.max(written, appended.position);
    await waitUntil('the quarantine of the broken subject', async () => ((await projections()).quarantinedStreams === 1 ? true : undefined));
  });
  afterAll(async () => api.close());

  it('answers 503 projection-quarantined, without Retry-After or personal data, for that subject only', async () => {
    const response = await read(broken);
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.headers.get('retry-after')).toBeNull();
    expect(response.body).toMatchObject({ code: 'projection-quarantined', status: 503, projection: 'subject_profile', detail: expect.stringMatching(/replay/) });
    expect(JSON.stringify(response.body)).not.toMatch(/王芳|13600001111/);

    expect(await read(healthy)).toMatchObject({ status: 200, body: { subjectId: healthy } });
    const later = await register('赵敏', '13600003333'); // the projection goes on after the quarantine
    expect(await read(later)).toMatchObject({ status: 200, body: { subjectId: later } });
    const found = await call('GET', `/v1/subjects?phone=13600001111`, staff, undefined, { 'x-processing-purpose': 'health-management', 'x-ledger-min-position': String(written) });
    expect(found).toMatchObject({ status: 200, body: { items: [] } }); // its row is gone: no stale values searchable
  });

  it('shows the quarantine in /v1/ops/projections, the metric and the CLI, with codes only', async () => {
    // The reads above append access records after their answer, so the projection may be one event behind for a moment.
    const view = await waitUntil('the projection caught up', async () => {
      const current = await projections();
      return current.lagEvents === 0 ? current : undefined;
    });
    expect(view).toMatchObject({ status: 'running', lagEvents: 0, quarantinedStreams: 1 });
    expect(view.quarantined).toEqual([
      {
        streamId: `subject-${broken}`,
        position: expect.any(Number),
        transactionId: expect.any(Number),
        eventId: badEventId,
        eventType: 'DataCollected',
        streamVersion: expect.any(Number),
        code: 'decryption-failed',
        description: 'thrown by the projection (DecryptionFailedError)',
        quarantinedAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(view)).not.toMatch(/王芳|13600001111/);
    const logged = api.logLines.filter((line) => line.includes('stream quarantined'));
    // the duplicate candidates and the query facts open the same contact event: quarantined there too, once each
    expect(logged.map((line) => JSON.parse(line).projection).sort()).toEqual(['customer_query', 'duplicate_candidates', 'subject_profile']);
    expect(JSON.parse(logged.find((line) => line.includes('"subject_profile"'))!)).toMatchObject({
      projection: 'subject_profile',
      streamId: `subject-${broken}`,
      eventId: badEventId,
      failure: { kind: 'event' },
    });
    expect(api.logLines.join('\n')).not.toMatch(/王芳|13600001111/);
    const metrics = await api.app.get(LedgerMetrics).registry.metrics();
    expect(metrics).toContain('pi_ledger_projection_quarantined_streams{projection="subject_profile"} 1');
    expect(metrics).toContain('pi_ledger_projection_quarantined_streams{projection="consent_register"} 0');

    const status = await ledger('status');
    expect(status.errors).toEqual([]);
    expect(status.stdout).toMatch(/QUARANTINED/);
    expect(status.stdout).toMatch(/^subject_profile +v\d+\/g\d+ +running +\d+ +0 +1\b/m);
    const listed = await ledger('quarantine', 'subject_profile', '--json');
    expect(listed.errors).toEqual([]);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ streamId: `subject-${broken}`, eventId: badEventId })]);
  });

  it('refuses the replay while the event still fails, changing nothing', async () => {
    const replay = await ledger('replay', 'subject_profile', '--stream', `subject-${broken}`);
    expect(replay.stdout).toBe('');
    expect(replay.errors.map((error) => error.message)).toEqual([expect.stringMatching(new RegExp(`event ${badEventId} \\(DataCollected\\).*still fails.*stays quarantined`))]);
    expect((await projections()).quarantinedStreams).toBe(1);
    expect((await read(broken)).status).toBe(503);
    const unknown = await ledger('replay', 'subject_profile', '--stream', `subject-${healthy}`);
    expect(unknown.errors.map((error) => error.message)).toEqual([`stream subject-${healthy} is not quarantined for projection subject_profile`]);
  });

  it('erases the quarantined subject all the same; the replay then succeeds and the subject reads as erased', async () => {
    const { fulfilled } = await eraseOnRequest(api, broken);
    expect(fulfilled.status).toBe('fulfilled');
    expect(await read(broken)).toMatchObject({ status: 503, body: { code: 'projection-quarantined' } });
    const rows = await api.database.pool.query(`SELECT count(*)::int AS n FROM subject_profile WHERE subject_id = $1`, [broken]);
    expect(rows.rows[0].n).toBe(0); // nothing of it readable in clear meanwhile

    // its keys are destroyed now: the bad copy opens as "[erased]" like every other value of the subject
    const replay = await ledger('replay', 'subject_profile', '--stream', `subject-${broken}`);
    expect(replay.errors).toEqual([]);
    expect(replay.stdout).toMatch(new RegExp(`subject_profile: replayed \\d+ events of stream subject-${broken}; its quarantine is lifted`));
    expect(await read(broken)).toMatchObject({ status: 410, body: { code: 'subject-erased' } });
    expect((await projections()).quarantinedStreams).toBe(0);
    expect(await read(healthy)).toMatchObject({ status: 200 });
  });
});
