import { describe, expect, it } from 'vitest';
import { decodeLogBody } from './logs-http.ts';

describe('decodeLogBody', () => {
  it('splits plain text into lines, skipping blank ones and CRs', () => {
    const { inputs, errors } = decodeLogBody('a\r\n\nb\n', 'text/plain', 1000);
    expect(errors).toEqual([]);
    expect(inputs.map((i) => (i.kind === 'line' ? [i.line, i.position] : null))).toEqual([
      ['a', 1],
      ['b', 3],
    ]);
  });

  it('takes a JSON object, an array, and reports non-objects by position', () => {
    expect(decodeLogBody('{"msg":"x"}', 'application/json', 1000).inputs).toHaveLength(1);
    const { inputs, errors } = decodeLogBody('[{"msg":"a"}, 5, "line", null]', 'application/json', 1000);
    expect(inputs.map((i) => i.kind)).toEqual(['object', 'line']);
    expect(errors).toEqual([
      { line: 2, reason: 'expected a JSON object or string, got number' },
      { line: 4, reason: 'expected a JSON object or string, got null' },
    ]);
  });

  it('accepts NDJSON sent as application/json', () => {
    const { inputs } = decodeLogBody('{"a":1}\n{"a":2}\n', 'application/json', 1000);
    expect(inputs).toHaveLength(2);
    expect(inputs.every((i) => i.kind === 'line' && i.json)).toBe(true);
  });

  it('says why a JSON body is rejected', () => {
    expect(() => decodeLogBody('{"a":', 'application/json', 1000)).toThrow(/not valid JSON/);
  });

  it('rejects over-long lines by number and keeps the rest', () => {
    const { inputs, errors } = decodeLogBody(`ok\n${'x'.repeat(50)}\nok2`, 'text/plain', 20);
    expect(inputs).toHaveLength(2);
    expect(errors).toEqual([{ line: 2, reason: 'line is longer than the limit of 20 bytes (ingest.maxLineBytes)' }]);
  });
});
