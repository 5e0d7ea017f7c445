import { describe, expect, it } from 'vitest';
import { type DeltaOutcome, DeltaToCumulative } from './delta-to-cumulative.ts';
import { decodeJsonRequest } from './json.ts';
import type { ExponentialHistogramPoint, HistogramPoint, NumberPoint } from './model.ts';
import { exponentialBuckets, toMetricSamples } from './to-samples.ts';

const T = 1_700_000_000_000;

function sum(startS: number, endS: number, value: number): { kind: 'sum'; point: NumberPoint } {
  const base = { attributes: [], flags: 0, exemplars: 0 };
  return { kind: 'sum', point: { ...base, startMs: startS && T + startS * 1000, timeMs: T + endS * 1000, value } };
}

function histogram(startS: number, endS: number, counts: number[], bounds = [1, 10]) {
  const point: HistogramPoint = {
    attributes: [],
    flags: 0,
    exemplars: 0,
    startMs: T + startS * 1000,
    timeMs: T + endS * 1000,
    count: counts.reduce((a, b) => a + b, 0),
    sum: counts.length,
    bucketCounts: counts,
    explicitBounds: bounds,
  };
  return { kind: 'histogram' as const, point };
}

function exponential(startS: number, endS: number, scale: number, offset: number, counts: number[], zeroThreshold = 0) {
  const point: ExponentialHistogramPoint = {
    attributes: [],
    flags: 0,
    exemplars: 0,
    startMs: T + startS * 1000,
    timeMs: T + endS * 1000,
    count: counts.reduce((a, b) => a + b, 0),
    sum: 1,
    scale,
    zeroCount: 0,
    zeroThreshold,
    positive: { offset, counts },
    negative: { offset: 0, counts: [] },
  };
  return { kind: 'exponentialHistogram' as const, point };
}

function value(o: DeltaOutcome): number | undefined {
  if (!o.ok) throw new Error(`refused: ${o.reason}`);
  return (o.point as NumberPoint).value;
}

function accumulator(limits: Partial<{ maxSeries: number; idleTimeoutMs: number }> = {}) {
  const clock = { now: 0 };
  const acc = new DeltaToCumulative({ maxSeries: 10, idleTimeoutMs: 60_000, ...limits }, () => clock.now);
  return { acc, clock };
}

describe('DELTA to CUMULATIVE', () => {
  it('adds contiguous points: each answer is the running total at the point end', () => {
    const { acc } = accumulator();
    const b = acc.batch();
    expect(value(b.add('s', sum(0, 10, 3)))).toBe(3);
    expect(value(b.add('s', sum(10, 20, 2)))).toBe(5);
    expect(value(b.add('s', sum(20, 30, 0)))).toBe(5);
    const last = b.add('s', sum(30, 40, 1));
    expect(last.ok && last.point.timeMs).toBe(T + 40_000);
    // The total keeps the series' first start.
    expect(last.ok && last.point.startMs).toBe(0);
    expect(value(acc.batch().add('other', sum(30, 40, 7)))).toBe(7);
  });

  it('continues across a gap (no recordings in between) and when the start time is unset', () => {
    const { acc } = accumulator();
    const b = acc.batch();
    expect(value(b.add('s', sum(1, 10, 3)))).toBe(3);
    expect(value(b.add('s', sum(50, 60, 4)))).toBe(7);
    expect(value(b.add('s', sum(0, 70, 1)))).toBe(8);
  });

  it('skips a resend of the last point and refuses older or overlapping points', () => {
    const { acc } = accumulator();
    const b = acc.batch();
    b.add('s', sum(0, 10, 3));
    b.add('s', sum(10, 20, 2));
    expect(b.add('s', sum(10, 20, 2))).toMatchObject({ ok: false, reason: 'delta_duplicate' });
    expect(b.add('s', sum(0, 10, 3))).toMatchObject({ ok: false, reason: 'delta_out_of_order' });
    expect(b.add('s', sum(5, 20, 3))).toMatchObject({ ok: false, reason: 'delta_out_of_order' });
    const overlap = b.add('s', sum(15, 30, 3));
    expect(overlap).toMatchObject({ ok: false, reason: 'delta_overlap' });
    expect(!overlap.ok && overlap.message).toMatch(/overlaps the last one added/);
    // None of them changed the total.
    expect(value(b.add('s', sum(20, 30, 1)))).toBe(6);
  });

  it('forgets series idle longer than the timeout: the next point starts a new total', () => {
    const { acc, clock } = accumulator({ idleTimeoutMs: 60_000 });
    acc.batch().add('idle', sum(0, 10, 5));
    clock.now = 30_000;
    acc.batch().add('busy', sum(0, 10, 1));
    clock.now = 61_000;
    const b = acc.batch();
    expect(acc.size).toBe(1);
    expect(value(b.add('idle', sum(10, 20, 2)))).toBe(2);
    expect(value(b.add('busy', sum(10, 20, 2)))).toBe(3);
  });

  it('refuses new series beyond the limit, keeps adding to tracked ones, and frees slots on expiry', () => {
    const { acc, clock } = accumulator({ maxSeries: 2, idleTimeoutMs: 60_000 });
    const b = acc.batch();
    b.add('a', sum(0, 10, 1));
    b.add('b', sum(0, 10, 1));
    const refused = b.add('c', sum(0, 10, 1));
    expect(refused).toMatchObject({ ok: false, reason: 'delta_series_limit' });
    expect(!refused.ok && refused.message).toMatch(/more than 2 DELTA series.*ingest\.otlpDeltaMaxSeries/);
    expect(value(b.add('a', sum(10, 20, 1)))).toBe(2);
    clock.now = 120_000;
    expect(value(acc.batch().add('c', sum(0, 10, 1)))).toBe(1);
  });

  it('undoes a refused request so that its resend is added once', () => {
    const { acc } = accumulator();
    acc.batch().add('s', sum(0, 10, 3));
    const failed = acc.batch();
    failed.add('s', sum(10, 20, 2));
    failed.add('new', sum(10, 20, 9));
    failed.rollback();
    expect(acc.size).toBe(1);
    const resend = acc.batch();
    expect(value(resend.add('s', sum(10, 20, 2)))).toBe(5);
    expect(value(resend.add('new', sum(10, 20, 9)))).toBe(9);
  });

  it('leaves a series alone on undo when a later request already added to it', () => {
    const { acc } = accumulator();
    const first = acc.batch();
    first.add('s', sum(0, 10, 3));
    acc.batch().add('s', sum(10, 20, 2));
    first.rollback();
    expect(value(acc.batch().add('s', sum(20, 30, 1)))).toBe(6);
  });

  it('adds histogram buckets, count and sum; other bounds start a new total', () => {
    const { acc } = accumulator();
    const b = acc.batch();
    b.add('h', histogram(0, 10, [1, 0, 2]));
    const total = b.add('h', histogram(10, 20, [0, 4, 1]));
    expect(total.ok && total.point).toMatchObject({
      bucketCounts: [1, 4, 3],
      count: 8,
      sum: 6,
      explicitBounds: [1, 10],
    });
    const reset = b.add('h', histogram(20, 30, [1, 1], [5]));
    expect(reset.ok && reset.point).toMatchObject({ bucketCounts: [1, 1], count: 2, explicitBounds: [5] });
  });

  it('adds exponential histograms of different scales at the coarser power-of-two resolution', () => {
    const { acc } = accumulator();
    const b = acc.batch();
    // Scale 1 buckets 0 and 1 ((1,√2] and (√2,2]) both lie in scale-0 bucket 0, (1,2].
    b.add('e', exponential(0, 10, 1, 0, [1, 2]));
    // Scale 0 bucket 1 is (2,4].
    const total = b.add('e', exponential(10, 20, 0, 1, [4]));
    expect(total.ok && total.point).toMatchObject({
      scale: 0,
      count: 7,
      sum: 2,
      positive: { offset: 0, counts: [3, 4] },
    });
    expect(exponentialBuckets(total.ok ? (total.point as ExponentialHistogramPoint) : ({} as never))).toEqual([
      [0, 0],
      [2, 3],
      [4, 7],
    ]);
    const reset = b.add('e', exponential(20, 30, 0, 1, [1], 0.5));
    expect(reset.ok && reset.point).toMatchObject({ count: 1, zeroThreshold: 0.5 });
  });
});

describe('DELTA points through the OTLP mapping', () => {
  const counter = (host: string, start: string, end: string, v: number) => ({
    resource: {
      attributes: [
        { key: 'service.name', value: { stringValue: 'svc' } },
        { key: 'host.name', value: { stringValue: host } },
      ],
    },
    scopeMetrics: [
      {
        metrics: [
          {
            name: 'jobs',
            sum: {
              aggregationTemporality: 1,
              isMonotonic: true,
              dataPoints: [{ startTimeUnixNano: `${start}000000000`, timeUnixNano: `${end}000000000`, asInt: v }],
            },
          },
        ],
      },
    ],
  });

  it('keys a series by all resource attributes, not only those that become labels', () => {
    const acc = new DeltaToCumulative({ maxSeries: 10, idleTimeoutMs: 60_000 });
    const send = (...rms: unknown[]) =>
      toMetricSamples(decodeJsonRequest(JSON.stringify({ resourceMetrics: rms })), acc.batch());
    send(counter('a', '1700000000', '1700000010', 3), counter('b', '1700000000', '1700000010', 10));
    const second = send(counter('a', '1700000010', '1700000020', 1), counter('b', '1700000010', '1700000020', 1));
    // Both are jobs_total{job="svc"}; host.name only reaches target_info, yet the totals stay apart.
    expect(second.samples.filter((s) => s.metric === 'jobs_total').map((s) => s.value)).toEqual([4, 11]);
    expect(second.metadata.find((m) => m.metric === 'jobs_total')?.type).toBe('counter');
  });

  it('reports refused DELTA points in partialSuccess terms and a resend as skipped only', () => {
    const acc = new DeltaToCumulative({ maxSeries: 10, idleTimeoutMs: 60_000 });
    const send = (rm: unknown) =>
      toMetricSamples(decodeJsonRequest(JSON.stringify({ resourceMetrics: [rm] })), acc.batch());
    send(counter('a', '1700000000', '1700000010', 3));
    const resent = send(counter('a', '1700000000', '1700000010', 3));
    expect(resent.rejectedPoints).toBe(0);
    expect(resent.skipped).toEqual({ delta_duplicate: 1 });
    const older = send(counter('a', '1699999990', '1700000005', 3));
    expect(older.rejectedPoints).toBe(1);
    expect(older.skipped).toEqual({ delta_out_of_order: 1 });
    expect(older.problems[0]).toMatch(/metric "jobs": a DELTA point ending at .* is not newer than the last one added/);
    // Invalid points are refused before they reach the running total.
    const backwards = send(counter('a', '1700000030', '1700000020', 3));
    expect(backwards.problems[0]).toMatch(/startTimeUnixNano after timeUnixNano/);
    expect(send(counter('a', '1700000010', '1700000020', 1)).samples[0]?.value).toBe(4);
  });
});
