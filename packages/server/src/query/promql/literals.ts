import { badData } from './errors.ts';

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

/** Prometheus duration (`1h30m`, `15s`, `100ms`) to milliseconds; null if not a duration. */
export function parseDurationMs(text: string): number | null {
  const re = /(\d+)(ms|y|w|d|h|m|s)/gy;
  let total = 0;
  let pos = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * (UNIT_MS[m[2] as string] ?? 0);
    pos = re.lastIndex;
  }
  return pos === text.length && pos > 0 ? total : null;
}

/** A PromQL number literal: decimal, hex, Inf/NaN, or (newer Prometheus) a duration in seconds. */
export function parseNumber(text: string): number {
  const t = text.replace(/_/g, '');
  const lower = t.toLowerCase();
  if (lower === 'inf' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf') return Number.NEGATIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  if (/^0x[0-9a-f]+$/i.test(t)) return Number.parseInt(t.slice(2), 16);
  const d = parseDurationMs(t);
  if (d !== null && !/^[\d.]+(e[+-]?\d+)?$/i.test(t)) return d / 1000;
  const n = Number(t);
  if (Number.isNaN(n)) throw badData(`parse error: bad number or duration syntax: "${text}"`);
  return n;
}

/** Go's strconv.Unquote for the three PromQL string forms. */
export function unquote(text: string): string {
  const q = text[0];
  if (text.length < 2 || text[text.length - 1] !== q) throw badData(`parse error: unterminated quoted string ${text}`);
  const body = text.slice(1, -1);
  if (q === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i] as string;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = body[++i];
    switch (n) {
      case 'a':
        out += '\x07';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
      case '"':
      case "'":
        out += n;
        break;
      case 'x':
      case 'u':
      case 'U': {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = body.slice(i + 1, i + 1 + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw badData(`parse error: invalid escape in ${text}`);
        out += String.fromCodePoint(Number.parseInt(hex, 16));
        i += len;
        break;
      }
      default: {
        const oct = body.slice(i, i + 3);
        if (/^[0-7]{3}$/.test(oct)) {
          out += String.fromCharCode(Number.parseInt(oct, 8));
          i += 2;
          break;
        }
        throw badData(`parse error: invalid escape sequence \\${n ?? ''} in ${text}`);
      }
    }
  }
  return out;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), the way Prometheus prints sample values. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  const s = String(v);
  if (!s.includes('e')) return s;
  // Expand JS exponent notation: shortest round-trip digits, no exponent.
  const [mant = '', expText = '0'] = s.split('e');
  const neg = mant.startsWith('-');
  const digits = mant.replace('-', '').replace('.', '');
  const intLen = (mant.replace('-', '').split('.')[0] ?? '').length;
  const point = intLen + Number(expText);
  let out: string;
  if (point <= 0) out = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) out = digits + '0'.repeat(point - digits.length);
  else out = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return neg ? `-${out}` : out;
}
