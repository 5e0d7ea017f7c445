import { createRequire } from 'node:module';
import path from 'node:path';

/**
 * The only file that touches chDB. It uses the Layer-1 `Session` to open connections and
 * calls the native addon directly for the two operations the HTTP shim needs, because the
 * Session wrappers get them wrong for us: `queryBindAsync` re-escapes parameter values
 * (the HTTP interface passes them verbatim), and `insert()` only accepts whitelisted
 * formats and builds its own `INSERT` prefix (we need the client's prefix, SETTINGS and all).
 */

export interface NativeQueryResult {
  bytes: Uint8Array;
  elapsed: number;
  /** Rows in the result, not rows scanned (chDB's meaning). */
  rowsRead: number;
  bytesRead: number;
}

export interface NativeInsertResult {
  elapsed: number;
  /** Engine-side count, materialized-view writes included (like ClickHouse's summary). */
  rowsWritten: number;
  bytesWritten: number;
}

interface NativeAddon {
  QueryAsyncConnection(
    conn: unknown,
    sql: string,
    format: string,
    params?: Record<string, string>,
  ): Promise<NativeQueryResult>;
  InsertRawAsyncConnection(
    conn: unknown,
    prefix: string,
    data: Buffer,
    countLines: boolean,
  ): Promise<NativeInsertResult>;
}

interface ChdbSession {
  connection: unknown;
  close(): void;
}

interface ChdbModule {
  Session: new (dir: string, opts?: { connectionArgs?: string[] }) => ChdbSession;
}

const require = createRequire(import.meta.url);
const chdb = require('chdb') as ChdbModule;
// dist/loader.js is not in chdb's export map; loading it by absolute path gives the same
// module instance (and so the same addon) that chdb's index.js uses.
const native = (
  require(path.join(path.dirname(require.resolve('chdb')), 'dist', 'loader.js')) as { loadNative(): NativeAddon }
).loadNative();

/** One chDB connection on the process's data directory. Runs one statement at a time. */
export class ChdbConnection {
  private session: ChdbSession | null;

  constructor(dataDir: string, connectionArgs: string[]) {
    this.session = new chdb.Session(dataDir, { connectionArgs });
  }

  private handle(): unknown {
    if (!this.session) throw new Error('chDB connection is closed');
    return this.session.connection;
  }

  query(sql: string, defaultFormat: string, params?: Record<string, string>): Promise<NativeQueryResult> {
    const conn = this.handle();
    return params
      ? native.QueryAsyncConnection(conn, sql, defaultFormat, params)
      : native.QueryAsyncConnection(conn, sql, defaultFormat);
  }

  /** `prefix` is `INSERT INTO … FORMAT X`; the engine parses `data` itself, zero-copy. */
  insert(prefix: string, data: Buffer): Promise<NativeInsertResult> {
    // countLines=false: the line count is only an estimate and is wrong for binary formats.
    return native.InsertRawAsyncConnection(this.handle(), prefix, data, false);
  }

  /** Only call when no statement is running on this connection: closing mid-flight aborts the engine. */
  close(): void {
    const s = this.session;
    this.session = null;
    s?.close();
  }
}
