/**
 * The console's one way to the API. The access token lives in this object only (never in storage,
 * a cookie or a URL); the refresh token is the API's httpOnly cookie on /v1/auth, which the browser
 * sends by itself. Reads of personal data carry the chosen processing purpose; edits carry the
 * version they were made on (If-Match), so a concurrent change is refused rather than overwritten.
 */

export interface Problem {
  type?: string;
  title?: string;
  status: number;
  code: string;
  detail?: string;
  errors?: { path: string; message: string }[];
  [extension: string]: unknown;
}

export class ApiProblem extends Error {
  constructor(readonly problem: Problem) {
    super(problem.code);
    this.name = 'ApiProblem';
  }
  get code(): string {
    return this.problem.code;
  }
  get status(): number {
    return this.problem.status;
  }
}

/** A page that reads personal data was used before a processing purpose was chosen. */
export class PurposeNotChosen extends Error {
  constructor() {
    super('purpose-not-chosen');
    this.name = 'PurposeNotChosen';
  }
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Query parameters; never personal data except where the API takes search terms only there (docs/console.md). */
  query?: Record<string, string | number | boolean | undefined>;
  /** The request reads or writes personal data: send X-Processing-Purpose. */
  personalData?: boolean;
  /** A reserved purpose sent as X-Processing-Purpose instead of the one chosen (`pipl:breach-response`). */
  purposeId?: string;
  /** The version the edit was made on: sent as If-Match. */
  ifMatch?: number;
  /** A POST that only reads (search terms in the body), or one safe to repeat (a merge decides before it writes): asked again on 503 + Retry-After like a GET. */
  read?: boolean;
  /** No bearer token (sign-in). */
  anonymous?: boolean;
  /** Reach a customer outside one's assignment, for a stated reason (recorded by the API). */
  breakGlass?: BreakGlass;
}

export interface BreakGlass {
  reason: string;
  note?: string;
}

export const BREAK_GLASS_REASONS = ['emergency', 'customer-present', 'covering-colleague', 'complaint-escalation'] as const;

export interface ApiResponse<T> {
  status: number;
  data: T;
  /** The subject's version from the ETag, when the answer has one. */
  version?: number;
}

export interface TokenGrant {
  accessToken: string;
  expiresIn?: number;
}

type Listener = () => void;

/** How many times a read answered 503 with Retry-After (read models behind, database restarting) is asked again. */
const READ_RETRIES = 5;

export class ApiClient {
  private accessToken: string | undefined;
  private purposeId: string | undefined;
  private refreshing: Promise<TokenGrant | undefined> | undefined;
  /** The log position of the last write this page made: reads wait until the read models include it (read your own writes). */
  private lastWrite = 0;
  /** The ledger's time as its last answer told it (the Date header), and when (this page's monotonic clock): deadlines count down from the ledger's time, not this browser's. */
  private ledgerTime: { at: number; seen: number } | undefined;
  private readonly listeners = new Set<Listener>();

  get signedIn(): boolean {
    return this.accessToken !== undefined;
  }

  get token(): string | undefined {
    return this.accessToken;
  }

  setAccessToken(token: string | undefined): void {
    this.accessToken = token;
    this.listeners.forEach((listener) => listener());
  }

  setPurpose(purposeId: string | undefined): void {
    this.purposeId = purposeId;
  }

  /** Called when the token changes (sign-in, refresh, sign-out, expiry that could not be refreshed). */
  onTokenChange(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Rotates the refresh cookie for a new access token; undefined when there is no session to resume. */
  refresh(): Promise<TokenGrant | undefined> {
    this.refreshing ??= (async () => {
      try {
        const response = await fetch('/v1/auth/refresh', { method: 'POST', credentials: 'same-origin', headers: { accept: 'application/json' } });
        if (!response.ok) return undefined;
        const grant = (await response.json()) as TokenGrant;
        this.setAccessToken(grant.accessToken);
        return grant;
      } catch {
        return undefined;
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  async request<T>(path: string, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    let response = await this.send(path, options);
    if (response.status === 401 && !options.anonymous && this.accessToken !== undefined) {
      // an expired access token: one refresh, then the same request again
      if (await this.refresh()) response = await this.send(path, options);
      else this.setAccessToken(undefined);
    }
    // a read the read models have not caught up with yet (503 with Retry-After): ask again, as the API asks
    for (let attempt = 1; response.status === 503 && ((options.method ?? 'GET') === 'GET' || options.read) && attempt <= READ_RETRIES; attempt++) {
      const retryAfter = Number(response.headers.get('retry-after'));
      if (!(retryAfter > 0)) break;
      await new Promise((resolve) => setTimeout(resolve, Math.min(retryAfter, 5) * 1000));
      response = await this.send(path, options);
    }
    const date = Date.parse(response.headers.get('date') ?? '');
    if (!Number.isNaN(date)) this.ledgerTime = { at: date, seen: performance.now() };
    const text = await response.text();
    const body: unknown = text ? JSON.parse(text) : undefined;
    if (!response.ok) throw problemOf(response, body);
    if ((options.method ?? 'GET') !== 'GET' && body && typeof body === 'object' && 'position' in body && typeof body.position === 'number') {
      this.lastWrite = Math.max(this.lastWrite, body.position);
    }
    const etag = response.headers.get('etag');
    const version = etag && /^"\d+"$/.test(etag) ? Number(etag.slice(1, -1)) : undefined;
    return { status: response.status, data: body as T, version };
  }

  /** A file the API makes (a report's CSV or XLSX) as a Blob: a plain link could not carry the bearer token. */
  async blob(path: string, query: RequestOptions['query']): Promise<Blob> {
    let response = await this.send(path, { query });
    if (response.status === 401 && this.accessToken !== undefined && (await this.refresh())) response = await this.send(path, { query });
    if (!response.ok) throw new ApiProblem({ status: response.status, code: `http-${response.status}` });
    return response.blob();
  }

  /**
   * A file the API makes from a POST (a bulk export: its conditions in the body, never in a URL) as a Blob, with the
   * file name and headers the API answered; a refusal is the API's problem, as for any request.
   */
  async download(path: string, options: Omit<RequestOptions, 'method'>): Promise<{ blob: Blob; fileName: string | undefined; headers: Headers }> {
    const post = { ...options, method: 'POST' as const };
    let response = await this.send(path, post);
    if (response.status === 401 && this.accessToken !== undefined && (await this.refresh())) response = await this.send(path, post);
    if (!response.ok) {
      const text = await response.text();
      throw problemOf(response, text.startsWith('{') ? JSON.parse(text) : undefined);
    }
    const fileName = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') ?? '')?.[1];
    return { blob: await response.blob(), fileName, headers: response.headers };
  }

  /** The ledger's time now (to the second), as its last answer told it; undefined before any answer. */
  ledgerNow(): number | undefined {
    return this.ledgerTime && this.ledgerTime.at + (performance.now() - this.ledgerTime.seen);
  }

  get<T>(path: string, options: Omit<RequestOptions, 'method' | 'body'> = {}): Promise<T> {
    return this.request<T>(path, options).then((response) => response.data);
  }

  private send(path: string, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json, application/problem+json' };
    if (!options.anonymous && this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.ifMatch !== undefined) headers['if-match'] = `"${options.ifMatch}"`;
    if ((options.method ?? 'GET') === 'GET' && this.lastWrite > 0) headers['x-ledger-min-position'] = String(this.lastWrite);
    if (options.breakGlass) {
      headers['x-break-glass'] = options.breakGlass.reason;
      if (options.breakGlass.note) headers['x-break-glass-note'] = encodeURIComponent(options.breakGlass.note);
    }
    if (options.purposeId) headers['x-processing-purpose'] = options.purposeId;
    else if (options.personalData) {
      if (!this.purposeId) throw new PurposeNotChosen();
      headers['x-processing-purpose'] = this.purposeId;
    }
    return fetch(withQuery(path, options.query), {
      method: options.method ?? 'GET',
      headers,
      body: options.body === undefined ? undefined : JSON.stringify(options.body),
      credentials: 'same-origin',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  }
}

/** A refused answer as the API's problem (its code and extensions), or as its bare status. */
function problemOf(response: Response, body: unknown): ApiProblem {
  const problem = body && typeof body === 'object' && 'code' in body ? (body as Problem) : { status: response.status, code: `http-${response.status}` };
  return new ApiProblem({ ...problem, status: response.status });
}

function withQuery(path: string, query: RequestOptions['query']): string {
  const entries = Object.entries(query ?? {}).filter((entry): entry is [string, string | number | boolean] => entry[1] !== undefined && entry[1] !== '');
  if (entries.length === 0) return path;
  return `${path}?${new URLSearchParams(entries.map(([name, value]) => [name, String(value)])).toString()}`;
}

export const api = new ApiClient();
