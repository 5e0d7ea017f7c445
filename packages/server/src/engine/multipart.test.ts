import { describe, expect, it } from 'vitest';
import { boundaryOf, parseMultipartFields } from './multipart.ts';

describe('multipart', () => {
  it('reads the boundary', () => {
    expect(boundaryOf('multipart/form-data; boundary=----abc')).toBe('----abc');
    expect(boundaryOf('multipart/form-data; boundary="q r"')).toBe('q r');
    expect(boundaryOf('text/plain')).toBeNull();
  });

  it('reads text fields, keeping CRLF inside values', () => {
    const body =
      '--B\r\nContent-Disposition: form-data; name="query"\r\n\r\nSELECT {s:String}\r\n--B\r\nContent-Disposition: form-data; name="param_s"\r\n\r\na\r\nb\r\n--B--\r\n';
    expect(parseMultipartFields(body, 'B')).toEqual(
      new Map([
        ['query', 'SELECT {s:String}'],
        ['param_s', 'a\r\nb'],
      ]),
    );
  });
});
