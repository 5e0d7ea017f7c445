/**
 * JSONEachRow rows for the metrics tables. Hand-written like the logs encoder: the ingest hot
 * path. Timestamps are integer milliseconds (DateTime64(3) ticks); fingerprints are decimal
 * UInt64 strings written as bare numbers, which the engine reads exactly.
 */
export function encodeSampleRow(
  metric: string,
  fingerprint: string,
  tsMs: number,
  value: number,
  stale = false,
): string {
  return `{"metric":${JSON.stringify(metric)},"fingerprint":${fingerprint},"ts":${Math.trunc(tsMs)},"value":${floatJson(value)}${stale ? ',"stale":1' : ''}}\n`;
}

export function encodeSeriesRow(
  metric: string,
  fingerprint: string,
  labels: Record<string, string>,
  seenMs: number,
): string {
  let map = '';
  for (const k in labels) map += `${map ? ',' : ''}${JSON.stringify(k)}:${JSON.stringify(labels[k])}`;
  return `{"metric":${JSON.stringify(metric)},"fingerprint":${fingerprint},"labels":{${map}},"last_seen":${Math.trunc(seenMs)}}\n`;
}

/** JSON has no NaN or infinities; the engine reads these quoted spellings as Float64. */
function floatJson(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return '"nan"';
  return v > 0 ? '"inf"' : '"-inf"';
}
