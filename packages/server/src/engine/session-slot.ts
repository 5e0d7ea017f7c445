import { randomUUID } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ChdbConnection } from './chdb-binding.ts';
import { ClickHouseException } from './clickhouse-error.ts';
import { overlayOf, quoteLiteral, type SettingsMap, settingsTransition } from './settings.ts';
import { insertFromFile, mayChangeConnectionState, quoteIdentifier } from './sql-shape.ts';

export interface StatementRequest {
  /** The statement; for an insert with `data`, its `INSERT … FORMAT X` prefix. */
  sql: string;
  data?: Buffer;
  /** `param_*` values, verbatim as the HTTP interface received them. */
  params?: Record<string, string>;
  /** Engine settings for this request only (HTTP-only parameters already removed). */
  settings: SettingsMap;
  database: string;
  defaultFormat: string;
}

export interface StatementResult {
  body: Buffer;
  resultRows: number;
  resultBytes: number;
  writtenRows: number;
  writtenBytes: number;
  elapsedSec: number;
}

/** Serialises work that must not overlap across connections (chDB's parameter state). */
export type ExclusiveRunner = <T>(fn: () => Promise<T>) => Promise<T>;

export interface SlotOptions {
  dataDir: string;
  connectionArgs: string[];
  /** Settings every request starts from (max_execution_time, and for readonly slots their extras). */
  baseline: SettingsMap;
  readonly: boolean;
  runParameterised: ExclusiveRunner;
}

const DEFAULT_DATABASE = 'default';

const EMPTY_LINE = Buffer.from('\n\n');

/** Where inserts that cannot go inline wait for the engine to read them; emptied at start. */
export function insertFilesDir(dataDir: string): string {
  return join(dataDir, 'insert-files');
}

// What a clean connection looks like; compared after statements that may have changed it.
const STATE_PROBE =
  'SELECT currentDatabase(), (SELECT count() FROM system.tables WHERE is_temporary), (SELECT groupArray((name, value)) FROM (SELECT name, value FROM system.settings WHERE changed ORDER BY name)) FORMAT TSV';

/**
 * One chDB connection and what the shim changed on it. It runs one request at a time (the
 * pool guarantees that). Per-request settings are applied by moving the connection from the
 * previous request's settings to this one's, so they never leak. A statement that could
 * change state behind the shim's back (SET, USE, temporary tables) is followed by a check,
 * and a connection that is not clean is replaced.
 */
export class SessionSlot {
  private conn: ChdbConnection;
  private overlay = new Map<string, string>();
  private database = DEFAULT_DATABASE;
  private cleanState = '';

  private constructor(private readonly opts: SlotOptions) {
    this.conn = new ChdbConnection(opts.dataDir, opts.connectionArgs);
  }

  static async open(opts: SlotOptions): Promise<SessionSlot> {
    const slot = new SessionSlot(opts);
    try {
      await slot.applyBaseline(slot.conn);
      slot.cleanState = await slot.probeState(slot.conn);
    } catch (err) {
      slot.conn.close();
      throw err;
    }
    return slot;
  }

  get readonly(): boolean {
    return this.opts.readonly;
  }

  private async applyBaseline(conn: ChdbConnection): Promise<void> {
    const parts = [...this.opts.baseline].map(([k, v]) => `${k} = ${quoteLiteral(v)}`);
    if (parts.length > 0) await conn.query(`SET ${parts.join(', ')}`, 'TSV');
    // Last, since readonly=1 forbids changing any setting afterwards.
    if (this.opts.readonly) await conn.query('SET readonly = 1', 'TSV');
  }

  private async probeState(conn: ChdbConnection): Promise<string> {
    return Buffer.from((await conn.query(STATE_PROBE, 'TSV')).bytes).toString('utf8');
  }

  async run(req: StatementRequest): Promise<StatementResult> {
    await this.prepare(req);
    try {
      return await this.execute(req);
    } finally {
      if (mayChangeConnectionState(req.sql)) await this.ensureClean();
    }
  }

  private async prepare(req: StatementRequest): Promise<void> {
    // A readonly slot was chosen for its exact settings, so it has nothing to change.
    if (!this.opts.readonly) {
      const target = overlayOf(this.opts.baseline, req.settings);
      const set = settingsTransition(this.opts.baseline, this.overlay, target);
      if (set) {
        try {
          await this.conn.query(set, 'TSV');
        } catch (err) {
          // A failed multi-setting SET may have applied part of itself.
          await this.replaceConnection();
          throw err;
        }
        this.overlay = target;
      }
    }
    if (req.database !== this.database) {
      await this.conn.query(`USE ${quoteIdentifier(req.database)}`, 'TSV');
      this.database = req.database;
    }
  }

  private async execute(req: StatementRequest): Promise<StatementResult> {
    if (req.data !== undefined) {
      if (req.data.length === 0) return emptyResult();
      if (req.data.includes(EMPTY_LINE)) return this.insertThroughFile(req.sql, req.data);
      const r = await this.conn.insert(req.sql, req.data);
      return {
        body: Buffer.alloc(0),
        resultRows: r.rowsWritten,
        resultBytes: r.bytesWritten,
        writtenRows: r.rowsWritten,
        writtenBytes: r.bytesWritten,
        elapsedSec: r.elapsed,
      };
    }
    const params = req.params && Object.keys(req.params).length > 0 ? req.params : undefined;
    const conn = this.conn;
    const r = params
      ? await this.opts.runParameterised(() => conn.query(req.sql, req.defaultFormat, params))
      : await conn.query(req.sql, req.defaultFormat);
    return {
      body: Buffer.from(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength),
      resultRows: r.rowsRead,
      resultBytes: r.bytesRead,
      // chDB does not report rows written by a statement run as a query (INSERT … SELECT).
      writtenRows: 0,
      writtenBytes: 0,
      elapsedSec: r.elapsed,
    };
  }

  /**
   * chDB reads an insert's inline data as the tail of its statement text and ends it at the
   * first empty line, which binary rows (and text with blank lines) can hold: such data would
   * be cut short with no error. It is written to a file and read with `FROM INFILE` instead.
   */
  private async insertThroughFile(prefix: string, data: Buffer): Promise<StatementResult> {
    const path = join(insertFilesDir(this.opts.dataDir), `${randomUUID()}.data`);
    const statement = insertFromFile(prefix, path);
    if (!statement)
      throw new ClickHouseException(
        62,
        'SYNTAX_ERROR',
        'The embedded engine reads insert data holding an empty line only for INSERT INTO <table> [(<columns>)] [SETTINGS …] FORMAT <format>; rewrite the statement in that shape.',
      );
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, data);
    try {
      const r = await this.conn.query(statement, 'TSV');
      // As for INSERT … SELECT, chDB does not report the rows a statement run as a query wrote.
      return { ...emptyResult(), elapsedSec: r.elapsed };
    } finally {
      await rm(path, { force: true });
    }
  }

  /** Brings the connection back to its clean state, or replaces it if it cannot. */
  private async ensureClean(): Promise<void> {
    try {
      if (!this.opts.readonly) {
        const reset = settingsTransition(this.opts.baseline, this.overlay, new Map());
        if (reset) await this.conn.query(reset, 'TSV');
        this.overlay = new Map();
      }
      if (this.database !== DEFAULT_DATABASE) {
        await this.conn.query(`USE ${quoteIdentifier(DEFAULT_DATABASE)}`, 'TSV');
        this.database = DEFAULT_DATABASE;
      }
      if ((await this.probeState(this.conn)) === this.cleanState) return;
    } catch {
      // fall through: a connection we cannot reset is replaced
    }
    await this.replaceConnection();
  }

  private async replaceConnection(): Promise<void> {
    // Open the new connection first so the data directory always has one open.
    const fresh = new ChdbConnection(this.opts.dataDir, this.opts.connectionArgs);
    try {
      await this.applyBaseline(fresh);
    } catch (err) {
      fresh.close();
      throw err;
    }
    const old = this.conn;
    this.conn = fresh;
    this.overlay = new Map();
    this.database = DEFAULT_DATABASE;
    old.close();
  }

  close(): void {
    this.conn.close();
  }
}

function emptyResult(): StatementResult {
  return { body: Buffer.alloc(0), resultRows: 0, resultBytes: 0, writtenRows: 0, writtenBytes: 0, elapsedSec: 0 };
}
