import type { ErrorCode, Problem } from '@stellwerk/contracts';
import { getToken, requestToken } from './token.ts';

/** An HTTP error from the API, carrying the problem+json body when the server sent one. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: ErrorCode | undefined;
  readonly problem: Problem | undefined;

  constructor(status: number, message: string, problem?: Problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
    this.code = problem?.code;
  }

  static async from(res: Response): Promise<ApiError> {
    let problem: Problem | undefined;
    try {
      const body: unknown = await res.json();
      if (body && typeof body === 'object' && 'status' in body) problem = body as Problem;
    } catch {
      // non-JSON body (proxy error page, empty body): fall back to the status line
    }
    const message = problem?.detail || problem?.title || `${res.status} ${res.statusText}`.trim();
    return new ApiError(res.status, message, problem);
  }
}

/** Errors worth retrying by themselves: the store restarting (503) or the network dropping. */
export function isRetryable(err: unknown): boolean {
  if (err instanceof ApiError) return err.status === 503 || err.status === 502 || err.status === 504;
  return err instanceof TypeError; // fetch() rejects with TypeError on network failure
}

export function isAbort(err: unknown): boolean {
  return err instanceof DOMException && err.name === 'AbortError';
}

/**
 * fetch() with the session's bearer token. A 401 opens the token prompt (shared by all
 * requests waiting at that moment) and the request is retried with the new token.
 */
export async function apiFetch(path: string, init: RequestInit = {}): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    const headers = new Headers(init.headers);
    const token = getToken();
    if (token) headers.set('Authorization', `Bearer ${token}`);
    const res = await fetch(path, { ...init, headers });
    if (res.status === 401 && attempt < 5) {
      await requestToken(token ? 'rejected' : 'required');
      init.signal?.throwIfAborted();
      continue;
    }
    if (!res.ok) throw await ApiError.from(res);
    return res;
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await apiFetch(path, { signal, headers: { Accept: 'application/json' } });
  return (await res.json()) as T;
}

/** Builds `path?k=v&...`, leaving out undefined values. */
export function withParams(path: string, params: Record<string, string | number | undefined | null>): string {
  const sp = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null) sp.set(k, String(v));
  const s = sp.toString();
  return s ? `${path}?${s}` : path;
}
