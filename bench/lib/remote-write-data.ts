/**
 * node-exporter-like data for the remote_write benchmark: `instances` targets × `metrics`
 * gauges/counters every 15 s, as remote_write requests (protobuf + snappy) and as the same
 * samples in Prometheus text with timestamps (for VictoriaMetrics' text import).
 * The WriteRequest is encoded here by hand from the remote_write 1.0 schema: the benchmark
 * needs only labels and samples, and a generator keeps the product's decoder out of the test.
 */
import snappy from 'snappyjs';

const te = new TextEncoder();

function varint(out: number[], n: number): void {
  let v = n;
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

function bytesField(out: number[], field: number, data: Uint8Array | number[]): void {
  out.push((field << 3) | 2);
  varint(out, data.length);
  for (const b of data) out.push(b);
}

function label(name: string, value: string): number[] {
  const out: number[] = [];
  bytesField(out, 1, te.encode(name));
  bytesField(out, 2, te.encode(value));
  return out;
}

function sample(value: number, tsMs: number): number[] {
  const out: number[] = [(1 << 3) | 1];
  const buf = Buffer.alloc(8);
  buf.writeDoubleLE(value);
  out.push(...buf);
  out.push(2 << 3);
  varint(out, tsMs);
  return out;
}

export interface RemoteWriteData {
  /** snappy-compressed WriteRequests. */
  requests: Buffer[];
  /** The same samples as Prometheus text lines with millisecond timestamps, one body per request. */
  texts: Buffer[];
  samples: number;
  endMs: number;
}

/** `requests` bodies of `seriesPerRequest` series with one sample each; time advances per round. */
export function remoteWriteBatches(
  instances: number,
  metrics: number,
  requests: number,
  seriesPerRequest: number,
): RemoteWriteData {
  const totalSeries = instances * metrics;
  const rounds = Math.ceil((requests * seriesPerRequest) / totalSeries);
  const endMs = Date.now() - 60_000;
  const startMs = endMs - rounds * 15_000;
  const out: RemoteWriteData = { requests: [], texts: [], samples: 0, endMs };
  let k = 0;
  for (let r = 0; r < requests; r++) {
    const body: number[] = [];
    let text = '';
    for (let i = 0; i < seriesPerRequest; i++, k++) {
      const series = k % totalSeries;
      const round = Math.floor(k / totalSeries);
      const instance = `10.0.${Math.floor(series / metrics / 250)}.${Math.floor(series / metrics) % 250}:9100`;
      const metric = `node_bench_metric_${series % metrics}`;
      const tsMs = startMs + round * 15_000;
      const value = (series % 7) * 1000 + round * ((series % 5) + 1);
      const labelsAndSample: number[] = [];
      bytesField(labelsAndSample, 1, label('__name__', metric));
      bytesField(labelsAndSample, 1, label('instance', instance));
      bytesField(labelsAndSample, 1, label('job', 'node'));
      bytesField(labelsAndSample, 2, sample(value, tsMs));
      bytesField(body, 1, labelsAndSample);
      text += `${metric}{instance="${instance}",job="node"} ${value} ${tsMs}\n`;
      out.samples++;
    }
    out.requests.push(Buffer.from(snappy.compress(Uint8Array.from(body))));
    out.texts.push(Buffer.from(text));
  }
  return out;
}
