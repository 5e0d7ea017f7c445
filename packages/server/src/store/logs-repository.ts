import type { Store } from './client.ts';
import { ident, join, p, type Sql, sql, unsafeRaw } from './sql.ts';

/** A stored log row as the engine returns it (64-bit integers come quoted, as strings). */
export interface LogRow {
  ts_ns: string;
  tz_offset: number;
  obs_ns: string;
  service: string;
  host: string;
  level: string;
  level_raw: string;
  message: string;
  attr_str: Record<string, string>;
  attr_num: Record<string, number>;
  attr_bool: Record<string, number>;
  resource: Record<string, string>;
  run_id: string;
  trace_id: string;
  span_id: string;
  /** Tie-breaker for rows with the same timestamp, so cursors are stable. */
  h: string;
}

export interface TimeRange {
  fromNs: string;
  toNs: string;
}

export interface SearchCursor {
  tsNs: string;
  h: string;
}

const COLUMNS = unsafeRaw(`toString(toUnixTimestamp64Nano(ts)) AS ts_ns, tz_offset,
  toString(toUnixTimestamp64Nano(observed_ts)) AS obs_ns, service, host, level, level_raw, message,
  attr_str, attr_num, attr_bool, resource, run_id, trace_id, span_id`);
const TIE_BREAK = unsafeRaw('sipHash64(service, host, message, observed_ts)');

const BUILTIN_FIELDS: Record<string, string> = {
  level: 'level',
  service: 'service',
  host: 'host',
  level_raw: 'level_raw',
  run_id: 'run_id',
  trace_id: 'trace_id',
  message: 'message',
};

export class LogsRepository {
  constructor(private readonly store: Store) {}

  insertEncoded(body: Buffer, dedupToken: string): Promise<void> {
    return this.store.insertJsonEachRow('logs', body, dedupToken);
  }

  async search(condition: Sql, range: TimeRange, limit: number, cursor?: SearchCursor): Promise<LogRow[]> {
    const after = cursor ? sql`AND (ts, h) < (${p.DateTime64ns(cursor.tsNs)}, ${p.UInt64(cursor.h)})` : unsafeRaw('');
    return this.store.query<LogRow>(sql`
      SELECT ${COLUMNS}, ${TIE_BREAK} AS h
      FROM logs
      WHERE ${timeCondition(range)} AND (${condition}) ${after}
      ORDER BY ts DESC, h DESC
      LIMIT ${p.UInt32(limit)}`);
  }

  async histogram(
    condition: Sql,
    range: TimeRange,
    stepMs: number,
  ): Promise<Array<{ t: string; level: string; c: string }>> {
    return this.store.query(sql`
      SELECT toString(intDiv(toUnixTimestamp64Milli(ts), ${p.UInt64(stepMs)}) * ${p.UInt64(stepMs)}) AS t, level, toString(count()) AS c
      FROM logs
      WHERE ${timeCondition(range)} AND (${condition})
      GROUP BY t, level
      ORDER BY t`);
  }

  async facet(
    condition: Sql,
    range: TimeRange,
    field: string,
    limit: number,
  ): Promise<Array<{ value: string; c: string }>> {
    return this.store.query(sql`
      SELECT ${fieldValue(field)} AS value, toString(count()) AS c
      FROM logs
      WHERE ${timeCondition(range)} AND (${condition}) AND ${fieldPresent(field)}
      GROUP BY value
      ORDER BY count() DESC, value
      LIMIT ${p.UInt32(limit)}`);
  }

  /** Names of attribute keys seen in the range, with their type, for autocomplete and facets. */
  async fields(range: TimeRange): Promise<Array<{ name: string; type: string }>> {
    return this.store.query(sql`
      SELECT name, type FROM (
        SELECT arrayJoin(mapKeys(attr_str)) AS name, 'string' AS type FROM logs WHERE ${timeCondition(range)}
        UNION ALL SELECT arrayJoin(mapKeys(attr_num)), 'number' FROM logs WHERE ${timeCondition(range)}
        UNION ALL SELECT arrayJoin(mapKeys(attr_bool)), 'boolean' FROM logs WHERE ${timeCondition(range)}
      ) GROUP BY name, type ORDER BY count() DESC LIMIT 500`);
  }

  /** Records that arrived after `afterObservedNs`, oldest arrival first: what a live tail shows next. */
  async arrivedAfter(condition: Sql, afterObservedNs: string, limit: number): Promise<LogRow[]> {
    return this.store.query<LogRow>(sql`
      SELECT ${COLUMNS}, '' AS h
      FROM logs
      WHERE observed_ts > ${p.DateTime64ns(afterObservedNs)} AND (${condition})
      ORDER BY observed_ts ASC
      LIMIT ${p.UInt32(limit)}`);
  }

  async count(condition: Sql, range: TimeRange): Promise<number> {
    const rows = await this.store.query<{ c: string }>(
      sql`SELECT toString(count()) AS c FROM logs WHERE ${timeCondition(range)} AND (${condition})`,
    );
    return Number(rows[0]?.c ?? 0);
  }
}

export function timeCondition(range: TimeRange): Sql {
  return sql`ts >= ${p.DateTime64ns(range.fromNs)} AND ts < ${p.DateTime64ns(range.toNs)}`;
}

/** The value of a field as text, for facets: a column or an attribute of any type. */
function fieldValue(field: string): Sql {
  const column = BUILTIN_FIELDS[field];
  if (column) return sql`${ident(column)}`;
  if (field.startsWith('resource.')) return sql`resource[${p.String(field.slice(9))}]`;
  const key = p.String(field);
  return sql`multiIf(mapContains(attr_str, ${key}), attr_str[${key}], mapContains(attr_num, ${key}), toString(attr_num[${key}]), if(attr_bool[${key}] = 1, 'true', 'false'))`;
}

function fieldPresent(field: string): Sql {
  if (BUILTIN_FIELDS[field]) return unsafeRaw('1');
  if (field.startsWith('resource.')) return sql`mapContains(resource, ${p.String(field.slice(9))})`;
  const key = p.String(field);
  const any = join(
    [sql`mapContains(attr_str, ${key})`, sql`mapContains(attr_num, ${key})`, sql`mapContains(attr_bool, ${key})`],
    ' OR ',
  );
  return sql`(${any})`;
}
