import { describe, expect, it } from 'vitest';
import type { InputError, LogInput } from './log-input.ts';
import { splitLines } from './split-lines.ts';

function split(text: string, max = 1000) {
  const inputs: LogInput[] = [];
  const errors: InputError[] = [];
  splitLines(text, false, max, inputs, errors);
  return { inputs, errors };
}

describe('splitLines', () => {
  it('numbers lines from 1, skipping blank ones and CRs', () => {
    const { inputs, errors } = split('a\r\n\nb\n');
    expect(errors).toEqual([]);
    expect(inputs.map((i) => (i.kind === 'line' ? [i.line, i.position] : null))).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
  });

  it('rejects over-long lines by number and keeps the rest', () => {
    const { inputs, errors } = split(`ok\n${'x'.repeat(50)}\nok2`, 20);
    expect(inputs).toHaveLength(2);
    expect(errors).toEqual([{ line: 2, reason: 'line is longer than the limit of 20 bytes (ingest.maxLineBytes)' }]);
  });

  it('counts bytes, not characters', () => {
    expect(split('ü'.repeat(8), 10).errors).toHaveLength(1);
    expect(split('u'.repeat(8), 10).errors).toHaveLength(0);
  });
});
