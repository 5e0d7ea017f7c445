/**
 * `2021-01-06T17:44:13.368024402-08:00` → `2021-01-06 17:44:13.368024402 -08:00`: the time as
 * the source wrote it, offset included, never converted to the viewer's zone.
 */
export function formatRecordTime(rfc3339: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2}(?:\.\d+)?)(Z|[+-]\d{2}:?\d{2})?$/.exec(rfc3339);
  if (!m) return rfc3339;
  const off = m[3] === 'Z' || !m[3] ? '+00:00' : m[3];
  return `${m[1]} ${m[2]} ${off}`;
}

export function typeOf(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'float';
  if (typeof v === 'boolean') return 'bool';
  return 'string';
}
