/**
 * The wrapper's HTTP client for the Stellwerk API: one request at a time, a short connect
 * timeout so a down server costs the wrapped command nothing noticeable, and a verdict per
 * answer: stored, unavailable (keep it and send later) or refused (it will never be taken).
 */
import http from 'node:http';
import { createRequire } from 'node:module';

// TLS is loaded only for an https:// server: it would add to every wrapped step's start.
const require = createRequire(import.meta.url);

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Path and query, e.g. `/api/v1/logs?run_id=…`. */
  path: string;
  contentType: string;
  body: string;
  /** Sent as Idempotency-Key, so a request sent twice (a retry, a flushed spool) is stored once. */
  key: string;
  headers?: Record<string, string>;
}

export type ApiResult =
  | { kind: 'stored'; status: number; body: string }
  /** Not reachable, overloaded or failing: the request may succeed later. */
  | { kind: 'unavailable'; reason: string }
  /** A 4xx: sending it again will not help. */
  | { kind: 'refused'; status: number; reason: string };

export interface ClientOptions {
  url: string;
  token?: string;
  /** Longest wait for the TCP (and TLS) connection. Default 1000 ms. */
  connectTimeoutMs?: number;
  /** Longest wait for a whole request. Default 15 s. */
  timeoutMs?: number;
}

export const DEFAULT_SERVER_URL = 'http://127.0.0.1:8420';

/** Statuses that mean "not now" rather than "never". */
const RETRYABLE = new Set([408, 425, 429, 500, 502, 503, 504, 507]);

export class ApiClient {
  readonly url: string;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly lib: Pick<typeof http, 'request'>;
  private readonly connectTimeoutMs: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: ClientOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.base = new URL(this.url);
    if (this.base.protocol !== 'http:' && this.base.protocol !== 'https:') {
      throw new Error(`the server URL must start with http:// or https://, got ${options.url}`);
    }
    if (this.base.protocol === 'https:') {
      const https = require('node:https') as typeof import('node:https');
      this.lib = https;
      this.agent = new https.Agent({ keepAlive: true, maxSockets: 1 });
    } else {
      this.lib = http;
      this.agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    }
    this.connectTimeoutMs = options.connectTimeoutMs ?? 1000;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  send(req: ApiRequest, timeoutMs = this.timeoutMs): Promise<ApiResult> {
    const target = new URL(this.base.pathname.replace(/\/$/, '') + req.path, this.base);
    const body = Buffer.from(req.body, 'utf8');
    const headers: Record<string, string | number> = {
      'content-type': req.contentType,
      'content-length': body.length,
      'idempotency-key': req.key,
      ...req.headers,
    };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    const lib = this.lib;
    return new Promise((resolve) => {
      let settled = false;
      const done = (r: ApiResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(overall);
        resolve(r);
      };
      const request = lib.request(target, { method: req.method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (err) => done({ kind: 'unavailable', reason: err.message }));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) done({ kind: 'stored', status, body: text });
          else if (RETRYABLE.has(status) || status >= 500)
            done({ kind: 'unavailable', reason: `${status} ${problemDetail(text)}` });
          else done({ kind: 'refused', status, reason: `${status} ${problemDetail(text)}` });
        });
      });
      const overall = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      request.on('socket', (socket) => {
        if (!socket.connecting) return;
        const connectTimer = setTimeout(
          () => request.destroy(new Error(`no connection within ${this.connectTimeoutMs} ms`)),
          this.connectTimeoutMs,
        );
        socket.once('connect', () => clearTimeout(connectTimer));
        socket.once('close', () => clearTimeout(connectTimer));
      });
      request.on('error', (err: NodeJS.ErrnoException) =>
        done({ kind: 'unavailable', reason: err.code ?? err.message }),
      );
      request.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The `detail` of a problem+json answer, else the start of the body. */
function problemDetail(text: string): string {
  try {
    const doc = JSON.parse(text) as { detail?: unknown; message?: unknown; title?: unknown };
    const d = doc.detail ?? doc.message ?? doc.title;
    if (typeof d === 'string') return d;
  } catch {}
  return text.slice(0, 200);
}
