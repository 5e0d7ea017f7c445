/** JSON object lines (pino, bunyan, zap, slog, structlog, ECS, Docker json-file, …). */
import { FieldCollector } from './fields.ts';
import type { ParsedLine } from './types.ts';

const f = new FieldCollector();

/** Deeper nesting is kept as one JSON string: bounds work and key length on hostile input. */
const MAX_DEPTH = 8;

/**
 * Set by walk when a number is an integer beyond 2^53: JSON.parse may have dropped digits
 * (Datadog's 64-bit trace ids, epoch ns), so the line is parsed again with such literals
 * quoted. Detecting after the fact keeps the common path free of a pre-scan.
 */
let lostDigits = false;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

/**
 * Wraps integer literals beyond 2^53 in quotes so JSON.parse keeps every digit as a
 * string. Only runs on lines where walk saw such a number; skips string contents properly.
 */
export function quoteBigInts(text: string): string {
  const n = text.length;
  let out = '';
  let last = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 34) {
      // string: skip to the closing quote, honouring escapes
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 92) i += 2;
        else if (d === 34) break;
        else i++;
      }
      i++;
    } else if (c === 45 || (c >= 48 && c <= 57)) {
      const start = i;
      let integer = true;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d >= 48 && d <= 57) i++;
        else if (d === 46 || d === 101 || d === 69 || d === 43 || d === 45) {
          integer = false;
          i++;
        } else break;
      }
      if (integer && i - start >= 16 && !Number.isSafeInteger(Number(text.slice(start, i)))) {
        out += `${text.slice(last, start)}"${text.slice(start, i)}"`;
        last = i;
      }
    } else {
      i++;
    }
  }
  return last === 0 ? text : out + text.slice(last);
}

/**
 * Flattened keys (`req.method`) cached per parent key: building them by concatenation on
 * every line costs a new string plus its internalisation when used as a property key.
 * Bounded so high-cardinality key sets cannot grow it without limit.
 */
const flatKeys = new Map<string, Map<string, string>>();
let flatKeyCount = 0;
const MAX_FLAT_KEYS = 20_000;

function childKey(parent: string, k: string): string {
  let m = flatKeys.get(parent);
  if (m === undefined) {
    if (flatKeyCount >= MAX_FLAT_KEYS) {
      flatKeys.clear();
      flatKeyCount = 0;
    }
    m = new Map();
    flatKeys.set(parent, m);
  }
  let full = m.get(k);
  if (full === undefined) {
    full = `${parent}.${k}`;
    if (flatKeyCount < MAX_FLAT_KEYS) {
      m.set(k, full);
      flatKeyCount++;
    }
  }
  return full;
}

function walk(obj: Record<string, unknown>, parent: string, depth: number): void {
  for (const k in obj) {
    const v = obj[k];
    const key = depth === 0 ? k : childKey(parent, k);
    switch (typeof v) {
      case 'number':
        if ((v > MAX_SAFE || v < -MAX_SAFE) && Number.isInteger(v)) lostDigits = true;
        f.addValue(key, v);
        break;
      case 'string':
      case 'boolean':
        f.addValue(key, v);
        break;
      case 'object':
        if (v === null) break; // null carries no value worth a column
        if (Array.isArray(v) || depth >= MAX_DEPTH) {
          f.addValue(key, JSON.stringify(v));
        } else {
          walk(v as Record<string, unknown>, key, depth + 1);
        }
        break;
      default:
        break;
    }
  }
}

/**
 * Parses a JSON object line. Nested objects are flattened with dots (`http.status`), arrays
 * become JSON strings, null is dropped, numbers and booleans keep their type, integers
 * beyond 2^53 become strings. Returns null if the line is not a JSON object.
 */
export function parseJsonLine(line: string, naiveOffsetMin = 0): ParsedLine | null {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return null;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return null;
  lostDigits = false;
  const p = parseJsonObject(v as Record<string, unknown>, naiveOffsetMin);
  if (!lostDigits) return p;
  // Rare path: the text is valid JSON, so the quoted variant is too.
  return parseJsonObject(JSON.parse(quoteBigInts(line)) as Record<string, unknown>, naiveOffsetMin);
}

/**
 * The same mapping for an object a receiver already decoded (a JSON request body). Integers
 * beyond 2^53 have lost digits by then; send NDJSON lines to keep them.
 */
export function parseJsonObject(obj: Record<string, unknown>, naiveOffsetMin = 0): ParsedLine {
  f.reset(naiveOffsetMin);
  walk(obj, '', 0);
  return f.finish('json', '');
}
