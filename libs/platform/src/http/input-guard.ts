import type { FieldProblem } from './problem';

/** Bodies nested deeper than this are refused: no DTO of the ledger comes near it, and class-transformer recurses. */
export const MAX_INPUT_DEPTH = 32;

// a high surrogate not followed by a low one, or a low one not preceded by a high one
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why a string cannot enter the ledger (PostgreSQL's json/jsonb and text refuse both), or undefined. */
export function unstorableText(value: string): string | undefined {
  if (value.includes('\u0000')) return 'contains a NUL character';
  if (LONE_SURROGATE.test(value)) return 'is not valid Unicode (a lone UTF-16 surrogate)';
  return undefined;
}

const child = (path: string, key: string, inArray: boolean) => (inArray ? `${path}[${key}]` : path ? `${path}.${key}` : key);

/**
 * The first problem of a parsed input (a JSON body, the query, the path parameters): a string or a
 * field name that no projection could store, or nesting deeper than `maxDepth`. Iterative, so a body
 * nested 100,000 levels costs a loop, not the stack. Problems name the field by path, as the
 * validation pipe does (`data.contact.email`, `consents[0].purposeId`), and never carry the value.
 */
export function inputProblem(input: unknown, root = '', maxDepth = MAX_INPUT_DEPTH): FieldProblem | undefined {
  const pending: Array<{ value: unknown; path: string; depth: number }> = [{ value: input, path: root, depth: 0 }];
  while (pending.length > 0) {
    const { value, path, depth } = pending.pop()!;
    if (typeof value === 'string') {
      const message = unstorableText(value);
      if (message) return { path: path || 'body', message };
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (depth >= maxDepth) return { path: path || 'body', message: `is nested deeper than ${maxDepth} levels` };
    const inArray = Array.isArray(value);
    const entries = Object.entries(value as Record<string, unknown>);
    // reversed onto the stack, so the first field in the input is the first reported
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, item] = entries[index];
      const keyProblem = unstorableText(key);
      // the field name itself may be what is wrong: name the object that holds it, not the name
      if (keyProblem) return { path: path || 'body', message: `has a field name that ${keyProblem}` };
      pending.push({ value: item, path: child(path, key, inArray), depth: depth + 1 });
    }
  }
  return undefined;
}
