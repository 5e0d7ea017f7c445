import { ApiError, apiFetch, withParams } from '../../../shared/api/client.ts';
import { seriesColors } from '../../../shared/chart/colors.ts';
import { createFrame, type DataFrame, type Field } from '../../../shared/frame/frame.ts';
import type { AbsoluteRange } from '../../../shared/time/range.ts';
import { formatSeries, type Labels, seriesKey } from '../promql.ts';

/** A Prometheus API failure carrying the server's own message (`error`), not just the status. */
export class PromError extends Error {
  readonly status: number;
  readonly errorType: string | undefined;
  constructor(status: number, message: string, errorType?: string) {
    super(message);
    this.name = 'PromError';
    this.status = status;
    this.errorType = errorType;
  }
}

interface PromEnvelope<T> {
  status: 'success' | 'error';
  data?: T;
  errorType?: string;
  error?: string;
}

/**
 * GET on the Prometheus API. The shared client reads problem+json; Prometheus answers
 * `{status:"error", errorType, error}`, so the message is taken from `error` here.
 */
export async function promGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await apiFetch(path, { signal, headers: { Accept: 'application/json' } });
  } catch (err) {
    if (err instanceof ApiError) {
      const body = err.problem as unknown as PromEnvelope<unknown> | undefined;
      // 503 stays an ApiError so useApi's retry-with-backoff applies to it.
      if (body?.error && err.status !== 503) throw new PromError(err.status, body.error, body.errorType);
    }
    throw err;
  }
  const body = (await res.json()) as PromEnvelope<T>;
  if (body.status !== 'success') throw new PromError(res.status, body.error ?? 'query failed', body.errorType);
  return body.data as T;
}

type Sample = [number, string];
interface MatrixSeries {
  metric: Labels;
  values: Sample[];
}
interface VectorSample {
  metric: Labels;
  value: Sample;
}
type QueryData =
  | { resultType: 'matrix'; result: MatrixSeries[] }
  | { resultType: 'vector'; result: VectorSample[] }
  | { resultType: 'scalar' | 'string'; result: Sample };

/** Steps the chart snaps to, in seconds: keeps axis ticks and refreshes on round times. */
const NICE_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];
export const TARGET_POINTS = 250;

/** The step for ~TARGET_POINTS points over the range, never below `minStepSec`. */
export function chooseStep(range: AbsoluteRange, minStepSec = 1): number {
  const raw = Math.max((range.toMs - range.fromMs) / 1000 / TARGET_POINTS, minStepSec, 1);
  return NICE_STEPS.find((s) => s >= raw) ?? Math.ceil(raw / 86400) * 86400;
}

export interface RangeQuery {
  query: string;
  range: AbsoluteRange;
  minStepSec?: number;
}

/**
 * A range query as one frame: `t` (epoch ms, the union of all timestamps) then one number
 * field per series (null where that series has no point), with labels, display name and a
 * stable color. meta: { stepSec, resultType }.
 */
export async function queryRange(p: RangeQuery, signal?: AbortSignal): Promise<DataFrame> {
  const step = chooseStep(p.range, p.minStepSec);
  // Align to the step so refreshes evaluate at the same instants and lines don't shimmer.
  const start = Math.floor(p.range.fromMs / 1000 / step) * step;
  const end = Math.ceil(p.range.toMs / 1000 / step) * step;
  const data = await promGet<QueryData>(
    withParams('/api/v1/query_range', { query: p.query, start, end, step }),
    signal,
  );
  return resultToFrame(data, step);
}

export function resultToFrame(data: QueryData, stepSec: number): DataFrame {
  let series: MatrixSeries[];
  if (data.resultType === 'matrix') series = data.result;
  else if (data.resultType === 'vector') series = data.result.map((s) => ({ metric: s.metric, values: [s.value] }));
  else series = [{ metric: {}, values: [data.result] }];

  // Sorted by label set so order (and with it colors and legend) is the same on every refresh.
  series = [...series].sort((a, b) => seriesKey(a.metric).localeCompare(seriesKey(b.metric)));
  const times = new Set<number>();
  for (const s of series) for (const [t] of s.values) times.add(Math.round(t * 1000));
  const t = [...times].sort((a, b) => a - b);
  const index = new Map(t.map((v, i) => [v, i]));
  const colors = seriesColors(series.map((s) => seriesKey(s.metric)));

  const fields: Field[] = [{ name: 't', type: 'time', values: t }];
  series.forEach((s, i) => {
    const values: Array<number | null> = new Array(t.length).fill(null);
    for (const [ts, v] of s.values) {
      const j = index.get(Math.round(ts * 1000));
      if (j !== undefined) values[j] = Number(v); // "NaN", "+Inf" parse to NaN/Infinity
    }
    fields.push({
      name: seriesKey(s.metric),
      type: 'number',
      values,
      labels: s.metric,
      config: { displayName: formatSeries(s.metric), color: colors[i] },
    });
  });
  return createFrame(fields, { stepSec, resultType: data.resultType, seriesCount: series.length });
}

// ---- names and metadata for autocomplete and the builder ----

export function fetchMetricNames(signal?: AbortSignal): Promise<string[]> {
  return promGet<string[]>('/api/v1/label/__name__/values', signal);
}

/** Label names, limited to the series of `metric` when given. */
export async function fetchLabelNames(metric: string | undefined, signal?: AbortSignal): Promise<string[]> {
  const names = await promGet<string[]>(
    metric ? withParams('/api/v1/labels', { 'match[]': selectorFor(metric) }) : '/api/v1/labels',
    signal,
  );
  return names.filter((n) => n !== '__name__');
}

export function fetchLabelValues(label: string, metric: string | undefined, signal?: AbortSignal): Promise<string[]> {
  const path = `/api/v1/label/${encodeURIComponent(label)}/values`;
  return promGet<string[]>(metric ? withParams(path, { 'match[]': selectorFor(metric) }) : path, signal);
}

export interface MetricMeta {
  type: string;
  help: string;
  unit: string;
}

export async function fetchMetadata(signal?: AbortSignal): Promise<Record<string, MetricMeta>> {
  const data = await promGet<Record<string, MetricMeta[]>>('/api/v1/metadata', signal);
  const out: Record<string, MetricMeta> = {};
  for (const [k, v] of Object.entries(data)) if (v[0]) out[k] = v[0];
  return out;
}

function selectorFor(metric: string): string {
  // Names with characters outside the classic grammar need the quoted form.
  return /^[a-zA-Z_:][a-zA-Z0-9_:]*$/.test(metric) ? metric : `{__name__=${JSON.stringify(metric)}}`;
}
