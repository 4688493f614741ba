/**
 * A search form's conditions as the API takes them (POST /v1/subjects/search, an export's filter):
 * each text trimmed, the empty ones left out; only `fields` when given.
 */
export function searchConditions(values: object, fields?: readonly string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([key]) => !fields || fields.includes(key))
      .map(([key, value]) => [key, typeof value === 'string' ? value.trim() : ''])
      .filter(([, value]) => value !== ''),
  );
}
