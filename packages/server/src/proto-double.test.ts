import { describe, expect, it } from 'vitest';
import { parseProtoJsonDouble } from './proto-double.ts';

describe('parseProtoJsonDouble', () => {
  it('reads numbers, decimal strings and the special values', () => {
    expect(parseProtoJsonDouble(1.5)).toBe(1.5);
    expect(parseProtoJsonDouble('-2.5e3')).toBe(-2500);
    expect(parseProtoJsonDouble('NaN')).toBeNaN();
    expect(parseProtoJsonDouble('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(parseProtoJsonDouble('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('gives undefined for anything else', () => {
    for (const v of ['', '  ', 'nan', 'inf', '1,5', 'abc', true, null, undefined, {}, [1]]) {
      expect(parseProtoJsonDouble(v), JSON.stringify(v)).toBeUndefined();
    }
  });
});
