import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uncompress } from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { CLIENT_FIXTURES } from '../../../test/fixtures.ts';
import { LabelSetCache } from './label-set-cache.ts';
import { toMetricSamples } from './to-samples.ts';
import { encodeWriteRequest } from './write-request.fixture.ts';
import { decodeWriteRequest } from './write-request.ts';

const FIXTURES = join(CLIENT_FIXTURES, 'prometheus');
const bodies = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('-POST-api_v1_write.body.bin'))
  .map((f) => Buffer.from(uncompress(new Uint8Array(readFileSync(join(FIXTURES, f))))));

/** Decoded form without the cache's bookkeeping, for comparison. */
const plain = (body: Buffer, cache?: LabelSetCache) =>
  decodeWriteRequest(body, cache).timeseries.map(({ shared: _, ...s }) => ({ ...s, labels: [...s.labels] }));

describe('remote_write label cache', () => {
  it('decodes captured Prometheus bodies exactly as without it, first and second time', () => {
    expect(bodies.length).toBeGreaterThan(0);
    const cache = new LabelSetCache();
    for (const body of bodies) {
      const want = plain(body);
      expect(plain(body, cache)).toEqual(want);
      expect(plain(body, cache)).toEqual(want);
    }
  });

  it('hands back the same labels, and the same converted labels object, for a series seen again', () => {
    const cache = new LabelSetCache();
    const series = (value: number) => ({
      labels: [
        { name: '__name__', value: 'up' },
        { name: 'job', value: 'node' },
      ],
      samples: [{ value, timestampMs: 1000 + value }],
    });
    const first = decodeWriteRequest(encodeWriteRequest({ timeseries: [series(1)] }), cache);
    const second = decodeWriteRequest(encodeWriteRequest({ timeseries: [series(2)] }), cache);
    expect(second.timeseries[0]?.labels).toBe(first.timeseries[0]?.labels);
    expect(Object.isFrozen(first.timeseries[0]?.labels)).toBe(true);
    const [a] = toMetricSamples(first).samples;
    const [b] = toMetricSamples(second).samples;
    expect(b?.labels).toBe(a?.labels);
    expect(b).toEqual({ metric: 'up', labels: { job: 'node' }, tsMs: 1002, value: 2 });
    // Other labels, other bytes: no mix-up.
    const other = decodeWriteRequest(
      encodeWriteRequest({ timeseries: [{ ...series(3), labels: [{ name: '__name__', value: 'down' }] }] }),
      cache,
    );
    expect(toMetricSamples(other).samples[0]).toMatchObject({ metric: 'down', labels: {} });
  });

  it('a label after the samples extends a copy, never the shared list', () => {
    const cache = new LabelSetCache();
    const labels = [{ name: '__name__', value: 'm' }];
    decodeWriteRequest(
      encodeWriteRequest({ timeseries: [{ labels, samples: [{ value: 1, timestampMs: 1 }] }] }),
      cache,
    );
    // labels, samples, then one more label field: hand-assembled, as the encoder writes labels first.
    const head = encodeWriteRequest({ timeseries: [{ labels, samples: [{ value: 2, timestampMs: 2 }] }] });
    const late = Buffer.from([0x0a, 0x08, 0x0a, 0x01, 0x78, 0x12, 0x03, 0x79, 0x79, 0x79]); // label x="yyy"
    const inner = Buffer.concat([head.subarray(2), late]);
    const body = Buffer.concat([Buffer.from([0x0a, inner.length]), inner]);
    const decoded = decodeWriteRequest(body, cache);
    expect(decoded.timeseries[0]?.labels).toEqual([
      { name: '__name__', value: 'm' },
      { name: 'x', value: 'yyy' },
    ]);
    const again = decodeWriteRequest(head, cache);
    expect(again.timeseries[0]?.labels).toEqual([{ name: '__name__', value: 'm' }]);
  });
});
