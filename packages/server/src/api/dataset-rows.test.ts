import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StellwerkError } from '../errors.ts';
import { cellOf, readRows, rowFormatOf } from './dataset-rows.ts';

/** The body cut into small chunks, so rows and strings straddle chunk borders. */
function chunked(text: string, size = 3): Readable {
  const buf = Buffer.from(text);
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

async function rowsOf(text: string, format: 'csv' | 'ndjson' | 'json', maxBytes = 1e6) {
  const out: Record<string, unknown>[] = [];
  for await (const r of readRows(chunked(text), format, maxBytes, { bytes: 0 })) out.push(r);
  return out;
}

async function failure(text: string, format: 'csv' | 'ndjson' | 'json', maxBytes = 1e6): Promise<StellwerkError> {
  try {
    await rowsOf(text, format, maxBytes);
  } catch (err) {
    return err as StellwerkError;
  }
  throw new Error('expected a refusal');
}

describe('row uploads', () => {
  it('reads CSV with a header, quotes, embedded newlines and empty fields as nulls', async () => {
    const rows = await rowsOf('a,b,c\n1,"x, ""y""",\n2,"two\nlines",3.5\n', 'csv');
    expect(rows).toEqual([
      { a: '1', b: 'x, "y"', c: null },
      { a: '2', b: 'two\nlines', c: '3.5' },
    ]);
  });

  it('reads NDJSON and a JSON array of objects split across chunks', async () => {
    const ndjson = '{"a":1,"b":"x"}\n\n{"a":2,"b":"}\\"{"}\n{"a":3}';
    expect(await rowsOf(ndjson, 'ndjson')).toEqual([{ a: 1, b: 'x' }, { a: 2, b: '}"{' }, { a: 3 }]);
    const array = ' [ {"a":1,"n":{"k":[1,2]}} , {"a":"]"} ]\n';
    expect(await rowsOf(array, 'json')).toEqual([{ a: 1, n: { k: [1, 2] } }, { a: ']' }]);
    expect(await rowsOf('[]', 'json')).toEqual([]);
  });

  it('names the row that is wrong', async () => {
    const bad = await failure('{"a":1}\n{"a":\n', 'ndjson');
    expect(bad.code).toBe('STW_ERR_INVALID_RECORD');
    expect(bad.detail).toMatch(/^Row 2 is not valid JSON/);
    expect((await failure('[{"a":1}, 7]', 'json')).detail).toBe('Row 2 is not an object of column → value.');
    expect((await failure('[{"a":1}', 'json')).detail).toContain('ends before its closing ]');
    expect((await failure('a,b\n1,2,3\n', 'csv')).detail).toMatch(/at line 2/);
  });

  it('stops at the byte limit with a 413', async () => {
    const big = `a\n${'1\n'.repeat(1000)}`;
    const err = await failure(big, 'csv', 100);
    expect(err.status).toBe(413);
  });

  it('knows its content types and refuses others', () => {
    expect(rowFormatOf('text/csv; charset=utf-8')).toBe('csv');
    expect(rowFormatOf('application/x-ndjson')).toBe('ndjson');
    expect(rowFormatOf('application/json')).toBe('json');
    expect(() => rowFormatOf('text/plain')).toThrow(/text\/csv/);
  });

  it('stages numbers as numbers and everything else as text', () => {
    expect(cellOf(' 1e3 ')).toEqual({ value: ' 1e3 ', num: 1000 });
    expect(cellOf(2.5)).toEqual({ value: '2.5', num: 2.5 });
    expect(cellOf('NaN')).toEqual({ value: 'NaN', num: null });
    expect(cellOf(true)).toEqual({ value: 'true', num: null });
    expect(cellOf(null)).toBeNull();
  });
});
