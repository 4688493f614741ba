import fc from 'fast-check';

/**
 * Property-based requests for every operation of the API's own OpenAPI document: bodies, path
 * parameters, queries and headers, valid-shaped and hostile (wrong types, huge strings, lone
 * surrogates, NUL, deep nesting, unknown fields, broken JSON).
 */

type Schema = {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  format?: string;
};

interface Parameter {
  in: 'path' | 'query' | 'header';
  name: string;
  required?: boolean;
  schema?: Schema;
}

interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string }>;
  security?: unknown[];
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, Schema> };
}

export interface Operation {
  method: string;
  /** The path template, e.g. /v1/subjects/{id}. */
  path: string;
  parameters: Parameter[];
  body?: Schema;
  /** The roles the 403 answer names; empty for public routes. */
  roles: string[];
}

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/** Every operation of the document, with the roles its 403 description names ("Requires one of the roles: a, b"). */
export function operationsOf(document: OpenApiDocument): Operation[] {
  return Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, operation]) => {
      const forbidden = operation.responses?.['403']?.description ?? '';
      const roles =
        /roles: ([a-z_, ]+)/
          .exec(forbidden)?.[1]
          .split(',')
          .map((role) => role.trim()) ?? [];
      return {
        method: method.toUpperCase(),
        path,
        parameters: operation.parameters ?? [],
        body: operation.requestBody?.content?.['application/json']?.schema,
        roles,
      };
    }),
  );
}

/** Values the ledger must refuse or store faithfully, never crash on. */
const HOSTILE_STRINGS = [
  '',
  ' ',
  '\ud800',
  'a\udc00b',
  '\udbff\ud800',
  '\u0000',
  'x\u0000y',
  '\u202e\u0000',
  '%00',
  '../../etc/passwd',
  "'; DROP TABLE ledger_events; --",
  '${jndi:ldap://x}',
  '{"a":1}',
  '💩'.repeat(50),
  'x'.repeat(5_000),
  'é'.repeat(70_000),
  '\ufeff',
  '\uffff',
  '-1',
  '1e999',
  'NaN',
  'null',
  'true',
  '01900000-0000-7000-8000-00000000abcd',
  '2026-02-30',
  '9999-12-31',
];

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 20 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 4 }).map((s) => s.repeat(3_000)) },
);

const wrongType: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 123, 1.5, 1e308, -1e308, [], {}, [1, 'a'], { a: 1 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A marker replaced by deeply nested JSON text after serialisation (JSON.stringify would recurse over it). */
const DEEP = '\u0001deep\u0001';
const deepMarker: fc.Arbitrary<string> = fc.integer({ min: 30, max: 3_000 }).map((depth) => `${DEEP}${depth}`);

function deepJson(depth: number, arrays: boolean): string {
  return arrays ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

function serialise(value: unknown): string {
  return JSON.stringify(value).replace(new RegExp(`"${DEEP}(\\d+)"`, 'g'), (_match, depth: string) => deepJson(Number(depth), Number(depth) % 2 === 0));
}

const hostileValue: fc.Arbitrary<unknown> = fc.oneof({ weight: 4, arbitrary: hostileString }, { weight: 3, arbitrary: wrongType }, { weight: 1, arbitrary: deepMarker });

function resolve(schema: Schema | undefined, document: OpenApiDocument): Schema | undefined {
  if (!schema?.$ref) return schema;
  return document.components?.schemas?.[schema.$ref.replace('#/components/schemas/', '')];
}

/** A value shaped by the schema, each part sometimes replaced by something hostile. */
function valueFor(schema: Schema | undefined, document: OpenApiDocument, depth = 0): fc.Arbitrary<unknown> {
  const resolved = resolve(schema, document);
  if (!resolved || depth > 6) return fc.oneof(hostileValue, fc.jsonValue({ maxDepth: 2 }));
  let shaped: fc.Arbitrary<unknown>;
  if (resolved.enum) shaped = fc.constantFrom(...resolved.enum);
  else if (resolved.type === 'string') shaped = resolved.example === undefined ? fc.string({ maxLength: 30 }) : fc.constant(resolved.example);
  else if (resolved.type === 'number' || resolved.type === 'integer') shaped = fc.oneof(fc.integer({ min: -10, max: 1_000 }), fc.double({ noNaN: true }));
  else if (resolved.type === 'boolean') shaped = fc.boolean();
  else if (resolved.type === 'array') shaped = fc.array(valueFor(resolved.items, document, depth + 1), { maxLength: 3 });
  else if (resolved.properties) {
    const required = new Set(resolved.required ?? []);
    const fields = Object.fromEntries(Object.entries(resolved.properties).map(([key, property]) => [key, valueFor(property, document, depth + 1)]));
    shaped = fc
      .tuple(
        fc.record(fields, { requiredKeys: Object.keys(fields).filter((key) => required.has(key)) }),
        fc.option(fc.tuple(fc.string({ unit: 'binary', maxLength: 12 }), hostileValue), { freq: 5 }),
      )
      .map(([record, unknown]) => (unknown ? { ...record, [unknown[0]]: unknown[1] } : record));
  } else shaped = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 });
  return fc.oneof({ weight: 5, arbitrary: shaped }, { weight: 2, arbitrary: hostileValue });
}

/** Every path to a value inside a JSON value (arrays by index), the root included. */
function slotsOf(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [at];
  return [at, ...Object.entries(value).flatMap(([key, item]) => slotsOf(item, [...at, Array.isArray(value) ? Number(key) : key]))];
}

function replaced(value: unknown, at: Array<string | number>, replacement: unknown): unknown {
  if (at.length === 0) return replacement;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string | number, unknown>;
  copy[at[0]] = replaced(copy[at[0]], at.slice(1), replacement);
  return copy;
}

/** A known-good body with one value (at any depth) made hostile (a string mostly by a hostile string), or one unknown field added to one of its objects. */
function mutatedSeed(seed: unknown): fc.Arbitrary<unknown> {
  const slots = slotsOf(seed);
  const at = (path: Array<string | number>) => path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], seed);
  return fc
    .tuple(
      fc.constantFrom(...slots),
      fc.oneof({ weight: 3, arbitrary: hostileString }, { weight: 1, arbitrary: hostileValue }),
      hostileValue,
      fc.boolean(),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }),
    )
    .map(([path, forString, value, addField, name]) => {
      const current = at(path);
      if (typeof current === 'string') return replaced(seed, path, forString);
      if (addField && current !== null && typeof current === 'object' && !Array.isArray(current)) return replaced(seed, path, { ...current, [name]: value });
      return replaced(seed, path, value);
    });
}

/** A body: shaped by the schema, a mutated seed, arbitrary JSON, or not JSON at all. */
function bodyFor(operation: Operation, document: OpenApiDocument, seeds: Record<string, unknown>): fc.Arbitrary<{ text: string; contentType?: string }> {
  const seed = operation.body?.$ref ? seeds[operation.body.$ref.replace('#/components/schemas/', '')] : undefined;
  const json = fc.oneof(
    { weight: 4, arbitrary: valueFor(operation.body, document) },
    { weight: seed === undefined ? 0 : 6, arbitrary: seed === undefined ? fc.constant({}) : mutatedSeed(seed) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
    { weight: 1, arbitrary: deepMarker },
  );
  return fc.oneof(
    { weight: 12, arbitrary: json.map((value) => ({ text: serialise(value), contentType: 'application/json' })) },
    {
      weight: 1,
      arbitrary: fc
        .constantFrom('{', '{"a":', '[1,]', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{"x":1}}}', '')
        .map((text) => ({ text, contentType: 'application/json' })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(hostileString, fc.constantFrom('text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', undefined))
        .map(([text, contentType]) => ({
          text,
          contentType,
        })),
    },
  );
}

/**
 * Percent-encodes every UTF-16 unit, a lone surrogate as the three bytes WTF-8 gives it, so the
 * server sees what a hostile client can send (encodeURIComponent would throw on it).
 */
export function percentEncode(text: string): string {
  let out = '';
  for (let index = 0; index < text.length; index++) {
    const char = text[index];
    if (/[A-Za-z0-9\-_.~]/.test(char)) {
      out += char;
      continue;
    }
    let point = text.charCodeAt(index);
    const next = text.charCodeAt(index + 1);
    if (point >= 0xd800 && point <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      point = 0x10000 + ((point - 0xd800) << 10) + (next - 0xdc00);
      index++;
    }
    const bytes =
      point < 0x80
        ? [point]
        : point < 0x800
          ? [0xc0 | (point >> 6), 0x80 | (point & 63)]
          : point < 0x10000
            ? [0xe0 | (point >> 12), 0x80 | ((point >> 6) & 63), 0x80 | (point & 63)]
            : [0xf0 | (point >> 18), 0x80 | ((point >> 12) & 63), 0x80 | ((point >> 6) & 63), 0x80 | (point & 63)];
    out += bytes.map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join('');
  }
  return out;
}

/** Header values a client can send at all (fetch refuses NUL, CR, LF, DEL and anything above U+00FF). */
const headerValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'x', 'é', '\u00ff', '-1', '1e3', '18446744073709551616', 'W/"1"', '"1"', '*', 'health-management', 'marketing', 'a'.repeat(2_000)),
  fc.string({ unit: fc.integer({ min: 0x20, max: 0xfe }).map((code) => String.fromCharCode(code === 0x7f ? 0xff : code)), maxLength: 40 }),
);

export interface FuzzContext {
  /** Path parameter values that exist (a subject, a rights request…), by name or by `METHOD /path/{template} name`. */
  knownIds: Record<string, string[]>;
  purposes: string[];
  /** A position the log has reached: X-Ledger-Min-Position never waits for one it has not. */
  reachedPosition: number;
}

/** Strings for the URL: mostly short enough that the request line is read at all. */
const urlString: fc.Arbitrary<string> = fc.oneof({ weight: 12, arbitrary: hostileString.filter((text) => text.length <= 2_000) }, { weight: 1, arbitrary: hostileString });

function knownOr(operation: Operation, name: string, context: FuzzContext, fallback: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const known = context.knownIds[`${operation.method} ${operation.path} ${name}`] ?? context.knownIds[name] ?? [];
  return known.length > 0 ? fc.constantFrom(...known) : fallback;
}

const asText = (value: unknown) => (typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value)));

type Target = 'none' | 'body' | 'path' | 'query' | 'header';

/**
 * One request to `operation`, with `authorization` when given: a plausible request (known ids, a
 * valid purpose, a good body) with, most of the time, one part made hostile, so that refusals at
 * one layer do not hide the layers behind it.
 */
export function requestFor(
  operation: Operation,
  document: OpenApiDocument,
  context: FuzzContext,
  seeds: Record<string, unknown>,
  authorization?: string,
): fc.Arbitrary<FuzzRequest> {
  const pathNames = operation.path.match(/\{([^}]+)\}/g)?.map((name) => name.slice(1, -1)) ?? [];
  const queryNames = operation.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  const hasBody = !['GET', 'HEAD'].includes(operation.method);
  const seed = operation.body?.$ref ? seeds[operation.body.$ref.replace('#/components/schemas/', '')] : undefined;
  const targets: Array<{ weight: number; arbitrary: fc.Arbitrary<Target> }> = [
    { weight: 1, arbitrary: fc.constant('none') },
    { weight: hasBody ? (operation.body ? 6 : 1) : 0, arbitrary: fc.constant('body') },
    { weight: pathNames.length > 0 ? 2 : 0, arbitrary: fc.constant('path') },
    { weight: 2, arbitrary: fc.constant('query') },
    { weight: 1, arbitrary: fc.constant('header') },
  ];
  return fc.oneof(...targets.filter((target) => target.weight > 0)).chain((target) => {
    const pathArb = fc.tuple(
      ...pathNames.map((name) =>
        target === 'path' ? fc.oneof(knownOr(operation, name, context, urlString), urlString) : knownOr(operation, name, context, fc.string({ minLength: 1, maxLength: 10 })),
      ),
    );
    const queryArb =
      target === 'query'
        ? fc.tuple(
            queryNames.length > 0 ? fc.oneof(fc.constantFrom(...queryNames), fc.string({ unit: 'binary', maxLength: 10 })) : fc.string({ unit: 'binary', maxLength: 10 }),
            fc.oneof(urlString, wrongType.map(asText)),
          )
        : fc.constant(undefined);
    const headerArb =
      target === 'header'
        ? fc.tuple(fc.constantFrom('x-processing-purpose', 'x-ledger-min-position', 'if-match', 'idempotency-key', 'authorization', 'x-request-id', 'accept'), headerValue)
        : fc.constant(undefined);
    const bodyArb: fc.Arbitrary<{ text: string; contentType?: string } | undefined> = !hasBody
      ? fc.constant(undefined)
      : target === 'body'
        ? bodyFor(operation, document, seeds)
        : seed !== undefined
          ? fc.constant({ text: serialise(seed), contentType: 'application/json' })
          : operation.body
            ? valueFor(operation.body, document).map((value) => ({ text: serialise(value), contentType: 'application/json' }))
            : fc.constant(undefined);
    return fc.tuple(pathArb, queryArb, headerArb, bodyArb).map(([pathValues, query, header, body]) => {
      let index = 0;
      const path = operation.path.replace(/\{[^}]+\}/g, () => percentEncode(pathValues[index++] ?? ''));
      const headers: Record<string, string> = { 'x-processing-purpose': context.purposes[0] };
      if (!hasBody) headers['x-ledger-min-position'] = String(context.reachedPosition);
      if (authorization) headers.authorization = authorization;
      if (header) headers[header[0]] = header[1];
      if (body?.contentType) headers['content-type'] = body.contentType;
      const search = query ? `?${percentEncode(query[0])}=${percentEncode(query[1])}` : '';
      return { method: operation.method, url: `${path}${search}`, headers, ...(body ? { body: body.text } : {}) };
    });
  });
}

/** A request as a failure report shows it: long values cut, invisible characters escaped. */
export function describeRequest(request: FuzzRequest, role?: string): string {
  const cut = (text: string) => (text.length > 600 ? `${text.slice(0, 600)}… (${text.length} chars)` : text);
  const headers = { ...request.headers, ...(request.headers.authorization ? { authorization: `Bearer <${role ?? 'token'}>` } : {}) };
  return `${request.method} ${cut(request.url)} headers=${JSON.stringify(headers)}${request.body === undefined ? '' : ` body=${JSON.stringify(cut(request.body))}`}`;
}
