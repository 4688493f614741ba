import { JsonObject, RecordedEvent } from './event-store.port';

/** Turns the data of `type` at `fromSchemaVersion` into the shape of `fromSchemaVersion + 1`. */
export type Upcaster = (data: JsonObject, event: RecordedEvent) => JsonObject;

/**
 * Upcasters per (type, schemaVersion), applied on read in a chain until no further one exists.
 * Stored events never change; readers see the current shape.
 */
export class Upcasters {
  private readonly byKey = new Map<string, Upcaster>();

  register(type: string, fromSchemaVersion: number, upcast: Upcaster): this {
    const key = `${type}@${fromSchemaVersion}`;
    if (this.byKey.has(key)) throw new Error(`an upcaster for ${key} is already registered`);
    this.byKey.set(key, upcast);
    return this;
  }

  get isEmpty(): boolean {
    return this.byKey.size === 0;
  }

  apply(event: RecordedEvent): RecordedEvent {
    let current = event;
    for (let upcast = this.find(current); upcast; upcast = this.find(current)) {
      current = { ...current, data: upcast(current.data, current), schemaVersion: current.schemaVersion + 1 };
    }
    return current;
  }

  private find(event: RecordedEvent): Upcaster | undefined {
    return this.byKey.get(`${event.type}@${event.schemaVersion}`);
  }
}
