/** Parsing and checking of `stellwerk run` flags, with messages that say what to write instead. */

export class UsageError extends Error {}

/** `k=v` pairs from repeated --param/--tag flags; the value may contain `=`. */
export function parsePairs(flag: string, values: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const at = v.indexOf('=');
    if (at <= 0) throw new UsageError(`--${flag} ${JSON.stringify(v)}: write key=value, e.g. --${flag} lr=0.01`);
    out[v.slice(0, at)] = v.slice(at + 1);
  }
  return out;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

/** `500ms`, `1s`, `1.5s`, `2m`; `0` or `off` turns sampling off. */
export function parseInterval(text: string): number {
  const t = text.trim();
  if (t === '0' || t === 'off') return 0;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)$/.exec(t);
  const ms = m ? Number(m[1]) * (UNITS[m[2] as string] as number) : Number.NaN;
  if (!(ms >= 100 && ms <= 3_600_000)) {
    throw new UsageError(
      `--sample-interval ${JSON.stringify(text)}: give a duration from 100ms to 60m, e.g. 1s, or off`,
    );
  }
  return ms;
}
