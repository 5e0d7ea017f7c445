import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { ClickHouseException } from './clickhouse-error.ts';
import { boundaryOf, parseMultipartFields } from './multipart.ts';
import type { PoolRequest } from './session-pool.ts';
import { isHttpOnlyParam, isValidSettingName } from './settings.ts';
import { insertDataFormat } from './sql-shape.ts';

/** A request of ClickHouse's HTTP interface, reduced to what the session pool runs. */
export interface EngineRequest extends PoolRequest {
  queryId: string;
  /** The client asked for a gzip-compressed response (enable_http_compression=1). */
  gzipResponse: boolean;
}

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);
const brotliDecompress = promisify(zlib.brotliDecompress);

export async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBytes) {
      throw new ClickHouseException(
        1001,
        'STD_EXCEPTION',
        `Request body exceeds the embedded engine's limit of ${maxBytes} bytes; send smaller batches`,
      );
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 && chunks[0] ? chunks[0] : Buffer.concat(chunks, size);
}

async function decodeBody(body: Buffer, encoding: string | undefined): Promise<Buffer> {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return gunzip(body);
    case 'deflate':
      return inflate(body);
    case 'br':
      return brotliDecompress(body);
    default:
      throw new ClickHouseException(48, 'NOT_IMPLEMENTED', `Unsupported Content-Encoding: ${encoding}`);
  }
}

/**
 * Splits the URL parameters and body into statement, data, parameters and settings, as
 * ClickHouse does: for an insert whose SQL is in the `query` parameter the body is the
 * data; otherwise the statement is the `query` parameter followed by the body.
 */
export async function parseEngineRequest(req: IncomingMessage, url: URL, maxBodyBytes: number): Promise<EngineRequest> {
  const settings = new Map<string, string>();
  const params: Record<string, string> = {};
  let readonly = req.method === 'GET' || req.method === 'HEAD';
  for (const [name, value] of url.searchParams) {
    if (name.startsWith('param_')) {
      params[name.slice('param_'.length)] = value;
    } else if (name === 'readonly') {
      // ClickHouse also has readonly=2 (settings may change); both refuse writes here.
      if (value !== '0') readonly = true;
    } else if (name === 'session_id') {
      throw new ClickHouseException(
        48,
        'NOT_IMPLEMENTED',
        'The embedded engine does not support HTTP sessions (session_id); every request stands alone',
      );
    } else if (!isHttpOnlyParam(name)) {
      if (!isValidSettingName(name)) throw new ClickHouseException(115, 'UNKNOWN_SETTING', `Unknown setting ${name}`);
      settings.set(name, value);
    }
  }

  let body = await decodeBody(await readBody(req, maxBodyBytes), req.headers['content-encoding']);
  let urlQuery = url.searchParams.get('query') ?? '';
  const boundary = boundaryOf(req.headers['content-type']);
  if (boundary) {
    const fields = parseMultipartFields(body.toString('utf8'), boundary);
    for (const [name, value] of fields) {
      if (name.startsWith('param_')) params[name.slice('param_'.length)] = value;
    }
    urlQuery = [urlQuery, fields.get('query') ?? ''].filter((s) => s.length > 0).join('\n');
    body = Buffer.alloc(0);
  }

  const base = {
    queryId: url.searchParams.get('query_id') || randomUUID(),
    params,
    settings,
    readonly,
    database: url.searchParams.get('database') || 'default',
    defaultFormat: url.searchParams.get('default_format') || 'TabSeparated',
    gzipResponse:
      url.searchParams.get('enable_http_compression') === '1' && /\bgzip\b/.test(req.headers['accept-encoding'] ?? ''),
  };

  if (urlQuery && insertDataFormat(urlQuery)) return { ...base, sql: urlQuery, data: body };
  const sql = [urlQuery, body.toString('utf8')].filter((s) => s.trim().length > 0).join('\n');
  if (sql.length === 0) throw new ClickHouseException(62, 'SYNTAX_ERROR', 'Empty query');
  return { ...base, sql };
}
