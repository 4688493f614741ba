import { canonicalJson } from '@pi-ledger/event-store/payload-digest';
import type { EventMetadata, RecordedEvent } from '@pi-ledger/event-store/event-store.port';
import { leafHashOf } from './merkle';

/**
 * What the audit tree commits to for one event: everything but its data, which may hold PI and
 * is committed to only through its digest. Fields of the event exactly as stored (never upcast).
 */
export interface EventCommitment {
  eventId: string;
  position: number;
  streamId: string;
  streamVersion: number;
  type: string;
  schemaVersion: number;
  /** ISO 8601 in UTC with milliseconds (Date#toISOString). */
  recordedAt: string;
  metadata: EventMetadata;
  /** Hex SHA-256 of the RFC 8785 canonical JSON of the event's data. */
  payloadDigest: string;
}

export function commitmentFieldsOf(event: RecordedEvent): EventCommitment {
  return {
    eventId: event.eventId,
    position: event.position,
    streamId: event.streamId,
    streamVersion: event.streamVersion,
    type: event.type,
    schemaVersion: event.schemaVersion,
    recordedAt: event.recordedAt.toISOString(),
    metadata: event.metadata,
    payloadDigest: event.payloadDigest,
  };
}

/**
 * The RFC 8785 canonical JSON text of `commitmentFieldsOf(event)`: byte for byte what
 * `canonicalJson(commitmentFieldsOf(event))` gives (commitment.spec.ts holds it to that), written
 * out because the keys are fixed and this runs once per event on the projection's hot path.
 * RFC 8785 sorts keys by UTF-16 code units and serialises strings and numbers as JSON.stringify
 * does; only `metadata` has keys that vary.
 */
export function commitmentOf(event: RecordedEvent): string {
  // each line starts with constant text and ends with a value, so the pieces joined are just those
  return (
    `{"eventId":"${stringText(event.eventId)}` +
    `","metadata":${metadataJson(event.metadata)}` +
    `,"payloadDigest":"${stringText(event.payloadDigest)}` +
    `","position":${number(event.position)}` +
    `,"recordedAt":"${isoTime(event.recordedAt)}` +
    `","schemaVersion":${number(event.schemaVersion)}` +
    `,"streamId":"${stringText(event.streamId)}` +
    `","streamVersion":${number(event.streamVersion)}` +
    `,"type":"${stringText(event.type)}"}`
  );
}

/** SHA-256(0x00 ‖ UTF-8 bytes of the commitment): the event's leaf in the audit tree. */
export function leafHash(commitment: string): Buffer {
  return leafHashOf(commitment);
}

function number(value: number): string {
  if (!Number.isFinite(value)) throw new TypeError(`${value} cannot be canonicalised as JSON`);
  return String(value);
}

/**
 * The characters JSON.stringify escapes in a string: `"`, `\`, controls and lone surrogates (it
 * leaves a pair alone, but a pair is rare enough to take the slow way).
 */
const ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * A string's JSON text between its quotes (the quotes go with the constant text around it: fewer
 * pieces to join). JSON.stringify is called only when something needs escaping: the call costs a
 * few times the test.
 */
function stringText(value: string): string {
  if (typeof value !== 'string') throw new TypeError(`the commitment holds a string here, got ${typeof value}`);
  return ESCAPED.test(value) ? JSON.stringify(value).slice(1, -1) : value;
}

/**
 * The metadata's canonical JSON. Metadata of EventMetadata's shape (string members and a `roles`
 * array of strings) is written out here; anything else, such as other keys or values of other
 * types, goes through `canonicalJson`.
 */
function metadataJson(metadata: EventMetadata): string {
  return usualMetadataJson(metadata) ?? canonicalJson(metadata);
}

/** EventMetadata's string members in RFC 8785 order, each with its member's opening up to the value's quote; `roles` sorts after all of them. */
const STRING_MEMBERS = ['actor', 'causationId', 'correlationId', 'idempotencyKey', 'legalBasis', 'purposeId'] as const;
const MEMBER_OPENINGS = STRING_MEMBERS.map((key) => `"${key}":"`);
const MEMBER_SLOTS = new Map<string, number>(STRING_MEMBERS.map((key, slot) => [key, slot]));

/**
 * Reads only own enumerable keys, as `canonicalJson` does, and leaves anything with a `toJSON` to
 * it; undefined when the metadata is not of the usual shape.
 */
function usualMetadataJson(metadata: EventMetadata): string | undefined {
  if (typeof metadata !== 'object' || metadata === null || 'toJSON' in metadata) return undefined;
  const members = metadata as unknown as Record<string, unknown>;
  const values: (string | undefined)[] = [undefined, undefined, undefined, undefined, undefined, undefined];
  let roles: unknown;
  for (const key of Object.keys(members)) {
    const value = members[key];
    if (key === 'roles') {
      roles = value;
      continue;
    }
    const slot = MEMBER_SLOTS.get(key);
    if (slot === undefined || typeof value !== 'string') return undefined;
    values[slot] = value;
  }
  if (!Array.isArray(roles) || 'toJSON' in roles) return undefined;
  let json = '{';
  for (let slot = 0; slot < values.length; slot++) {
    const value = values[slot];
    if (value !== undefined) json += `${MEMBER_OPENINGS[slot]}${stringText(value)}",`;
  }
  json += '"roles":[';
  for (let index = 0; index < roles.length; index++) {
    const role: unknown = roles[index]; // a hole reads as undefined: not a string
    if (typeof role !== 'string') return undefined;
    json += index === 0 ? `"${stringText(role)}"` : `,"${stringText(role)}"`;
  }
  return `${json}]}`;
}

/**
 * Date#toISOString, which alone costs half as much as the rest of the commitment. Events that
 * follow one another in the log mostly share their second, so the text up to the seconds is kept
 * for the last second seen and only the milliseconds are written.
 */
let lastSecond = Number.NaN;
let lastSecondText = '';

function isoTime(date: Date): string {
  const time = date.getTime();
  const second = Math.floor(time / 1000);
  if (second !== lastSecond) {
    const text = date.toISOString(); // throws for an invalid date, whose second (NaN) never matches
    lastSecond = second;
    lastSecondText = text.slice(0, -4); // up to the dot before the milliseconds, whatever the year's width
    return text;
  }
  const millis = time - second * 1000;
  return `${lastSecondText}${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
}
