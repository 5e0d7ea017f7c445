import type {
  FacetResponse,
  LogHistogramResponse,
  LogLevel,
  LogRecordView,
  LogSearchResponse,
} from '@stellwerk/contracts';
import { StellwerkError } from '../errors.ts';
import type { LogsRepository, SearchCursor, TimeRange } from '../store/logs-repository.ts';
import type { Sql } from '../store/sql.ts';
import { histogramStepMs } from './histogram-step.ts';
import { compileLogQuery } from './log-query-compiler.ts';
import { parseLogQuery, QueryParseError } from './log-query-parser.ts';
import { toLogView } from './log-view.ts';

/** Log search: compiles the search language and shapes the store's answers for the API. */
export class LogSearch {
  constructor(private readonly repo: LogsRepository) {}

  compile(query: string): Sql {
    try {
      return compileLogQuery(parseLogQuery(query));
    } catch (err) {
      if (err instanceof QueryParseError)
        throw new StellwerkError('STW_ERR_BAD_QUERY', err.message, { position: err.position });
      throw err;
    }
  }

  async search(query: string, range: TimeRange, limit: number, cursorText?: string): Promise<LogSearchResponse> {
    const condition = this.compile(query);
    const cursor = cursorText ? decodeCursor(cursorText) : undefined;
    const rows = await this.repo.search(condition, range, limit + 1, cursor);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      records: page.map(toLogView),
      next: rows.length > limit && last ? encodeCursor({ tsNs: last.ts_ns, h: last.h }) : null,
    };
  }

  async histogram(query: string, nsRange: TimeRange, buckets: number): Promise<LogHistogramResponse> {
    const condition = this.compile(query);
    const range = {
      fromMs: Number(BigInt(nsRange.fromNs) / 1_000_000n),
      toMs: Number(BigInt(nsRange.toNs) / 1_000_000n),
    };
    const stepMs = histogramStepMs(range.toMs - range.fromMs, buckets);
    const rows = await this.repo.histogram(condition, nsRange, stepMs);
    const byBucket = new Map<number, { t: number; count: number; byLevel: Partial<Record<LogLevel, number>> }>();
    // Every bucket is present, empty ones with 0, so charts need not guess at gaps.
    const first = Math.floor(range.fromMs / stepMs) * stepMs;
    for (let t = first; t < range.toMs; t += stepMs) byBucket.set(t, { t, count: 0, byLevel: {} });
    let total = 0;
    for (const row of rows) {
      const t = Number(row.t);
      const c = Number(row.c);
      const bucket = byBucket.get(t) ?? { t, count: 0, byLevel: {} };
      bucket.count += c;
      bucket.byLevel[row.level as LogLevel] = (bucket.byLevel[row.level as LogLevel] ?? 0) + c;
      byBucket.set(t, bucket);
      total += c;
    }
    return { stepMs, buckets: [...byBucket.values()].sort((a, b) => a.t - b.t), total };
  }

  async facet(query: string, range: TimeRange, field: string, limit: number): Promise<FacetResponse> {
    const rows = await this.repo.facet(this.compile(query), range, field, limit);
    return { field, values: rows.map((r) => ({ value: r.value, count: Number(r.c) })) };
  }

  fields(range: TimeRange): Promise<Array<{ name: string; type: string }>> {
    return this.repo.fields(range);
  }

  /** The next records to arrive after `afterObservedNs`, and the arrival mark to continue from. */
  async arrivedAfter(condition: Sql, afterObservedNs: string): Promise<{ records: LogRecordView[]; mark: string }> {
    const rows = await this.repo.arrivedAfter(condition, afterObservedNs, 1000);
    const last = rows[rows.length - 1];
    return { records: rows.map(toLogView), mark: last ? last.obs_ns : afterObservedNs };
  }
}

function encodeCursor(cursor: SearchCursor): string {
  return Buffer.from(`${cursor.tsNs}:${cursor.h}`).toString('base64url');
}

function decodeCursor(text: string): SearchCursor {
  const [tsNs, h] = Buffer.from(text, 'base64url').toString('utf8').split(':');
  if (!tsNs || !h || !/^\d+$/.test(tsNs) || !/^\d+$/.test(h)) {
    throw new StellwerkError(
      'STW_ERR_BAD_REQUEST',
      'The cursor is not one this server issued; start again without `cursor`.',
    );
  }
  return { tsNs, h };
}
