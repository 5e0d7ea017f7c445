/**
 * A double as ProtoJSON writes it: a JSON number, a decimal string, or one of the special
 * values "NaN", "Infinity", "-Infinity". Undefined when `v` is none of these, so each caller
 * can refuse it in its own protocol's words.
 */
export function parseProtoJsonDouble(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v !== 'string') return undefined;
  if (v === 'NaN') return Number.NaN;
  if (v === 'Infinity') return Number.POSITIVE_INFINITY;
  if (v === '-Infinity') return Number.NEGATIVE_INFINITY;
  const n = Number(v);
  return v.trim() !== '' && !Number.isNaN(n) ? n : undefined;
}
