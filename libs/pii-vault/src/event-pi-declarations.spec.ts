import { randomBytes, randomUUID } from 'node:crypto';
import type { RightsRequestEvent } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { RIGHTS_REQUEST_TYPES } from '@pi-ledger/ledger-domain/rights-request/rights-request.events';
import { createTestDatabase, TestDatabase } from '@pi-ledger/test-support/test-database';
import { DeclaredEventCodec } from './declared-event-codec';
import { LEDGER_EVENT_PI, pathMatches, piSealingOf, RIGHTS_REQUEST_PI, stringLeaves } from './event-pi-declarations';
import { isEncryptedValue, PiiVault } from './pii-vault';
import { VaultPen } from './pii-vault.testing';
import { ERASED } from './subject-event-codec';

const at = '2026-02-02T10:00:00.000Z';
const CANARY = 'CANARY-7f3a';

/**
 * One event of every rights-request type with every member filled, a canary in every value that can
 * be personal information. Typed by the union, so a new event type needs its sample here.
 */
function samples(requestId: string, subjectId: string): { readonly [T in RightsRequestEvent['type']]: Array<Extract<RightsRequestEvent, { type: T }>> } {
  const ids = { requestId, subjectId };
  const filed = (requestType: (typeof RIGHTS_REQUEST_TYPES)[number], details: Record<string, unknown>): Extract<RightsRequestEvent, { type: 'RightsRequestFiled' }> => ({
    type: 'RightsRequestFiled',
    data: {
      ...ids,
      requestType,
      details,
      channel: 'app',
      requester: { kind: 'next_of_kin', relation: `${CANARY}-relation`, name: `${CANARY}-name` },
      status: 'received',
      receivedAt: at,
      dueAt: at,
    },
  });
  return {
    RightsRequestFiled: [
      filed('correction', {
        changes: [
          { category: 'contact', purposeId: 'health-management', set: { email: `${CANARY}-email@example.cn`, phone: null } },
          { category: 'identity', purposeId: 'health-management', set: { name: `${CANARY}-name`, birthDate: '1980-05-01' } },
          { category: 'health', purposeId: 'health-management', set: { conditions: [`${CANARY}-condition`] } },
        ],
      }),
      filed('erasure', { categories: ['contact', 'health'] }),
      filed('restriction', { purposeIds: ['marketing'] }),
      filed('consent_withdrawal', { consentId: randomUUID() }),
    ],
    RightsRequestVerified: [
      { type: 'RightsRequestVerified', data: { ...ids, method: 'id_card_in_person', evidenceRef: `${CANARY}-evidence`, verifiedBy: 'staff-1', verifiedAt: at } },
    ],
    RightsRequestExtended: [{ type: 'RightsRequestExtended', data: { ...ids, reason: `${CANARY}-extension`, dueAt: at, extendedAt: at } }],
    RightsRequestStarted: [{ type: 'RightsRequestStarted', data: { ...ids, startedAt: at } }],
    RightsRequestFulfilled: [
      {
        type: 'RightsRequestFulfilled',
        data: { ...ids, result: { applied: [{ category: 'contact', fields: ['email'], version: 3, position: 9 }], explanation: { zh: '说明', en: 'x' } }, fulfilledAt: at },
      },
    ],
    RightsRequestRejected: [
      { type: 'RightsRequestRejected', data: { ...ids, reasonCode: 'manifestly_unfounded', reason: `${CANARY}-rejection`, status: 'rejected', rejectedAt: at } },
    ],
  };
}

const allSamples = (requestId: string, subjectId: string): RightsRequestEvent[] => Object.values(samples(requestId, subjectId)).flat();

describe('PI declarations of the ledger’s events', () => {
  it('declare every string of every rights-request event as sealed PI or as a clear fact', () => {
    const undeclared = allSamples(randomUUID(), randomUUID()).flatMap((event) => {
      const declaration = RIGHTS_REQUEST_PI[event.type];
      const declared = [...declaration.pi.map((field) => field.path), ...declaration.clear];
      return stringLeaves(event.data)
        .filter((path) => !declared.some((pattern) => pathMatches(pattern, path)))
        .map((path) => `${event.type}.${path}`);
    });
    expect(undeclared).toEqual([]);
  });

  it('name a sealing for every event type, and none for a type nobody declared', () => {
    for (const type of Object.keys(RIGHTS_REQUEST_PI)) expect(piSealingOf(type)).toEqual({ declared: RIGHTS_REQUEST_PI[type as RightsRequestEvent['type']] });
    expect(Object.keys(LEDGER_EVENT_PI)).toHaveLength(103);
    expect(piSealingOf('SomethingNew')).toBeUndefined();
    expect(piSealingOf('constructor')).toBeUndefined();
  });

  it('match paths segment by segment', () => {
    expect(pathMatches('details.changes[].set.*', 'details.changes[12].set.email')).toBe(true);
    expect(pathMatches('details.changes[].set.*', 'details.changes[0].set.email.x')).toBe(false);
    expect(pathMatches('result.**', 'result.applied[0].fields[1]')).toBe(true);
    expect(pathMatches('requester.name', 'requester.names')).toBe(false);
  });

  describe('DeclaredEventCodec with the vault', () => {
    let database: TestDatabase;
    let pen: VaultPen;
    let vault: PiiVault;
    let codec: DeclaredEventCodec<RightsRequestEvent>;

    beforeAll(async () => {
      database = await createTestDatabase();
      pen = new VaultPen(database.pool);
      vault = await pen.open(randomBytes(32));
      codec = new DeclaredEventCodec<RightsRequestEvent>(vault, RIGHTS_REQUEST_PI);
    });
    afterAll(async () => {
      await pen.closeAll();
      await database.close();
    });

    it('seals every declared value under the subject’s keys (a change set under its category’s), and opens them again', async () => {
      const subjectId = randomUUID();
      const plain = allSamples(randomUUID(), subjectId);
      const sealed = await codec.sealAll(plain);
      expect(JSON.stringify(sealed)).not.toContain(CANARY);
      const filed = sealed[0] as Extract<RightsRequestEvent, { type: 'RightsRequestFiled' }>;
      const changes = filed.data.details.changes as Array<{ set: Record<string, unknown> }>;
      expect(isEncryptedValue(changes[0].set.email)).toBe(true);
      expect(changes[0].set.phone).toBeNull();
      expect(isEncryptedValue(filed.data.requester.name)).toBe(true);
      expect(filed.data.details).toMatchObject({ changes: [{ category: 'contact', purposeId: 'health-management' }, {}, {}] });
      const { rows } = await database.pool.query('SELECT category, key_id FROM vault_data_keys WHERE subject_id = $1 ORDER BY category', [subjectId]);
      expect(rows.map((row) => row.category)).toEqual(['contact', 'free_text', 'health', 'identity', 'requester']);
      expect((changes[0].set.email as { kid: string }).kid).toBe(rows.find((row) => row.category === 'contact').key_id);
      expect(await codec.openAll(sealed)).toEqual(plain);
    });

    it('reads "[erased]" where the key is shredded, and opens only that category’s values so', async () => {
      const subjectId = randomUUID();
      const sealed = await codec.sealAll(allSamples(randomUUID(), subjectId));
      await vault.shred(subjectId, ['contact'], { reason: 'erasure request', actor: 'officer-1' });
      const [filed] = (await codec.openAll(sealed)) as Array<Extract<RightsRequestEvent, { type: 'RightsRequestFiled' }>>;
      expect(filed.data.details.changes).toEqual([
        { category: 'contact', purposeId: 'health-management', set: { email: ERASED, phone: null } },
        { category: 'identity', purposeId: 'health-management', set: { name: `${CANARY}-name`, birthDate: '1980-05-01' } },
        { category: 'health', purposeId: 'health-management', set: { conditions: [`${CANARY}-condition`] } },
      ]);
      await vault.shred(subjectId, undefined, { reason: 'erasure request', actor: 'officer-1' });
      expect(JSON.stringify(await codec.openAll(sealed))).not.toContain(CANARY);
    });

    it('opens events stored before their type declared a field as they were stored (no migration)', async () => {
      const [old] = allSamples(randomUUID(), randomUUID());
      expect(await codec.open(old)).toEqual(old);
    });

    it('refuses to seal an event type that declares nothing, rather than append it unsealed', async () => {
      const stray = { type: 'RightsRequestCanceled', data: { requestId: 'r', subjectId: 's', note: CANARY } } as unknown as RightsRequestEvent;
      await expect(codec.seal(stray)).rejects.toThrow('event type RightsRequestCanceled declares no PI fields');
    });
  });
});
