import { ProblemException } from '@pi-ledger/platform/http/problem';

/** The one answer to a refused sign-in, whatever the reason (unknown user, wrong password, locked, disabled): nothing to tell them apart. */
export const invalidCredentials = () => new ProblemException(401, 'invalid-credentials', 'Invalid credentials', 'the username or password is wrong');
export const invalidCode = () =>
  new ProblemException(401, 'invalid-mfa-code', 'Invalid code', 'the code is wrong, expired or used already', [{ path: 'code', message: 'invalid' }]);
export const invalidRefreshToken = () =>
  new ProblemException(401, 'invalid-refresh-token', 'Invalid refresh token', 'the refresh token is invalid or its session has ended: sign in again');
export const refreshTokenReused = () =>
  new ProblemException(401, 'refresh-token-reused', 'Refresh token reused', 'this refresh token was used already: its session has ended, sign in again');
export const sessionNotFound = () => new ProblemException(404, 'session-not-found', 'Session not found', 'no open session with this id');
