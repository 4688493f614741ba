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

const str = JSON.stringify;

/**
 * The RFC 8785 canonical JSON text of `commitmentFieldsOf(event)`: byte for byte what
 * `canonicalJson(commitmentFieldsOf(event))` gives (commitment.spec.ts holds it to that), written
 * out because the keys are fixed and this runs once per event on the projection's hot path.
 * RFC 8785 sorts keys by UTF-16 code units and serialises strings and numbers as JSON.stringify
 * does; only `metadata` has keys that vary.
 */
export function commitmentOf(event: RecordedEvent): string {
  return (
    `{"eventId":${str(event.eventId)}` +
    `,"metadata":${canonicalJson(event.metadata)}` +
    `,"payloadDigest":${str(event.payloadDigest)}` +
    `,"position":${number(event.position)}` +
    `,"recordedAt":${str(event.recordedAt.toISOString())}` +
    `,"schemaVersion":${number(event.schemaVersion)}` +
    `,"streamId":${str(event.streamId)}` +
    `,"streamVersion":${number(event.streamVersion)}` +
    `,"type":${str(event.type)}}`
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
