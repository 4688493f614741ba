import { v7 as uuidv7 } from 'uuid';
import { EVENT_STORE } from '../libs/event-store/src/event-store.module';
import type { EventStore } from '../libs/event-store/src/event-store.port';
import { registration } from './support/realistic-subject';
import { startTestApi, TestApi } from './support/test-api';
import { jsonRequest, tokens } from './support/test-tokens';
import { waitUntil } from './support/wait-until';

/**
 * A register (consents) that has set a subject's stream aside answers 503 projection-quarantined
 * for that subject's list, rather than the list as it was before the event it could not apply (a
 * withdrawal it never saw would still show the consent as active). The bad event is written through
 * the event store port (no route accepts it): a withdrawal whose time PostgreSQL cannot read.
 */
describe('a quarantined stream in the consent register', () => {
  let api: TestApi;
  let call: ReturnType<typeof jsonRequest>;
  let staff: string;
  const HM = { 'x-processing-purpose': 'health-management' };

  beforeAll(async () => {
    api = await startTestApi();
    call = jsonRequest(api);
    staff = await tokens(api).staff();
  });
  afterAll(async () => api.close());

  it('answers 503 for that subject’s consents only', async () => {
    const register = async (name: string) => {
      const body = registration({ data: { identity: { name, birthDate: '1985-01-01' } } });
      const response = await call('POST', '/v1/subjects', staff, body);
      expect(response.status).toBe(201);
      return response.body as { subjectId: string; position: number };
    };
    const broken = await register('周杰');
    const healthy = await register('吴磊');
    const listed = await call('GET', `/v1/subjects/${broken.subjectId}/consents`, staff, undefined, { ...HM, 'x-ledger-min-position': String(healthy.position) });
    expect(listed.status).toBe(200);

    // the event store port, because no route writes a malformed event (as a faulty tool could)
    const store = api.app.get<EventStore>(EVENT_STORE);
    const stream = `subject-${broken.subjectId}`;
    const version = await store.streamVersion(stream);
    const consentId = listed.body.items[0].consentId as string;
    await store.appendToStream(
      stream,
      [
        {
          eventId: uuidv7(),
          type: 'ConsentWithdrawn',
          data: { subjectId: broken.subjectId, consentId, withdrawnBy: 'subject', withdrawnAt: 'not-a-time' },
          metadata: { actor: 'faulty-tool', roles: ['ops'], correlationId: uuidv7() },
        },
      ],
      { expectedVersion: version },
    );
    const ops = await tokens(api).ops();
    await waitUntil('the consent register’s quarantine', async () => {
      const views = (await call('GET', '/v1/ops/projections', ops)).body as Array<{ name: string; quarantinedStreams: number }>;
      return views.find((view) => view.name === 'consent_register')?.quarantinedStreams === 1 ? true : undefined;
    });

    const refused = await call('GET', `/v1/subjects/${broken.subjectId}/consents`, staff, undefined, HM);
    expect(refused.status).toBe(503);
    expect(refused.body).toMatchObject({ code: 'projection-quarantined', projection: 'consent_register' });
    expect((await call('GET', `/v1/subjects/${healthy.subjectId}/consents`, staff, undefined, HM)).status).toBe(200);
  });
});
