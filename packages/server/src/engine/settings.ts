/**
 * Per-request settings. ClickHouse applies URL settings to one request only, while chDB's
 * `SET` sticks to the connection. A session slot therefore tracks exactly which settings it
 * has changed (its overlay) and, before each request, issues one `SET` that moves the
 * connection from the previous request's settings to this one's. Identical settings on
 * consecutive requests (the common case: a client with fixed `clickhouse_settings`) cost
 * nothing.
 */

export type SettingsMap = ReadonlyMap<string, string>;

/** URL parameters of ClickHouse's HTTP interface that are not engine settings. */
const HTTP_ONLY = new Set([
  'query',
  'query_id',
  'database',
  'default_format',
  'session_id',
  'session_timeout',
  'session_check',
  'user',
  'password',
  'quota_key',
  'role',
  'compress',
  'decompress',
  'buffer_size',
  'wait_end_of_query',
  'client_protocol_version',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_native_compression_disable_checksumming_on_decompress',
  'send_progress_in_http_headers',
  'http_headers_progress_interval_ms',
  'http_wait_end_of_query',
  'http_response_buffer_size',
  'add_http_cors_header',
  'cancel_http_readonly_queries_on_client_close',
]);

export function isHttpOnlyParam(name: string): boolean {
  return HTTP_ONLY.has(name) || name.startsWith('param_');
}

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isValidSettingName(name: string): boolean {
  return SETTING_NAME.test(name);
}

/** A ClickHouse string literal; settings accept strings for every type, as over HTTP. */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/**
 * The `SET` statement that turns a connection running with `current` (overlay over
 * `baseline`) into one running with `target`, or null when nothing changes. Settings that
 * leave the overlay go back to their baseline value, or to DEFAULT when the baseline does
 * not set them.
 */
export function settingsTransition(baseline: SettingsMap, current: SettingsMap, target: SettingsMap): string | null {
  const parts: string[] = [];
  for (const [k, v] of target) {
    if (current.get(k) !== v) parts.push(`${k} = ${quoteLiteral(v)}`);
  }
  for (const k of current.keys()) {
    if (target.has(k)) continue;
    const base = baseline.get(k);
    parts.push(base === undefined ? `${k} = DEFAULT` : `${k} = ${quoteLiteral(base)}`);
  }
  return parts.length > 0 ? `SET ${parts.join(', ')}` : null;
}

/** Drops the settings a request gives at the value the connection already has by baseline. */
export function overlayOf(baseline: SettingsMap, requested: SettingsMap): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of requested) {
    if (baseline.get(k) !== v) out.set(k, v);
  }
  return out;
}

/** A stable key for a set of settings, to share readonly connections between equal requests. */
export function settingsSignature(settings: SettingsMap): string {
  return [...settings.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}
