import { type Attributes, formatRfc3339Nano, type LogLevel, type LogRecordView } from '@stellwerk/contracts';
import type { LogRow } from '../store/logs-repository.ts';

/** Turns a stored row into what the API returns: typed attributes merged back, times as written. */
export function toLogView(row: LogRow): LogRecordView {
  const attributes: Attributes = { ...row.attr_str };
  for (const [k, v] of Object.entries(row.attr_num)) attributes[k] = Number(v);
  for (const [k, v] of Object.entries(row.attr_bool)) attributes[k] = Number(v) === 1;
  const view: LogRecordView = {
    time: formatRfc3339Nano(row.ts_ns, row.tz_offset),
    observedTime: formatRfc3339Nano(row.obs_ns, 0),
    level: row.level as LogLevel,
    levelRaw: row.level_raw,
    service: row.service,
    host: row.host,
    message: row.message,
    attributes,
    resource: row.resource,
  };
  if (row.run_id) view.runId = row.run_id;
  if (row.trace_id) view.traceId = row.trace_id;
  if (row.span_id) view.spanId = row.span_id;
  return view;
}
