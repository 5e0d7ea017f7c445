import type { MetricMetadata, MetricSample } from '@stellwerk/contracts';
import type { MetricsIngest } from '../../pipeline/metrics-ingest.ts';
import type { ParsedSample } from '../exposition/parse.ts';

export const RECEIVER = 'pushgateway';
/** How often a group's last values are written again, so instant queries keep seeing them. */
export const DEFAULT_REFRESH_MS = 60_000;

/** A group as persisted: what is needed to resume re-writing it after a restart. */
export interface StoredPushGroup {
  key: string;
  grouping: Record<string, string>;
  series: Array<{ metric: string; labels: Record<string, string>; value: number; family: string }>;
  metadata: MetricMetadata[];
  pushTimeSec: number;
  failureTimeSec: number;
  /** Orders the saves and removes of one group: the latest wins. */
  updatedMs: number;
}

/**
 * Where groups are kept across restarts; absent, they live in memory only. Declared here, not
 * imported, because receivers do not depend on the store (architecture.test.ts): the store's
 * PushGroupsRepository matches it structurally and app.ts plugs it in.
 */
export interface PushGroupsPersistence {
  save(group: StoredPushGroup): Promise<void>;
  remove(key: string, atMs: number): Promise<void>;
  loadAll(): Promise<StoredPushGroup[]>;
}

interface GroupSeries {
  metric: string;
  labels: Record<string, string>;
  value: number;
  family: string;
}

interface Group {
  grouping: Record<string, string>;
  /** Series key → its last pushed value. */
  series: Map<string, GroupSeries>;
  /** The pushed families' metadata, kept so a restored group still has it. */
  metadata: MetricMetadata[];
  pushTimeSec: number;
  failureTimeSec: number;
}

/**
 * The Pushgateway's groups, kept in memory: every push writes the group's whole current state
 * at push time, and a timer writes it again every `refreshMs` until the group is deleted. That
 * is what a Prometheus scraping a Pushgateway would store, so PromQL needs no special case:
 * an instant query finds a sample inside its lookback as long as the group exists.
 */
export class PushGroups {
  private readonly groups = new Map<string, Group>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly ingest: MetricsIngest,
    private readonly log: { warn(obj: object, msg: string): void } | undefined,
    readonly refreshMs = DEFAULT_REFRESH_MS,
    private readonly persistence?: PushGroupsPersistence,
  ) {}

  /** At start: the groups persisted before a restart, so their re-writing resumes. */
  load(stored: StoredPushGroup[]): void {
    for (const g of stored) {
      const series = new Map<string, GroupSeries>();
      for (const s of g.series) series.set(seriesKey(s.metric, s.labels), s);
      this.groups.set(groupKey(g.grouping), {
        grouping: g.grouping,
        series,
        metadata: g.metadata,
        pushTimeSec: g.pushTimeSec,
        failureTimeSec: g.failureTimeSec,
      });
    }
  }

  start(): void {
    this.timer = setInterval(() => {
      this.refresh(Date.now()).catch((err) => this.log?.warn({ err }, 'pushgateway: re-writing groups failed'));
    }, this.refreshMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get size(): number {
    return this.groups.size;
  }

  /**
   * PUT (replace = true) or POST. Grouping labels override the pushed ones, as in the
   * Pushgateway's sanitizeLabels. Series that a PUT (or a POST of the same family) drops get a
   * staleness marker, which is what a scrape of the Pushgateway would have produced.
   */
  async push(
    grouping: Record<string, string>,
    pushed: ParsedSample[],
    metadata: MetricMetadata[],
    replace: boolean,
    nowMs: number,
  ): Promise<{ accepted: number; errors: string[] }> {
    const key = groupKey(grouping);
    const old = this.groups.get(key);
    const next = new Map<string, GroupSeries>();
    const families = new Set<string>();
    for (const s of pushed) families.add(s.family);
    if (old && !replace) {
      for (const [k, s] of old.series) if (!families.has(s.family)) next.set(k, s);
    }
    for (const s of pushed) {
      const labels = { ...s.labels, ...grouping };
      next.set(seriesKey(s.metric, labels), { metric: s.metric, labels, value: s.value, family: s.family });
    }
    const keptMetadata = old && !replace ? old.metadata.filter((m) => !families.has(m.metric)) : [];
    const group: Group = {
      grouping,
      series: next,
      metadata: [...keptMetadata, ...metadata],
      pushTimeSec: nowMs / 1000,
      failureTimeSec: old?.failureTimeSec ?? 0,
    };
    this.groups.set(key, group);
    const samples = this.samplesOf(group, nowMs);
    if (old) for (const [k, s] of old.series) if (!next.has(k)) samples.push(staleSample(s, nowMs));
    const result = await this.ingest.ingest(samples, {
      receiver: RECEIVER,
      metadata: metadata.length ? metadata : undefined,
    });
    // After the samples, so a stored group never claims values that were not written.
    await this.persistence?.save(stored(key, group, nowMs));
    return {
      accepted: result.accepted,
      errors: result.errors.map((e) => `${describe(samples[e.index])}: ${e.reason}`),
    };
  }

  /** A push that failed to parse: the Pushgateway records the time on an existing group. */
  async failed(grouping: Record<string, string>, nowMs: number): Promise<void> {
    const key = groupKey(grouping);
    const group = this.groups.get(key);
    if (!group) return;
    group.failureTimeSec = nowMs / 1000;
    await this.ingest.ingest(this.samplesOf(group, nowMs).slice(-2), { receiver: RECEIVER });
    await this.persistence?.save(stored(key, group, nowMs));
  }

  /** DELETE: forgets the group and ends all its series with staleness markers. */
  async delete(grouping: Record<string, string>, nowMs: number): Promise<boolean> {
    const key = groupKey(grouping);
    const group = this.groups.get(key);
    if (!group) return false;
    this.groups.delete(key);
    const samples = this.samplesOf(group, nowMs).map((s) => ({ ...s, value: Number.NaN, stale: true }));
    await this.ingest.ingest(samples, { receiver: RECEIVER });
    await this.persistence?.remove(key, nowMs);
    return true;
  }

  /** Writes every group's current values at `nowMs` (the timer passes the wall clock). */
  async refresh(nowMs: number): Promise<void> {
    const samples: MetricSample[] = [];
    for (const group of this.groups.values()) {
      for (const s of this.samplesOf(group, nowMs)) samples.push(s);
    }
    if (samples.length > 0) await this.ingest.ingest(samples, { receiver: RECEIVER });
  }

  /** The group's series plus push_time_seconds and push_failure_time_seconds, at `nowMs`. */
  private samplesOf(group: Group, nowMs: number): MetricSample[] {
    const out: MetricSample[] = [];
    for (const s of group.series.values())
      out.push({ metric: s.metric, labels: s.labels, tsMs: nowMs, value: s.value });
    out.push({ metric: 'push_time_seconds', labels: group.grouping, tsMs: nowMs, value: group.pushTimeSec });
    out.push({ metric: 'push_failure_time_seconds', labels: group.grouping, tsMs: nowMs, value: group.failureTimeSec });
    return out;
  }

  /** For GET /api/v1/metrics: the groups as the Pushgateway lists them (simplified). */
  list(): Array<{ labels: Record<string, string>; pushTimeSec: number; failureTimeSec: number; series: number }> {
    return [...this.groups.values()].map((g) => ({
      labels: g.grouping,
      pushTimeSec: g.pushTimeSec,
      failureTimeSec: g.failureTimeSec,
      series: g.series.size,
    }));
  }
}

function stored(key: string, group: Group, nowMs: number): StoredPushGroup {
  return {
    key,
    grouping: group.grouping,
    series: [...group.series.values()],
    metadata: group.metadata,
    pushTimeSec: group.pushTimeSec,
    failureTimeSec: group.failureTimeSec,
    updatedMs: nowMs,
  };
}

function staleSample(s: GroupSeries, tsMs: number): MetricSample {
  return { metric: s.metric, labels: s.labels, tsMs, value: Number.NaN, stale: true };
}

function groupKey(grouping: Record<string, string>): string {
  return JSON.stringify(Object.entries(grouping).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function seriesKey(metric: string, labels: Record<string, string>): string {
  return `${metric}\u0000${groupKey(labels)}`;
}

function describe(s: MetricSample | undefined): string {
  if (!s) return '?';
  const pairs = Object.entries(s.labels)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
  return `${s.metric}{${pairs}}`;
}
