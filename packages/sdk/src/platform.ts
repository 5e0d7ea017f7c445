/**
 * The few things that differ between Node and a browser. Node built-ins come through
 * process.getBuiltinModule (sync, and invisible to bundlers), so the same core runs in a
 * browser, where compression is skipped and the host is unknown.
 */

type NodeProcess = { getBuiltinModule?: (id: string) => unknown };
type Zlib = typeof import('node:zlib');
type Os = typeof import('node:os');

function builtin<T>(id: string): T | undefined {
  const p = (globalThis as { process?: NodeProcess }).process;
  try {
    return p?.getBuiltinModule?.(id) as T | undefined;
  } catch {
    return undefined;
  }
}

export type Gzip = (data: Uint8Array) => Promise<Uint8Array>;

/** gzip via node:zlib, or undefined where it is not available (the body then goes uncompressed). */
export function nodeGzip(): Gzip | undefined {
  const zlib = builtin<Zlib>('node:zlib');
  if (!zlib) return undefined;
  return (data) =>
    new Promise<Uint8Array>((resolve, reject) => zlib.gzip(data, (err, out) => (err ? reject(err) : resolve(out))));
}

/** The machine's host name in Node, '' elsewhere (the record then has no host). */
export function defaultHost(): string {
  try {
    return builtin<Os>('node:os')?.hostname() ?? '';
  } catch {
    return '';
  }
}

/** A random key; crypto.randomUUID is missing in insecure browser contexts, hence the fallback. */
export function randomKey(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (c?.randomUUID) return c.randomUUID();
  let s = '';
  for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
  return s;
}

/** UTF-8 length without allocating (TextEncoder would copy every record once more). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      // A surrogate pair is one 4-byte code point.
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}
