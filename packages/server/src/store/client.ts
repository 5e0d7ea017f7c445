import { Readable } from 'node:stream';
import { type ClickHouseClient, ClickHouseError, ClickHouseLogLevel, createClient } from '@clickhouse/client';
import { StellwerkError } from '../errors.ts';
import { type RenderedSql, render, type Sql } from './sql.ts';

export interface StoreConnection {
  url: string;
  username?: string;
  password?: string;
  database?: string;
  /** The embedded engine runs parameterised queries one at a time, so it gets literals. */
  dialect: 'embedded' | 'server';
  queryTimeoutSec: number;
}

/**
 * The one door to the store. Renders typed SQL for the engine at hand, runs it through
 * @clickhouse/client over HTTP and turns engine errors into Stellwerk errors.
 */
export class Store {
  readonly client: ClickHouseClient;
  private readonly mode: 'params' | 'literals';

  constructor(readonly connection: StoreConnection) {
    this.mode = connection.dialect === 'embedded' ? 'literals' : 'params';
    this.client = createClient({
      url: connection.url,
      username: connection.username ?? 'default',
      password: connection.password ?? '',
      database: connection.database ?? 'default',
      request_timeout: (connection.queryTimeoutSec + 30) * 1000,
      // NaN and infinities come back as quoted strings instead of null.
      clickhouse_settings: {
        date_time_output_format: 'iso',
        output_format_json_quote_64bit_integers: 1,
        output_format_json_quote_denormals: 1,
      },
      keep_alive: { enabled: true },
      // Stellwerk logs store failures itself, once, with context; progress headers are not part of the embedded engine's interface.
      log: { level: ClickHouseLogLevel.OFF },
    });
  }

  render(fragment: Sql): RenderedSql {
    return render(fragment, this.mode);
  }

  async query<T>(fragment: Sql, settings: Record<string, string | number> = {}): Promise<T[]> {
    const { text, params } = this.render(fragment);
    try {
      const result = await this.client.query({
        query: text,
        query_params: params,
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      });
      return (await result.json()) as T[];
    } catch (err) {
      throw translateError(err);
    }
  }

  /**
   * The result as RowBinary bytes, for reads too large to parse as JSON rows quickly; read
   * them with RowBinaryReader, in the column order the statement selects.
   */
  async queryRowBinary(fragment: Sql, settings: Record<string, string | number> = {}): Promise<Buffer> {
    const { text, params } = this.render(fragment);
    try {
      const result = await this.client.exec({
        query: `${text}\nFORMAT RowBinary`,
        query_params: params,
        clickhouse_settings: settings,
      });
      const chunks: Buffer[] = [];
      for await (const chunk of result.stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (err) {
      throw translateError(err);
    }
  }

  async command(fragment: Sql, settings: Record<string, string | number> = {}): Promise<void> {
    const { text, params } = this.render(fragment);
    try {
      await this.client.command({ query: text, query_params: params, clickhouse_settings: settings });
    } catch (err) {
      throw translateError(err);
    }
  }

  /** Inserts bytes already encoded as JSONEachRow. The token makes a retried batch a no-op. */
  async insertJsonEachRow(table: string, body: Buffer, dedupToken: string): Promise<void> {
    try {
      const result = await this.client.exec({
        query: `INSERT INTO ${table} FORMAT JSONEachRow`,
        values: Readable.from([body], { objectMode: false }),
        clickhouse_settings: { insert_deduplication_token: dedupToken },
      });
      // exec hands back the response stream; drain it so the socket is reused.
      for await (const _ of result.stream) {
        /* nothing to read */
      }
    } catch (err) {
      throw translateError(err);
    }
  }

  /**
   * Inserts rows already encoded as RowBinary, the columns in the order given (RowBinary
   * carries no names). The token makes a retried batch a no-op.
   */
  async insertRowBinary(table: string, columns: readonly string[], body: Buffer, dedupToken: string): Promise<void> {
    try {
      const result = await this.client.exec({
        query: `INSERT INTO ${table} (${columns.join(', ')}) FORMAT RowBinary`,
        values: Readable.from([body], { objectMode: false }),
        clickhouse_settings: { insert_deduplication_token: dedupToken },
      });
      for await (const _ of result.stream) {
        /* drained so the socket is reused */
      }
    } catch (err) {
      throw translateError(err);
    }
  }

  async ping(): Promise<boolean> {
    try {
      const r = await this.client.ping();
      return r.success;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    await this.client.close();
  }
}

const DISK_CODES = new Set(['243', '1000']);

/** Maps engine and transport failures to the catalogue; the engine's text goes to logs only. */
export function translateError(err: unknown): StellwerkError {
  if (err instanceof StellwerkError) return err;
  if (err instanceof ClickHouseError) {
    const msg = err.message;
    if (DISK_CODES.has(err.code) || /no space left|NOT_ENOUGH_SPACE|Cannot reserve/i.test(msg)) {
      return new StellwerkError(
        'STW_ERR_DISK_FULL',
        'The store has no disk space left; free space on the data volume or shorten retention, then retry.',
        { retryAfterSec: 30 },
      );
    }
    if (err.code === '159' || err.code === '160') {
      return new StellwerkError(
        'STW_ERR_QUERY_TIMEOUT',
        'The query took longer than the configured storage.queryTimeout; narrow the time range or the query.',
        { retryAfterSec: 5 },
      );
    }
    if (err.code === '241') {
      return new StellwerkError(
        'STW_ERR_STORE_UNAVAILABLE',
        'The query needed more memory than the store allows; narrow the time range or the query.',
        { retryAfterSec: 5 },
      );
    }
    const out = new StellwerkError('STW_ERR_INTERNAL', `The store rejected a statement (ClickHouse code ${err.code}).`);
    // Kept for Stellwerk's own logs, never rendered to clients.
    out.cause = msg;
    return out;
  }
  const e = err as NodeJS.ErrnoException;
  if (/ECONNREFUSED|ECONNRESET|socket hang up|EPIPE|Timeout error|ETIMEDOUT/i.test(`${e?.code} ${e?.message}`)) {
    return new StellwerkError('STW_ERR_STORE_UNAVAILABLE', 'The store is not reachable right now; retry shortly.', {
      retryAfterSec: 2,
    });
  }
  return new StellwerkError('STW_ERR_INTERNAL', `Store call failed: ${e?.message ?? String(err)}`);
}
