import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { canonicalJson, payloadDigest } from '@pi-ledger/event-store/payload-digest';
import type { RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { commitmentFieldsOf, commitmentOf, leafHash } from './commitment';

/** The example of docs/audit.md: if this changes, every stored leaf stops verifying. */
const EXAMPLE_EVENT: RecordedEvent = {
  eventId: '0190c1a2-7b3c-7def-8a12-3456789abcde',
  type: 'SubjectRegistered',
  schemaVersion: 1,
  data: { name: { ciphertext: 'opaque' } },
  metadata: {
    actor: 'staff-7',
    roles: ['staff'],
    purposeId: 'health-management',
    legalBasis: 'consent',
    correlationId: '0190c1a2-7b3c-7def-8a12-000000000001',
  },
  recordedAt: new Date('2025-11-23T08:15:30.123Z'),
  streamId: 'subject-42',
  streamVersion: 1,
  position: 17,
  checkpoint: { transactionId: 901, position: 17 },
  payloadDigest: payloadDigest({ name: { ciphertext: 'opaque' } }).toString('hex'),
};

function randomText(): string {
  const pieces = ['plain', 'é', '中文', '😀', '"quoted"', 'back\\slash', 'tab\t', 'nul\u0000', '\u2028', '\ud800', 'A', 'a', '_'];
  return Array.from({ length: 1 + (randomBytes(1)[0] % 4) }, () => pieces[randomBytes(1)[0] % pieces.length]).join('');
}

function randomEvent(): RecordedEvent {
  const metadata: Record<string, unknown> = { correlationId: randomUUID(), actor: randomText(), roles: [randomText(), 'staff'] };
  if (randomBytes(1)[0] % 2) metadata.purposeId = randomText();
  if (randomBytes(1)[0] % 2) metadata.causationId = randomUUID();
  if (randomBytes(1)[0] % 3 === 0) metadata[randomText()] = { nested: [1, 2.5, -0, 1e21, null, true, randomText()] };
  const position = randomBytes(1)[0] % 2 ? randomBytes(4).readUInt32BE() : Number.MAX_SAFE_INTEGER - randomBytes(1)[0];
  return {
    ...EXAMPLE_EVENT,
    eventId: randomUUID(),
    type: randomText(),
    schemaVersion: 1 + (randomBytes(1)[0] % 5),
    metadata: metadata as unknown as RecordedEvent['metadata'],
    recordedAt: new Date(Date.UTC(2020, 0, 1) + randomBytes(4).readUInt32BE() * 1000 + (randomBytes(2).readUInt16BE() % 1000)),
    streamId: randomText(),
    streamVersion: 1 + randomBytes(2).readUInt16BE(),
    position,
    payloadDigest: randomBytes(32).toString('hex'),
  };
}

describe('event commitment', () => {
  it('is the RFC 8785 canonical JSON of the fields without data, byte for byte', () => {
    for (let i = 0; i < 2000; i++) {
      const event = randomEvent();
      expect(commitmentOf(event)).toBe(canonicalJson(commitmentFieldsOf(event)));
    }
  });

  it('is canonical for metadata off the usual shape too (the fast path hands it to canonicalJson)', () => {
    const usual = EXAMPLE_EVENT.metadata as unknown as Record<string, unknown>;
    const hidden = { ...usual };
    Object.defineProperty(hidden, 'causationId', { value: 'not enumerable', enumerable: false });
    const oddMetadata: unknown[] = [
      { ...usual, ticket: 'T-1' },
      { ...usual, purposeId: undefined },
      { ...usual, causationId: randomUUID(), idempotencyKey: 'key-1' },
      { ...usual, actor: 'quote " backslash \\ tab \t nul \u0000 lone \ud800 pair 😀 line \u2028' },
      { ...usual, roles: [] },
      { ...usual, roles: ['staff', 'é', '中文'] },
      { ...usual, roles: ['staff', 7] },
      { ...usual, roles: [null] },
      { ...usual, roles: [, 'staff'] }, // a hole
      { ...usual, roles: 'staff' },
      { actor: 'staff-7', correlationId: 'c-1' },
      { ...usual, legalBasis: 1 },
      { ...usual, purposeId: { id: 'nested', b: 1, a: 2 } },
      { ...usual, toJSON: () => ({ replaced: true }) },
      Object.assign(Object.create({ toJSON: () => ({ inherited: true }) }), usual),
      { ...usual, roles: Object.assign(['staff'], { toJSON: () => ['other'] }) },
      Object.assign(Object.create(null), usual),
      Object.assign(Object.create({ actor: 'inherited' }), { roles: ['staff'], correlationId: 'c-1' }),
      hidden,
      {},
    ];
    for (const metadata of oddMetadata) {
      const event = { ...EXAMPLE_EVENT, metadata: metadata as RecordedEvent['metadata'] };
      expect(commitmentOf(event)).toBe(canonicalJson(commitmentFieldsOf(event)));
    }
  });

  it('writes recordedAt exactly as toISOString, event after event within a second and across seconds', () => {
    const times = [
      Date.UTC(2025, 10, 23, 8, 15, 30, 0),
      Date.UTC(2025, 10, 23, 8, 15, 30, 7),
      Date.UTC(2025, 10, 23, 8, 15, 30, 42),
      Date.UTC(2025, 10, 23, 8, 15, 30, 999),
      Date.UTC(2025, 10, 23, 8, 15, 31, 0),
      Date.UTC(2025, 10, 23, 8, 15, 30, 500), // back to an earlier second
      -1, // 1969-12-31T23:59:59.999Z
      -1000,
      0,
      8.64e15, // +275760-09-13T00:00:00.000Z, the last valid time
      -62198755200000 + 123, // -000001-01-01T00:00:00.123Z
      -62198755200000 + 456,
    ];
    for (const time of times) {
      const event = { ...EXAMPLE_EVENT, recordedAt: new Date(time) };
      expect(JSON.parse(commitmentOf(event)).recordedAt).toBe(new Date(time).toISOString());
      expect(commitmentOf(event)).toBe(canonicalJson(commitmentFieldsOf(event)));
    }
    expect(() => commitmentOf({ ...EXAMPLE_EVENT, recordedAt: new Date(Number.NaN) })).toThrow(RangeError);
  });

  it('holds no data, only its digest', () => {
    const event = { ...EXAMPLE_EVENT, data: { phone: { ciphertext: 'c2VjcmV0' } } };
    const commitment = commitmentOf(event);
    expect(commitment).not.toContain('c2VjcmV0');
    expect(Object.keys(JSON.parse(commitment))).toEqual(['eventId', 'metadata', 'payloadDigest', 'position', 'recordedAt', 'schemaVersion', 'streamId', 'streamVersion', 'type']);
  });

  it('matches the documented example (docs/audit.md)', () => {
    const commitment = commitmentOf(EXAMPLE_EVENT);
    expect(commitment).toBe(
      '{"eventId":"0190c1a2-7b3c-7def-8a12-3456789abcde","metadata":{"actor":"staff-7","correlationId":"0190c1a2-7b3c-7def-8a12-000000000001",' +
        '"legalBasis":"consent","purposeId":"health-management","roles":["staff"]},' +
        `"payloadDigest":"${EXAMPLE_EVENT.payloadDigest}","position":17,"recordedAt":"2025-11-23T08:15:30.123Z","schemaVersion":1,` +
        '"streamId":"subject-42","streamVersion":1,"type":"SubjectRegistered"}',
    );
    expect(EXAMPLE_EVENT.payloadDigest).toBe('afc9f8d927a7eb0bd44b8beb5b7b4cc18e4f010e0ec6f172da97f7bd560168ba');
    const expectedLeaf = createHash('sha256')
      .update(Buffer.concat([Buffer.of(0), Buffer.from(commitment, 'utf8')]))
      .digest();
    expect(leafHash(commitment)).toEqual(expectedLeaf);
    expect(leafHash(commitment).toString('hex')).toBe(EXAMPLE_LEAF_HASH);
  });

  it('changes with every committed field', () => {
    const base = leafHash(commitmentOf(EXAMPLE_EVENT)).toString('hex');
    const variants: Partial<RecordedEvent>[] = [
      { eventId: randomUUID() },
      { position: 18 },
      { streamId: 'subject-43' },
      { streamVersion: 2 },
      { type: 'SubjectRegistered2' },
      { schemaVersion: 2 },
      { recordedAt: new Date('2025-11-23T08:15:30.124Z') },
      { metadata: { ...EXAMPLE_EVENT.metadata, actor: 'staff-8' } },
      { payloadDigest: payloadDigest({ name: { ciphertext: 'other' } }).toString('hex') },
    ];
    for (const variant of variants) expect(leafHash(commitmentOf({ ...EXAMPLE_EVENT, ...variant })).toString('hex')).not.toBe(base);
  });

  it('refuses numbers JSON cannot hold, and anything but a string where the commitment holds one', () => {
    expect(() => commitmentOf({ ...EXAMPLE_EVENT, position: Number.NaN })).toThrow(TypeError);
    expect(() => commitmentOf({ ...EXAMPLE_EVENT, streamId: 42 as unknown as string })).toThrow(TypeError);
  });
});

// computed once with sha256sum, independently of this code
const EXAMPLE_LEAF_HASH = '38e5a1d3844d66f8950014735dd89d5169877a1f30911f7bc5f08c326ab96082';
