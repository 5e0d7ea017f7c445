import type { FacetResponse, LogHistogramResponse, LogRecordView, LogSearchResponse } from '@stellwerk/contracts';
import { apiFetch, getJson, withParams } from '../../../shared/api/client.ts';
import { createFrame, type DataFrame } from '../../../shared/frame/frame.ts';
import type { AbsoluteRange } from '../../../shared/time/range.ts';

/** Level groups the histogram stacks; everything but error/warn is "other". */
export const LEVEL_GROUPS = [
  { name: 'other', label: 'other', color: '#8da2bd' },
  { name: 'warn', label: 'warn', color: '#e0a526' },
  { name: 'error', label: 'error', color: '#d64545' },
] as const;

export interface SearchParams {
  query: string;
  range: AbsoluteRange;
}

const rangeParams = (r: AbsoluteRange) => ({ from: Math.floor(r.fromMs), to: Math.ceil(r.toMs) });

export function searchLogs(p: SearchParams & { limit?: number; cursor?: string | null }, signal?: AbortSignal) {
  return getJson<LogSearchResponse>(
    withParams('/api/v1/logs', {
      query: p.query,
      ...rangeParams(p.range),
      limit: p.limit ?? 100,
      cursor: p.cursor ?? undefined,
    }),
    signal,
  );
}

/** True when the store holds no logs at all: tells "nothing ingested yet" from "no matches". */
export async function storeIsEmpty(signal?: AbortSignal): Promise<boolean> {
  const res = await getJson<LogSearchResponse>(
    withParams('/api/v1/logs', { query: '', from: 0, to: Date.now() + 86_400_000, limit: 1 }),
    signal,
  );
  return res.records.length === 0;
}

/**
 * Histogram as a frame: `t` (bucket start, epoch ms) then one count per level group.
 * meta: { stepMs, total }.
 */
export async function fetchHistogram(p: SearchParams & { buckets?: number }, signal?: AbortSignal): Promise<DataFrame> {
  const res = await getJson<LogHistogramResponse>(
    withParams('/api/v1/logs/histogram', { query: p.query, ...rangeParams(p.range), buckets: p.buckets ?? 80 }),
    signal,
  );
  return histogramToFrame(res);
}

export function histogramToFrame(res: LogHistogramResponse): DataFrame {
  const t: number[] = [];
  const groups: Record<string, number[]> = { other: [], warn: [], error: [] };
  for (const b of res.buckets) {
    t.push(b.t);
    const error = (b.byLevel.error ?? 0) + (b.byLevel.fatal ?? 0);
    const warn = b.byLevel.warn ?? 0;
    groups.error?.push(error);
    groups.warn?.push(warn);
    groups.other?.push(Math.max(0, b.count - error - warn));
  }
  return createFrame(
    [
      { name: 't', type: 'time', values: t, config: { unit: 'ms' } },
      ...LEVEL_GROUPS.map((g) => ({
        name: g.name,
        type: 'number' as const,
        values: groups[g.name] ?? [],
        config: { displayName: g.label, color: g.color },
      })),
    ],
    { stepMs: res.stepMs, total: res.total },
    'histogram',
  );
}

/** Facet values as a frame with `value` and `count` fields. */
export async function fetchFacet(
  p: SearchParams & { field: string; limit?: number },
  signal?: AbortSignal,
): Promise<DataFrame> {
  const res = await getJson<FacetResponse>(
    withParams('/api/v1/logs/facets', {
      query: p.query,
      ...rangeParams(p.range),
      field: p.field,
      limit: p.limit ?? 10,
    }),
    signal,
  );
  return createFrame(
    [
      { name: 'value', type: 'string', values: res.values.map((v) => v.value) },
      { name: 'count', type: 'number', values: res.values.map((v) => v.count) },
    ],
    { field: res.field },
    `facet:${res.field}`,
  );
}

/** The columns the table shows, plus the full record for the expanded view. */
export function recordsToFrame(records: LogRecordView[]): DataFrame {
  return createFrame(
    [
      { name: 'time', type: 'time', values: records.map((r) => r.time), config: { displayName: 'Time' } },
      { name: 'level', type: 'string', values: records.map((r) => r.level), config: { displayName: 'Level' } },
      { name: 'service', type: 'string', values: records.map((r) => r.service), config: { displayName: 'Service' } },
      { name: 'host', type: 'string', values: records.map((r) => r.host), config: { displayName: 'Host' } },
      { name: 'message', type: 'string', values: records.map((r) => r.message), config: { displayName: 'Message' } },
      { name: 'record', type: 'other', values: records },
    ],
    undefined,
    'logs',
  );
}

/**
 * Streams new matching records from the SSE tail endpoint. fetch() rather than EventSource
 * because EventSource cannot send the Authorization header. Resolves when the server ends
 * the stream; rejects on network errors; stops silently when `signal` aborts.
 */
export async function streamTail(
  query: string,
  signal: AbortSignal,
  onRecord: (r: LogRecordView) => void,
  onOpen?: () => void,
  onServerError?: (detail: string) => void,
): Promise<void> {
  const res = await apiFetch(withParams('/api/v1/logs/tail', { query }), {
    signal,
    headers: { Accept: 'text/event-stream' },
    cache: 'no-store',
  });
  if (!res.body) throw new Error('The tail response has no body.');
  onOpen?.();
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += value;
      // Events end with a blank line; normalise CRLF so one split handles both.
      buf = buf.replace(/\r\n?/g, '\n');
      let end = buf.indexOf('\n\n');
      while (end >= 0) {
        const event = buf.slice(0, end);
        buf = buf.slice(end + 2);
        let type = 'message';
        const data: string[] = [];
        for (const line of event.split('\n')) {
          // Lines starting with ':' are comments (keepalives) and are skipped.
          if (line.startsWith('data:')) data.push(line.slice(line.startsWith('data: ') ? 6 : 5));
          else if (line.startsWith('event:')) type = line.slice(6).trim();
        }
        if (data.length) {
          try {
            const payload: unknown = JSON.parse(data.join('\n'));
            // `event: error` carries {detail} when the store hiccups; the server keeps polling.
            if (type === 'message') onRecord(payload as LogRecordView);
            else if (type === 'error') onServerError?.(String((payload as { detail?: unknown }).detail ?? ''));
          } catch {
            // a malformed event should not end the stream
          }
        }
        end = buf.indexOf('\n\n');
      }
    }
  } finally {
    reader.cancel().catch(() => {});
  }
}
