import { describe, expect, it } from 'vitest';
import { decodeLogBody } from './logs-http.ts';

describe('decodeLogBody', () => {
  it('hands text and NDJSON bodies to the pipeline as one block', () => {
    expect(decodeLogBody('a\nb', 'text/plain').inputs).toEqual([{ kind: 'lines', text: 'a\nb', json: false }]);
    expect(decodeLogBody('{"a":1}', 'application/x-ndjson').inputs).toEqual([
      { kind: 'lines', text: '{"a":1}', json: true },
    ]);
  });

  it('takes a JSON object, an array, and reports non-objects by position', () => {
    expect(decodeLogBody('{"msg":"x"}', 'application/json').inputs).toHaveLength(1);
    const { inputs, errors } = decodeLogBody('[{"msg":"a"}, 5, "line", null]', 'application/json');
    expect(inputs.map((i) => i.kind)).toEqual(['object', 'line']);
    expect(errors).toEqual([
      { line: 2, reason: 'expected a JSON object or string, got number' },
      { line: 4, reason: 'expected a JSON object or string, got null' },
    ]);
  });

  it('accepts NDJSON sent as application/json', () => {
    const { inputs } = decodeLogBody('{"a":1}\n{"a":2}\n', 'application/json');
    expect(inputs).toEqual([{ kind: 'lines', text: '{"a":1}\n{"a":2}\n', json: true }]);
  });

  it('says why a JSON body is rejected', () => {
    expect(() => decodeLogBody('{"a":', 'application/json')).toThrow(/not valid JSON/);
  });
});
