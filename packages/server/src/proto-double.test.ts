import { describe, expect, it } from 'vitest';
import { protoDouble } from './proto-double.ts';

describe('protoDouble', () => {
  it('reads numbers, decimal strings and the special values', () => {
    expect(protoDouble(1.5)).toBe(1.5);
    expect(protoDouble('-2.5e3')).toBe(-2500);
    expect(protoDouble('NaN')).toBeNaN();
    expect(protoDouble('Infinity')).toBe(Number.POSITIVE_INFINITY);
    expect(protoDouble('-Infinity')).toBe(Number.NEGATIVE_INFINITY);
  });

  it('gives undefined for anything else', () => {
    for (const v of ['', '  ', 'nan', 'inf', '1,5', 'abc', true, null, undefined, {}, [1]]) {
      expect(protoDouble(v), JSON.stringify(v)).toBeUndefined();
    }
  });
});
