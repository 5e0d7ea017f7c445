import type { InputError, LogInput } from './log-input.ts';

/** Splits a newline-delimited block into line inputs, skipping blank lines and rejecting over-long ones. */
export function splitLines(
  text: string,
  json: boolean,
  maxLineBytes: number,
  out: LogInput[],
  errors: InputError[],
): void {
  let start = 0;
  let lineNo = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    lineNo++;
    let line = text.slice(start, end);
    if (line.endsWith('\r')) line = line.slice(0, -1);
    start = end + 1;
    if (line.trim() === '') continue;
    // Characters bound bytes from below (UTF-8 uses 1-4 per char), so most lines skip the byte count.
    if (line.length * 3 > maxLineBytes && Buffer.byteLength(line) > maxLineBytes) {
      errors.push({
        line: lineNo,
        reason: `line is longer than the limit of ${maxLineBytes} bytes (ingest.maxLineBytes)`,
      });
      continue;
    }
    out.push({ kind: 'line', line, position: lineNo, json });
  }
}
