import type { LogRecord } from '@stellwerk/contracts';

/**
 * Encodes records as JSONEachRow rows for the logs table. Written by hand because it is the
 * ingest hot path: one string per batch, no intermediate objects per row. Timestamps go as
 * integer nanoseconds, which the engine reads as DateTime64(9) ticks.
 */
export function encodeLogRecords(records: readonly LogRecord[]): string {
  let out = '';
  for (const r of records) {
    let str = '';
    let num = '';
    let bool = '';
    for (const key in r.attributes) {
      const value = r.attributes[key];
      const k = JSON.stringify(key);
      if (typeof value === 'number') {
        // JSON has no NaN/Infinity: such values are kept as text rather than lost.
        if (Number.isFinite(value)) num += `${num ? ',' : ''}${k}:${value}`;
        else str += `${str ? ',' : ''}${k}:"${String(value)}"`;
      } else if (typeof value === 'boolean') {
        bool += `${bool ? ',' : ''}${k}:${value ? 1 : 0}`;
      } else {
        str += `${str ? ',' : ''}${k}:${JSON.stringify(value)}`;
      }
    }
    let res = '';
    for (const key in r.resource) res += `${res ? ',' : ''}${JSON.stringify(key)}:${JSON.stringify(r.resource[key])}`;
    out +=
      `{"ts":${r.ts},"tz_offset":${r.tzOffsetMin | 0},"observed_ts":${r.observedTs},` +
      `"service":${JSON.stringify(r.service)},"host":${JSON.stringify(r.host)},"level":"${r.level}",` +
      `"level_raw":${JSON.stringify(r.levelRaw)},"message":${JSON.stringify(r.message)},` +
      `"attr_str":{${str}},"attr_num":{${num}},"attr_bool":{${bool}},"resource":{${res}},` +
      `"run_id":${JSON.stringify(r.runId)},"trace_id":${JSON.stringify(r.traceId)},"span_id":${JSON.stringify(r.spanId)}}\n`;
  }
  return out;
}
