import { randomUUID } from 'node:crypto';
import { version as uuidVersion } from 'uuid';
import { EventStore, ExpectedVersion, GlobalCheckpoint, GlobalLog, NewEvent, RecordedEvent } from './event-store.port';
import { EventIdConflict, WrongExpectedVersion } from './event-store.errors';
import { canonicalJson, sha256 } from './payload-digest';

/**
 * The behaviour every adapter of the two ports (EventStore, GlobalLog) must show; it uses nothing else. An adapter's spec calls this with a factory
 * giving a store on an empty or shared database; tests use fresh stream ids and measure the global
 * log from the head they find, so they do not depend on each other.
 */
export function eventStoreContract(adapter: string, open: () => Promise<{ store: EventStore & GlobalLog; close(): Promise<void> }>) {
  describe(`EventStore contract: ${adapter}`, () => {
    let store: EventStore & GlobalLog;
    let close: () => Promise<void>;

    beforeAll(async () => ({ store, close } = await open()));
    afterAll(async () => close());

    describe('expected version', () => {
      const cases: Array<[ExpectedVersion, 'absent' | 'present', 'ok' | number]> = [
        ['any', 'absent', 'ok'],
        ['any', 'present', 'ok'],
        ['no_stream', 'absent', 'ok'],
        ['no_stream', 'present', 2],
        ['stream_exists', 'absent', 0],
        ['stream_exists', 'present', 'ok'],
        [0, 'absent', 'ok'],
        [0, 'present', 2],
        [2, 'absent', 0],
        [2, 'present', 'ok'],
        [1, 'present', 2],
        [7, 'absent', 0],
      ];
      it.each(cases)('expected %p on a %s stream → %p', async (expected, state, outcome) => {
        const streamId = stream();
        if (state === 'present') await store.appendToStream(streamId, [event('A'), event('B')]);
        const before = await store.streamVersion(streamId);
        const attempt = store.appendToStream(streamId, [event('C')], { expectedVersion: expected });
        if (outcome === 'ok') {
          const result = await attempt;
          expect(result.nextExpectedVersion).toBe(before + 1);
          expect((await store.readStream(streamId)).map((e) => e.type).at(-1)).toBe('C');
        } else {
          const error = await attempt.catch((e: unknown) => e);
          expect(error).toBeInstanceOf(WrongExpectedVersion);
          expect(error).toMatchObject({ streamId, expected, actual: outcome });
          expect(await store.streamVersion(streamId)).toBe(before);
        }
      });

      it('numbers stream versions from 1 and returns the last position written', async () => {
        const streamId = stream();
        const first = await store.appendToStream(streamId, [event('A'), event('B')], { expectedVersion: 'no_stream' });
        const second = await store.appendToStream(streamId, [event('C')], { expectedVersion: first.nextExpectedVersion });
        const events = await store.readStream(streamId);
        expect(events.map((e) => e.streamVersion)).toEqual([1, 2, 3]);
        expect(first).toEqual({ nextExpectedVersion: 2, position: events[1].position });
        expect(second).toEqual({ nextExpectedVersion: 3, position: events[2].position });
      });

      it('lets exactly one of 20 concurrent appends with the same expected version win', async () => {
        const streamId = stream();
        await store.appendToStream(streamId, [event('Start')]);
        const outcomes = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => store.appendToStream(streamId, [event(`Try${i}`)], { expectedVersion: 1 })));
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(19);
        for (const loss of lost) {
          expect(loss.reason).toBeInstanceOf(WrongExpectedVersion);
          expect(loss.reason).toMatchObject({ expected: 1, actual: 2 });
        }
        expect(await store.streamVersion(streamId)).toBe(2);
      });

      it('serialises concurrent appends with expectedVersion any without losing one', async () => {
        const streamId = stream();
        await Promise.all(Array.from({ length: 20 }, (_, i) => store.appendToStream(streamId, [event(`E${i}`)])));
        const versions = (await store.readStream(streamId)).map((e) => e.streamVersion);
        expect(versions).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      });
    });

    describe('envelope', () => {
      it('records id (UUIDv7), type, schema version, data, metadata, time, stream, version, position, digest', async () => {
        const streamId = stream();
        const data = { name: { zh: '张三' }, count: 3, flags: [true, null], nested: { b: 1, a: 2 } };
        const metadata = {
          actor: 'staff-7',
          roles: ['staff'],
          purposeId: 'health-management',
          legalBasis: 'contract' as const,
          correlationId: randomUUID(),
          causationId: randomUUID(),
          idempotencyKey: 'key-1',
        };
        const before = Date.now();
        const { position } = await store.appendToStream(streamId, [{ type: 'Enveloped', schemaVersion: 2, data, metadata }]);
        const [recorded] = await store.readStream(streamId);
        expect(uuidVersion(recorded.eventId)).toBe(7);
        expect(recorded).toMatchObject({ type: 'Enveloped', schemaVersion: 2, data, metadata, streamId, streamVersion: 1, position });
        expect(recorded.recordedAt.getTime()).toBeGreaterThanOrEqual(before - 5_000);
        expect(recorded.payloadDigest).toBe(sha256(canonicalJson(data)).toString('hex'));
        expect(recorded.checkpoint.position).toBe(position);
      });
    });

    describe('idempotency', () => {
      it('returns the original result for a re-append of the same event ids and writes nothing', async () => {
        const streamId = stream();
        const events = [withId(event('A')), withId(event('B'))];
        const first = await store.appendToStream(streamId, events, { expectedVersion: 'no_stream' });
        const again = await store.appendToStream(streamId, events, { expectedVersion: 'no_stream' });
        expect(again).toEqual(first);
        expect(await store.streamVersion(streamId)).toBe(2);
      });

      it('refuses a known event id with different content, and a partly known batch', async () => {
        const streamId = stream();
        const original = withId(event('A'));
        await store.appendToStream(streamId, [original]);
        await expect(store.appendToStream(streamId, [{ ...original, data: { other: true } }])).rejects.toBeInstanceOf(EventIdConflict);
        await expect(store.appendToStream(stream(), [original])).rejects.toBeInstanceOf(EventIdConflict);
        await expect(store.appendToStream(streamId, [original, withId(event('B'))])).rejects.toBeInstanceOf(EventIdConflict);
        expect(await store.streamVersion(streamId)).toBe(1);
      });

      it('settles concurrent identical appends into one write', async () => {
        const streamId = stream();
        const events = [withId(event('A'))];
        const results = await Promise.all(Array.from({ length: 5 }, () => store.appendToStream(streamId, events)));
        expect(new Set(results.map((r) => r.position)).size).toBe(1);
        expect(await store.streamVersion(streamId)).toBe(1);
      });

      it('never changes a stream when appending zero events, but still checks the expected version', async () => {
        const streamId = stream();
        expect(await store.appendToStream(streamId, [], { expectedVersion: 'no_stream' })).toEqual({ nextExpectedVersion: 0, position: 0 });
        const { position } = await store.appendToStream(streamId, [event('A')]);
        const head = (await store.checkpointOf(position))!;
        expect(await store.appendToStream(streamId, [], { expectedVersion: 1 })).toEqual({ nextExpectedVersion: 1, position });
        await expect(store.appendToStream(streamId, [], { expectedVersion: 'no_stream' })).rejects.toBeInstanceOf(WrongExpectedVersion);
        expect(await store.streamVersion(streamId)).toBe(1);
        expect(await store.readAll({ from: head })).toEqual([]);
      });
    });

    describe('reading a stream', () => {
      it('pages a 10,000-event stream forwards and backwards', async () => {
        const streamId = stream();
        for (let start = 0; start < 10_000; start += 1_000) {
          await store.appendToStream(
            streamId,
            Array.from({ length: 1_000 }, (_, i) => event('N', { n: start + i + 1 })),
          );
        }
        const forwards: number[] = [];
        for (let from = 1; ;) {
          const page = await store.readStream(streamId, { fromVersion: from, maxCount: 999 });
          if (page.length === 0) break;
          forwards.push(...page.map((e) => e.streamVersion));
          from = page.at(-1)!.streamVersion + 1;
        }
        expect(forwards).toEqual(Array.from({ length: 10_000 }, (_, i) => i + 1));

        const backwards: number[] = [];
        for (let from: number | undefined = undefined; ;) {
          const page: RecordedEvent[] = await store.readStream(streamId, { direction: 'backwards', fromVersion: from, maxCount: 999 });
          if (page.length === 0) break;
          backwards.push(...page.map((e) => e.streamVersion));
          from = page.at(-1)!.streamVersion - 1;
          if (from < 1) break;
        }
        expect(backwards).toEqual(Array.from({ length: 10_000 }, (_, i) => 10_000 - i));
        const tail = await store.readStream(streamId, { direction: 'backwards', maxCount: 2 });
        expect(tail.map((e) => e.data.n)).toEqual([10_000, 9_999]);
      });

      it('reads nothing from a stream that does not exist', async () => {
        expect(await store.readStream(stream())).toEqual([]);
        expect(await store.streamVersion(stream())).toBe(0);
      });
    });

    describe('the global log', () => {
      it('shows a subscriber every event of 8 concurrent writers exactly once, in the order of readAll', async () => {
        const from = await mark(store);
        const seen: RecordedEvent[] = [];
        const subscription = store.subscribeToAll(from, { batchSize: 100 });
        const consuming = (async () => {
          for await (const recorded of subscription) {
            seen.push(recorded);
            if (seen.length === 4_000) break;
          }
        })();
        const streams = Array.from({ length: 40 }, () => stream());
        await Promise.all(
          Array.from({ length: 8 }, async (_, writer) => {
            for (let i = 0; i < 500; i++) {
              const streamId = streams[Math.floor(Math.random() * streams.length)];
              await store.appendToStream(streamId, [event('Concurrent', { writer, i })]);
            }
          }),
        );
        await consuming;
        // the subscriber has seen 4,000, so they are settled; readAll must now agree with it
        const all = await readEverything(store, from);
        expect(all).toHaveLength(4_000);
        expect(seen.map((e) => e.eventId)).toEqual(all.map((e) => e.eventId));
        expect(new Set(seen.map((e) => e.eventId)).size).toBe(4_000);
      });

      it('loses and duplicates nothing when a subscriber stops and restarts from its checkpoint', async () => {
        const from = await mark(store);
        const streamId = stream();
        const writing = (async () => {
          for (let i = 0; i < 60; i++) await store.appendToStream(streamId, [event('Tick', { i })]);
        })();
        const seen: number[] = [];
        let checkpoint = from;
        for (let round = 0; seen.length < 60; round++) {
          const subscription = store.subscribeToAll(checkpoint, { batchSize: 7 });
          let taken = 0;
          for await (const recorded of subscription) {
            seen.push(recorded.data.i as number);
            checkpoint = recorded.checkpoint;
            if (++taken === 13 || seen.length === 60) break;
          }
          await subscription.stop();
          expect(round).toBeLessThan(100);
        }
        await writing;
        expect(seen).toEqual(Array.from({ length: 60 }, (_, i) => i));
      });

      it('wakes a caught-up subscriber when a new event arrives', async () => {
        const subscription = store.subscribeToAll(await mark(store));
        const next = subscription[Symbol.asyncIterator]().next();
        await new Promise((resolve) => setTimeout(resolve, 50));
        const streamId = stream();
        await store.appendToStream(streamId, [event('Wake')]);
        const { value } = await next;
        expect(value).toMatchObject({ streamId, type: 'Wake' });
        await subscription.stop();
      });

      it('reports the checkpoint of a position and the head', async () => {
        const { position } = await store.appendToStream(stream(), [event('Head')]);
        const checkpoint = await store.checkpointOf(position);
        expect(checkpoint?.position).toBe(position);
        // the head is the last event committed, even while older transactions hold it back from readers
        expect(await store.headCheckpoint()).toEqual(checkpoint);
        expect(await store.checkpointOf(-1)).toBeUndefined();
      });
    });
  });
}

/** The checkpoint of a fresh marker event: anything appended afterwards sorts after it. */
async function mark(store: EventStore & GlobalLog): Promise<GlobalCheckpoint> {
  const { position } = await store.appendToStream(stream(), [event('Mark')]);
  return (await store.checkpointOf(position))!;
}

function stream(): string {
  return `contract-${randomUUID()}`;
}

function event(type: string, data: Record<string, number | string> = {}): NewEvent {
  return { type, data: { ...data }, metadata: { actor: 'contract-spec', roles: ['ops'], correlationId: randomUUID() } };
}

function withId(newEvent: NewEvent): NewEvent {
  return { ...newEvent, eventId: randomUUID() };
}

async function readEverything(store: GlobalLog, from: GlobalCheckpoint): Promise<RecordedEvent[]> {
  const all: RecordedEvent[] = [];
  for (let page = await store.readAll({ from, maxCount: 777 }); page.length > 0; page = await store.readAll({ from: page.at(-1)!.checkpoint, maxCount: 777 })) {
    all.push(...page);
  }
  return all;
}
