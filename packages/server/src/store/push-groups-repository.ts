import { createHash } from 'node:crypto';
import type { MetricMetadata } from '@stellwerk/contracts';
import type { Store } from './client.ts';
import { sql } from './sql.ts';

export interface StoredPushSeries {
  metric: string;
  labels: Record<string, string>;
  value: number;
  family: string;
}

/** A Pushgateway group as persisted: what the receiver needs to resume re-writing it. */
export interface StoredPushGroup {
  key: string;
  grouping: Record<string, string>;
  series: StoredPushSeries[];
  metadata: MetricMetadata[];
  pushTimeSec: number;
  failureTimeSec: number;
  /** Orders the rows of one group: the latest save or remove wins. */
  updatedMs: number;
}

interface Row {
  key: string;
  grouping: Record<string, string>;
  samples: string;
  metadata: string;
  push_time: number | string;
  failure_time: number | string;
  updated_ms: string;
}

/** The `push_groups` table: the Pushgateway receiver's groups, one latest row per group key. */
export class PushGroupsRepository {
  constructor(private readonly store: Store) {}

  save(group: StoredPushGroup): Promise<void> {
    return this.insert({
      key: group.key,
      job: group.grouping.job ?? '',
      grouping: group.grouping,
      // Values as text: JSON has no NaN or infinities, which gauges may hold.
      samples: JSON.stringify(group.series.map((s) => ({ ...s, value: String(s.value) }))),
      metadata: JSON.stringify(group.metadata),
      push_time: group.pushTimeSec,
      failure_time: group.failureTimeSec,
      updated: Math.trunc(group.updatedMs),
      deleted: 0,
    });
  }

  /** A tombstone row: it outranks every earlier save of the group. */
  remove(key: string, atMs = Date.now()): Promise<void> {
    return this.insert({
      key,
      job: '',
      grouping: {},
      samples: '[]',
      metadata: '[]',
      push_time: 0,
      failure_time: 0,
      updated: Math.trunc(atMs),
      deleted: 1,
    });
  }

  async loadAll(): Promise<StoredPushGroup[]> {
    const rows = await this.store.query<Row>(sql`
      SELECT key, grouping, samples, metadata, push_time, failure_time,
        toString(toUnixTimestamp64Milli(updated)) AS updated_ms
      FROM push_groups FINAL
      WHERE deleted = 0
      ORDER BY key`);
    return rows.map((r) => ({
      key: r.key,
      grouping: r.grouping,
      series: (JSON.parse(r.samples) as Array<Omit<StoredPushSeries, 'value'> & { value: string }>).map((s) => ({
        ...s,
        value: Number(s.value),
      })),
      metadata: JSON.parse(r.metadata) as MetricMetadata[],
      pushTimeSec: Number(r.push_time),
      failureTimeSec: Number(r.failure_time),
      updatedMs: Number(r.updated_ms),
    }));
  }

  private insert(row: Record<string, unknown>): Promise<void> {
    const body = Buffer.from(`${JSON.stringify(row)}\n`);
    // Same content, same token: a retried insert is a no-op, and a repeat is the same row anyway.
    const token = `push_groups:${createHash('sha256').update(body).digest('hex')}`;
    return this.store.insertJsonEachRow('push_groups', body, token);
  }
}
