import type { Readable } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { StellwerkError } from '../errors.ts';

export type RowFormat = 'csv' | 'ndjson' | 'json';

/** One JSON row (an NDJSON line or an element of a JSON array) may be at most this long. */
export const MAX_ROW_BYTES = 1024 * 1024;

/** The upload's format from its content type; anything else is a 415 naming the accepted ones. */
export function rowFormatOf(contentType: string | undefined): RowFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/csv') return 'csv';
  if (type === 'application/x-ndjson' || type === 'application/jsonl' || type === 'application/json-seq')
    return 'ndjson';
  if (type === 'application/json') return 'json';
  throw new StellwerkError(
    'STW_ERR_UNSUPPORTED_MEDIA_TYPE',
    `Rows are read from text/csv (with a header line), application/x-ndjson (one object per line) or application/json (an array of objects), not ${type || 'a body without Content-Type'}.`,
  );
}

export interface ReadProgress {
  bytes: number;
}

/**
 * Reads rows from the request stream one at a time, so memory holds one row and one chunk, not
 * the body. Counts bytes into `progress` and stops with a 413 beyond `maxBytes`.
 */
export async function* readRows(
  body: Readable,
  format: RowFormat,
  maxBytes: number,
  progress: ReadProgress,
): AsyncGenerator<Record<string, unknown>> {
  const chunks = countBytes(body, maxBytes, progress);
  if (format === 'csv') yield* csvRows(chunks);
  else if (format === 'ndjson') yield* ndjsonRows(chunks);
  else yield* jsonArrayRows(chunks);
}

async function* countBytes(body: Readable, maxBytes: number, progress: ReadProgress): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    progress.bytes += buf.length;
    if (progress.bytes > maxBytes) {
      throw new StellwerkError(
        'STW_ERR_BODY_TOO_LARGE',
        `The upload is larger than ${maxBytes} bytes; profile a sample, or compute the profile yourself and POST it to .../profile.`,
      );
    }
    yield buf;
  }
}

async function* csvRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<Record<string, unknown>> {
  // The header names the columns; an empty field is a null.
  const parser = parse({ columns: true, bom: true, skip_empty_lines: true, max_record_size: MAX_ROW_BYTES });
  const feed = (async () => {
    try {
      for await (const chunk of chunks) {
        if (parser.destroyed) return;
        if (!parser.write(chunk)) {
          // A reader that stopped early destroys the parser: then no drain comes, but close does.
          await new Promise<void>((resolve) => {
            const done = () => {
              parser.off('drain', done);
              parser.off('close', done);
              resolve();
            };
            parser.on('drain', done);
            parser.on('close', done);
          });
        }
      }
      parser.end();
    } catch (err) {
      parser.destroy(err as Error);
    }
  })();
  try {
    for await (const record of parser) {
      const row: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(record as Record<string, string>)) row[k] = v === '' ? null : v;
      yield row;
    }
  } catch (err) {
    if (err instanceof StellwerkError) throw err;
    if (err instanceof CsvError) {
      const line = (err as CsvError & { lines?: number }).lines;
      throw new StellwerkError(
        'STW_ERR_INVALID_RECORD',
        `The CSV cannot be read${line ? ` at line ${line}` : ''}: ${err.message}`,
        { errors: [{ ...(line ? { line } : {}), reason: err.message }] },
      );
    }
    throw err;
  } finally {
    if (!parser.readableEnded) parser.destroy();
    await feed;
  }
}

async function* ndjsonRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let line = 0;
  const rowOf = (text: string): Record<string, unknown> | undefined => {
    line++;
    const trimmed = text.trim();
    if (trimmed === '') return undefined;
    return objectRow(trimmed, line);
  };
  for await (const chunk of chunks) {
    pending += decoder.decode(chunk, { stream: true });
    let nl = pending.indexOf('\n');
    while (nl >= 0) {
      const row = rowOf(pending.slice(0, nl));
      if (row) yield row;
      pending = pending.slice(nl + 1);
      nl = pending.indexOf('\n');
    }
    if (pending.length > MAX_ROW_BYTES) throw rowTooLong(line + 1);
  }
  pending += decoder.decode();
  const last = rowOf(pending);
  if (last) yield last;
}

/**
 * A JSON array of objects, element by element: a small scanner finds where each top-level
 * element ends (tracking strings and nesting) and JSON.parse reads that element alone.
 */
async function* jsonArrayRows(chunks: AsyncIterable<Buffer>): AsyncGenerator<Record<string, unknown>> {
  const decoder = new TextDecoder('utf-8');
  let buf = '';
  let pos = 0;
  let state: 'start' | 'element' | 'after' | 'done' = 'start';
  let element = 0;
  const fail = (reason: string) =>
    new StellwerkError('STW_ERR_INVALID_RECORD', `The JSON body ${reason}; send an array of row objects.`, {
      errors: [{ line: element + 1, reason }],
    });
  const skipSpace = () => {
    while (pos < buf.length && /\s/.test(buf[pos] as string)) pos++;
  };
  const drain = function* (): Generator<Record<string, unknown>> {
    for (;;) {
      skipSpace();
      if (pos >= buf.length) return;
      const ch = buf[pos];
      if (state === 'start') {
        if (ch !== '[') throw fail('does not start with [');
        pos++;
        state = 'element';
        skipSpace();
        if (buf[pos] === ']') {
          pos++;
          state = 'done';
        }
        continue;
      }
      if (state === 'after') {
        if (ch === ',') state = 'element';
        else if (ch === ']') state = 'done';
        else throw fail(`has ${JSON.stringify(ch)} after element ${element} where , or ] belongs`);
        pos++;
        continue;
      }
      if (state === 'done') throw fail('has text after its closing ]');
      const end = elementEnd(buf, pos);
      if (end < 0) {
        if (buf.length - pos > MAX_ROW_BYTES) throw rowTooLong(element + 1);
        return;
      }
      element++;
      yield objectRow(buf.slice(pos, end), element);
      pos = end;
      state = 'after';
    }
  };
  for await (const chunk of chunks) {
    buf = buf.slice(pos) + decoder.decode(chunk, { stream: true });
    pos = 0;
    yield* drain();
  }
  buf = buf.slice(pos) + decoder.decode();
  pos = 0;
  yield* drain();
  skipSpace();
  // The scanner closure moves the state; TypeScript cannot see that.
  if ((state as string) !== 'done')
    throw fail(pos < buf.length ? 'ends inside an element' : 'ends before its closing ]');
}

/** The index just past the JSON value starting at `start`, or −1 when the buffer ends first. */
function elementEnd(text: string, start: number): number {
  const first = text[start];
  if (first !== '{' && first !== '[') {
    // A scalar: up to the next , ] or whitespace (JSON.parse then rejects it as not an object).
    const m = /[,\]\s]/.exec(text.slice(start));
    return m ? start + m.index : -1;
  }
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const ch = text[i];
    if (inString) {
      if (ch === '\\') i++;
      else if (ch === '"') inString = false;
    } else if (ch === '"') inString = true;
    else if (ch === '{' || ch === '[') depth++;
    else if (ch === '}' || ch === ']') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function objectRow(text: string, line: number): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new StellwerkError('STW_ERR_INVALID_RECORD', `Row ${line} is not valid JSON: ${(err as Error).message}.`, {
      errors: [{ line, reason: 'not valid JSON' }],
    });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new StellwerkError('STW_ERR_INVALID_RECORD', `Row ${line} is not an object of column → value.`, {
      errors: [{ line, reason: 'not an object' }],
    });
  }
  return value as Record<string, unknown>;
}

function rowTooLong(line: number): StellwerkError {
  return new StellwerkError('STW_ERR_INVALID_RECORD', `Row ${line} is longer than ${MAX_ROW_BYTES} bytes.`, {
    errors: [{ line, reason: 'row too long' }],
  });
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A cell as staged: null for a null, else its text and its number when it reads as a finite one. */
export function cellOf(v: unknown): { value: string; num: number | null } | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? { value: String(v), num: v } : { value: String(v), num: null };
  if (typeof v === 'string') {
    const t = v.trim();
    if (NUMBER.test(t)) {
      const n = Number(t);
      return { value: v, num: Number.isFinite(n) ? n : null };
    }
    return { value: v, num: null };
  }
  if (typeof v === 'boolean') return { value: String(v), num: null };
  return { value: JSON.stringify(v), num: null };
}
