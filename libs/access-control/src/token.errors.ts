/** Why a presented token was refused; the guard turns these into 401 (503 for `authentication-unavailable`). */
export type TokenRejection = 'token-expired' | 'invalid-token' | 'authentication-unavailable';

export class TokenRejectedError extends Error {
  constructor(
    readonly code: TokenRejection,
    message: string,
  ) {
    super(message);
    this.name = 'TokenRejectedError';
  }
}

/** A token that must not be issued (unknown role, data subject without subject id, …). */
export class TokenRequestError extends Error {
  readonly code = 'invalid-token-request';

  constructor(message: string) {
    super(message);
    this.name = 'TokenRequestError';
  }
}
