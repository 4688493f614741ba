/**
 * Keys whose values are personal information or secrets. Logs never carry them: whatever object
 * reaches the logger is walked and these values are replaced, however deep they sit.
 */
export const REDACTED_KEYS = new Set(
  [
    // identity and documents
    'name',
    'fullName',
    'gender',
    'birthDate',
    'ethnicity',
    'number',
    'idNumber',
    'documentNumber',
    // contact
    'phone',
    'mobile',
    'email',
    'address',
    'line',
    'district',
    'city',
    'province',
    // employment, demographics
    'employer',
    'title',
    'maritalStatus',
    'education',
    // health
    'conditions',
    'allergies',
    'surgeries',
    'medications',
    'lifestyle',
    'goals',
    'exams',
    'diet',
    'exercise',
    'sleep',
    'smoking',
    'alcohol',
    // consumption, service, preferences
    'purchases',
    'services',
    'surveys',
    'complaints',
    'marketingChannels',
    'interests',
    // relations and free text
    'guardian',
    'relation',
    'contact',
    'recipient',
    'value',
    'values',
    'content',
    'data',
    'set',
    'body',
    'query',
    // secrets
    'authorization',
    'cookie',
    'password',
    'secret',
    'token',
    'masterKey',
    'jwtSecret',
    'privateKey',
  ].map((key) => key.toLowerCase()),
);

export const REDACTED = '[redacted]';

/** Any key that names a credential, however it is spelt (refreshToken, newPassword, totpSecret, passwordHash, challenge…). */
const SECRET_KEY = /password|passwd|token|secret|challenge|credential|otp|api[-_]?key|private[-_]?key/i;

export function redactPi(value: unknown, depth = 0): unknown {
  if (depth > 12 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: redactMessage(value.message), stack: value.stack };
  if (Array.isArray(value)) return value.map((item) => redactPi(item, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[key] = REDACTED_KEYS.has(key.toLowerCase()) || SECRET_KEY.test(key) ? REDACTED : redactPi(item, depth + 1);
  }
  return out;
}

/** Error messages from drivers can quote values (e.g. a key in a unique violation); keep only the gist. */
export function redactMessage(message: string): string {
  return message.replace(/\(([^)]*)\)=\([^)]*\)/g, '($1)=(…)').replace(/"[^"]{40,}"/g, '"…"');
}

/** A URL for logs: the path, and the names but not the values of query parameters. */
export function redactUrl(url: string): string {
  const [path, query] = url.split('?', 2);
  if (!query) return path;
  // only names that look like parameter names: a mistyped `?13800138000` must not put the number in a log
  const names = query.split('&').map((pair) => `${safeName(pair.split('=')[0])}=…`);
  return `${path}?${names.join('&')}`;
}

function safeName(encoded: string): string {
  let name: string;
  try {
    name = decodeURIComponent(encoded);
  } catch {
    return '?'; // not valid percent-encoding: nothing of it is logged
  }
  return /^[A-Za-z][A-Za-z0-9_.-]{0,40}$/.test(name) ? name : '?';
}
