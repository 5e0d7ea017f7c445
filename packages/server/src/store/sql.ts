/**
 * The only way to build SQL in Stellwerk: a tagged template whose interpolations are typed
 * values, identifiers checked against a strict pattern, or other fragments. User input can
 * therefore never become SQL text. Raw text needs `unsafeRaw`, which is loud on purpose.
 *
 * A fragment renders two ways, and the store (never the caller) decides which:
 * - as ClickHouse query parameters (`{p0:String}` + `param_p0`), the server's native form;
 * - as typed, escaped literals, for the embedded engine, which runs parameterised queries
 *   one at a time per process.
 */

export type ScalarType =
  | 'String'
  | 'UInt8'
  | 'UInt32'
  | 'UInt64'
  | 'Int64'
  | 'Float64'
  | 'DateTime64(9)'
  | 'DateTime64(3)';

export type SqlType = ScalarType | `Array(${ScalarType})`;

export class TypedValue {
  constructor(
    readonly type: SqlType,
    readonly value: unknown,
  ) {}
}

export class Identifier {
  constructor(readonly name: string) {}
}

export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly SqlPart[],
  ) {}
}

class RawText {
  constructor(readonly text: string) {}
}

export type SqlPart = TypedValue | Identifier | Sql | RawText;

export function sql(strings: TemplateStringsArray, ...values: SqlPart[]): Sql {
  for (const v of values) {
    if (!(v instanceof TypedValue || v instanceof Identifier || v instanceof Sql || v instanceof RawText)) {
      throw new TypeError(
        `sql template: interpolated value ${JSON.stringify(v)} is not typed; wrap it with p.String(...) and friends`,
      );
    }
  }
  return new Sql([...strings], values);
}

/** Typed parameter constructors. */
export const p = {
  String: (v: string) => new TypedValue('String', String(v)),
  UInt8: (v: number) => new TypedValue('UInt8', checkInt(v, 0, 255)),
  UInt32: (v: number) => new TypedValue('UInt32', checkInt(v, 0, 4294967295)),
  UInt64: (v: number | bigint | string) => new TypedValue('UInt64', checkBigInt(v, false)),
  Int64: (v: number | bigint | string) => new TypedValue('Int64', checkBigInt(v, true)),
  Float64: (v: number) => new TypedValue('Float64', checkFloat(v)),
  /** Epoch nanoseconds (decimal string or bigint). */
  DateTime64ns: (ns: string | bigint) => new TypedValue('DateTime64(9)', checkBigInt(ns, true)),
  ArrayString: (v: readonly string[]) => new TypedValue('Array(String)', v.map(String)),
};

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** A table or column name; only plain identifiers pass. */
export function ident(name: string): Identifier {
  if (!IDENT.test(name)) throw new TypeError(`sql: invalid identifier ${JSON.stringify(name)}`);
  return new Identifier(name);
}

/** Raw SQL text. Only for constants written in this codebase, never for input. */
export function unsafeRaw(text: string): Sql {
  return new Sql(['', ''], [new RawText(text)]);
}

/** Joins fragments with a separator (e.g. ' AND '). */
export function join(parts: readonly Sql[], separator: string): Sql {
  if (parts.length === 0) return unsafeRaw('');
  // strings is always values.length + 1 long: '', sep, ..., sep, ''
  const strings = [''];
  for (let i = 1; i < parts.length; i++) strings.push(separator);
  strings.push('');
  return new Sql(strings, parts);
}

export interface RenderedSql {
  text: string;
  params: Record<string, unknown>;
}

export function render(fragment: Sql, mode: 'params' | 'literals'): RenderedSql {
  const params: Record<string, unknown> = {};
  let counter = 0;
  const walk = (f: Sql): string => {
    let out = f.strings[0] ?? '';
    f.values.forEach((v, i) => {
      if (v instanceof Sql) out += walk(v);
      else if (v instanceof RawText) out += v.text;
      else if (v instanceof Identifier) out += `\`${v.name}\``;
      else if (mode === 'literals') out += literal(v);
      else {
        const name = `p${counter++}`;
        params[name] = v.value;
        out += `{${name}:${v.type}}`;
      }
      out += f.strings[i + 1] ?? '';
    });
    return out;
  };
  return { text: walk(fragment), params };
}

export function quoteString(s: string): string {
  let out = "'";
  for (const ch of s) {
    switch (ch) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      case '\0':
        out += '\\0';
        break;
      default:
        out += ch;
    }
  }
  return `${out}'`;
}

function literal(v: TypedValue): string {
  switch (v.type) {
    case 'String':
      return quoteString(v.value as string);
    case 'UInt8':
    case 'UInt32':
    case 'UInt64':
    case 'Int64':
      return `to${v.type}(${String(v.value)})`;
    case 'Float64':
      return `toFloat64(${floatText(v.value as number)})`;
    case 'DateTime64(9)':
      return `fromUnixTimestamp64Nano(toInt64(${String(v.value)}), 'UTC')`;
    case 'DateTime64(3)':
      return `fromUnixTimestamp64Milli(toInt64(${String(v.value)}), 'UTC')`;
    case 'Array(String)':
      return `CAST([${(v.value as string[]).map(quoteString).join(', ')}] AS Array(String))`;
    default:
      throw new TypeError(`sql: no literal form for ${v.type}`);
  }
}

function floatText(n: number): string {
  if (Number.isNaN(n)) return 'nan';
  if (n === Number.POSITIVE_INFINITY) return 'inf';
  if (n === Number.NEGATIVE_INFINITY) return '-inf';
  return String(n);
}

function checkInt(v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new TypeError(`sql: ${v} is not an integer in [${min}, ${max}]`);
  return v;
}

function checkFloat(v: number): number {
  if (typeof v !== 'number') throw new TypeError(`sql: ${String(v)} is not a number`);
  return v;
}

function checkBigInt(v: number | bigint | string, signed: boolean): string {
  const s = typeof v === 'string' ? v : typeof v === 'bigint' ? v.toString() : Number.isInteger(v) ? String(v) : '';
  if (!(signed ? /^-?\d+$/ : /^\d+$/).test(s)) throw new TypeError(`sql: ${String(v)} is not an integer`);
  return s;
}
