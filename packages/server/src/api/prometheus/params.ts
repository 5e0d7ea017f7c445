import { PromqlError } from '../../query/promql/errors.ts';
import { parseDurationMs } from '../../query/promql/literals.ts';

/** Request parameters from the query string and a form body merged; the body wins, as in Go's FormValue. */
export type Params = Record<string, string | string[] | undefined>;

export function parseForm(body: string): Params {
  const out: Params = {};
  for (const [k, v] of new URLSearchParams(body)) {
    const prev = out[k];
    out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  return out;
}

export function first(params: Params, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v[0] : v;
}

export function all(params: Params, name: string): string[] {
  const v = params[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

const MIN_TIME_MS = -9_223_372_036_854; // Prometheus' minTime, in ms (math.MinInt64 / 1e6)
const MAX_TIME_MS = 9_223_372_036_854;

/** Unix seconds (float) or RFC 3339, to epoch ms, as Prometheus' parseTime. */
export function parseTimeParam(params: Params, name: string, fallbackMs?: number): number {
  const text = first(params, name);
  if (text === undefined || text === '') {
    if (fallbackMs !== undefined) return fallbackMs;
    throw new PromqlError('bad_data', `invalid parameter "${name}": cannot parse "" to a valid timestamp`);
  }
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) {
    const ms = Math.round(Number(text) * 1000);
    if (Number.isFinite(ms)) return Math.max(MIN_TIME_MS, Math.min(MAX_TIME_MS, ms));
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text)) {
    const ms = Date.parse(text);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new PromqlError('bad_data', `invalid parameter "${name}": cannot parse "${text}" to a valid timestamp`);
}

/** Float seconds or a Prometheus duration (`15s`), to ms. */
export function parseDurationParam(params: Params, name: string): number {
  const text = first(params, name) ?? '';
  if (/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?$/i.test(text)) {
    const ms = Math.round(Number(text) * 1000);
    if (Number.isFinite(ms)) return ms;
  }
  const d = parseDurationMs(text);
  if (d !== null) return d;
  throw new PromqlError('bad_data', `invalid parameter "${name}": cannot parse "${text}" to a valid duration`);
}
