import { generate } from 'otplib';
import { BrowserContext } from 'playwright-core';
import { TestApi } from '../support/test-api';
import { jsonRequest, tokens } from '../support/test-tokens';

export const PASSWORD = 'console walk-through 2026';

/** Console specs sign in many times a minute from one address: the sign-in rate limit is off (test/login.e2e-spec.ts tests it). */
export const NO_AUTH_RATE_LIMIT = { authRateLimit: { perIp: 0, perUsername: 0, windowSeconds: 60 } };

const TOTP_STEP_SECONDS = 30;
const stepOf = (api: TestApi) => Math.floor(api.clock().getTime() / 1000 / TOTP_STEP_SECONDS);

/** A TOTP code at the ledger's (pinned) clock, `steps` steps later. */
export const codeAt = (api: TestApi, secret: string, steps = 0): Promise<string> => generate({ secret, epoch: (stepOf(api) + steps) * TOTP_STEP_SECONDS });

/** A staff account made by an admin over the API (the admin's machine token, as `ledger auth token` prints): its id and one-time password. */
export async function createStaff(api: TestApi, username: string, roles: string[], departmentId?: string): Promise<{ staffId: string; oneTimePassword: string }> {
  const created = await jsonRequest(api)('POST', '/v1/staff', await tokens(api).admin(), {
    username,
    displayName: `名-${username}`,
    roles,
    ...(departmentId ? { departmentId } : {}),
  });
  if (created.status !== 201) throw new Error(`creating ${username}: ${created.status} ${JSON.stringify(created.body)}`);
  return created.body;
}

interface Account {
  staffId: string;
  roles: string[];
  departmentId?: string;
  secret?: string;
  /** TOTP steps already spent: the API takes each step's code once. */
  usedSteps: Set<number>;
}

/** The accounts each test API has, so a spec signs the same person in again with their password (and a fresh code). */
const accounts = new WeakMap<TestApi, Map<string, Account>>();

/** A code of a step the account has not spent yet, within the one step early or late the API accepts. */
function freshCode(api: TestApi, account: Account): Promise<string> {
  const now = stepOf(api);
  const step = [now, now + 1, now - 1].find((candidate) => !account.usedSteps.has(candidate));
  if (step === undefined || !account.secret) throw new Error(`no unspent TOTP step left for ${account.staffId} at step ${now}`);
  account.usedSteps.add(step);
  return generate({ secret: account.secret, epoch: step * TOTP_STEP_SECONDS });
}

/**
 * Signs a browser context in for real. The first time, an admin creates the account over the API, its
 * holder replaces the one-time password and (where the role requires it) enrols an authenticator; later
 * times, the person signs in with password and code. The refresh token the sign-in answers is put in
 * the browser as the API's own httpOnly cookie, so the console resumes that session through
 * POST /v1/auth/refresh, as after a reload (test/console/sign-in.spec.ts goes through the login page
 * itself). Returns the account's id: the actor the ledger records.
 */
export async function signInAs(context: BrowserContext, api: TestApi, username: string, roles: string[], departmentId?: string): Promise<string> {
  const call = jsonRequest(api);
  const known = accounts.get(api) ?? new Map<string, Account>();
  accounts.set(api, known);
  let account = known.get(username);
  let answer: Record<string, unknown>;
  if (account) {
    if (account.roles.join() !== roles.join() || account.departmentId !== departmentId) throw new Error(`${username} already exists with other roles or department`);
    answer = (await call('POST', '/v1/auth/login', undefined, { username, password: PASSWORD })).body;
    if (answer.mfaRequired) answer = (await call('POST', '/v1/auth/mfa', undefined, { challenge: answer.challenge, code: await freshCode(api, account) })).body;
  } else {
    const { staffId, oneTimePassword } = await createStaff(api, username, roles, departmentId);
    account = { staffId, roles, departmentId, usedSteps: new Set() };
    known.set(username, account);
    const first = (await call('POST', '/v1/auth/login', undefined, { username, password: oneTimePassword })).body;
    answer = (await call('POST', '/v1/auth/password', undefined, { passwordToken: first.passwordToken, newPassword: PASSWORD })).body;
    if (answer.mfaEnrolmentRequired) {
      const enrolmentToken = answer.enrolmentToken;
      account.secret = (await call('POST', '/v1/auth/mfa/enrol', undefined, { enrolmentToken })).body.secret;
      answer = (await call('POST', '/v1/auth/mfa/confirm', undefined, { enrolmentToken, code: await freshCode(api, account) })).body;
    }
  }
  if (typeof answer.refreshToken !== 'string') throw new Error(`signing in ${username}: ${JSON.stringify(answer)}`);
  await context.addCookies([{ name: 'ledger_refresh', value: answer.refreshToken, domain: new URL(api.baseUrl).hostname, path: '/v1/auth', httpOnly: true, sameSite: 'Strict' }]);
  return account.staffId;
}
