import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ClickHouseException, httpStatusFor, toExceptionReply } from './clickhouse-error.ts';
import { type Credentials, isAuthorized } from './http-auth.ts';
import { parseEngineRequest } from './http-request.ts';
import type { SessionPool } from './session-pool.ts';
import type { StatementResult } from './session-slot.ts';
import { outputFormat } from './sql-shape.ts';

const gzip = promisify(zlib.gzip);

export interface EngineHttpServerOptions {
  pool: SessionPool;
  credentials: Credentials;
  maxBodyBytes: number;
  /** Told about failures that are the engine's fault (status ≥ 500), for the log. */
  onServerError?: (err: unknown, queryId: string) => void;
}

/**
 * The subset of ClickHouse's HTTP interface that @clickhouse/client uses, in front of the
 * session pool: /ping, and queries, commands and inserts on /.
 */
export function createEngineHttpServer(opts: EngineHttpServerOptions): http.Server {
  const server = http.createServer((req, res) => {
    handle(req, res, opts).catch((err) => {
      // handle() answers every error itself; this is only reached if writing failed.
      res.destroy(err instanceof Error ? err : undefined);
    });
  });
  // Longer than @clickhouse/client's idle-socket TTL (2.5 s), so the client always drops an
  // idle keep-alive socket before the server closes it under a request.
  server.keepAliveTimeout = 10_000;
  // Long queries are bounded by max_execution_time, not by the socket.
  server.requestTimeout = 0;
  return server;
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: EngineHttpServerOptions): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://engine');
  const isRead = req.method === 'GET' || req.method === 'HEAD';
  if (url.pathname === '/ping' || (url.pathname === '/' && isRead && !url.searchParams.has('query'))) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' }).end('Ok.\n');
    return;
  }
  let queryId = url.searchParams.get('query_id') ?? '';
  try {
    if (url.pathname !== '/')
      throw new ClickHouseException(48, 'NOT_IMPLEMENTED', `Unknown HTTP endpoint ${url.pathname}`);
    if (!isRead && req.method !== 'POST') {
      throw new ClickHouseException(48, 'NOT_IMPLEMENTED', `HTTP method ${req.method} is not supported`);
    }
    if (!isAuthorized(req, url, opts.credentials)) {
      req.resume();
      throw new ClickHouseException(
        516,
        'AUTHENTICATION_FAILED',
        `${opts.credentials.username}: Authentication failed: password is incorrect, or there is no user with such name`,
      );
    }
    const request = await parseEngineRequest(req, url, opts.maxBodyBytes);
    queryId = request.queryId;
    const result = await opts.pool.execute(request);
    const format =
      request.data === undefined ? outputFormat(request.sql, request.defaultFormat) : request.defaultFormat;
    let body = result.body;
    const headers: http.OutgoingHttpHeaders = {
      'Content-Type': contentTypeFor(format),
      'X-ClickHouse-Query-Id': queryId,
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Summary': summaryHeader(result),
    };
    if (request.gzipResponse && body.length > 0) {
      body = await gzip(body);
      headers['Content-Encoding'] = 'gzip';
    }
    headers['Content-Length'] = body.length;
    res.writeHead(200, headers).end(req.method === 'HEAD' ? undefined : body);
  } catch (err) {
    const reply = toExceptionReply(err);
    const status = httpStatusFor(reply.code);
    if (status >= 500) opts.onServerError?.(err, queryId);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const text = `${reply.text}\n`;
    res
      .writeHead(status, {
        'Content-Type': 'text/plain; charset=UTF-8',
        'Content-Length': Buffer.byteLength(text),
        'X-ClickHouse-Query-Id': queryId,
        'X-ClickHouse-Exception-Code': String(reply.code),
      })
      .end(text);
  }
}

function summaryHeader(r: StatementResult): string {
  // ClickHouse sends every figure as a string.
  return JSON.stringify({
    read_rows: '0',
    read_bytes: '0',
    written_rows: String(r.writtenRows),
    written_bytes: String(r.writtenBytes),
    total_rows_to_read: '0',
    result_rows: String(r.resultRows),
    result_bytes: String(r.resultBytes),
    elapsed_ns: String(Math.round(r.elapsedSec * 1e9)),
  });
}

function contentTypeFor(format: string): string {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(TSV|TabSeparated)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/^CSV/i.test(format)) return 'text/csv; charset=UTF-8';
  return 'text/plain; charset=UTF-8';
}
