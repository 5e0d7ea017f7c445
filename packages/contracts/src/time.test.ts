import { describe, expect, it } from 'vitest';
import { formatRfc3339Nano, msToNs } from './time.ts';

describe('formatRfc3339Nano', () => {
  it.each([
    ['1609983853368024402', -480, '2021-01-06T17:44:13.368024402-08:00'],
    ['1609983853368024402', 0, '2021-01-07T01:44:13.368024402Z'],
    ['1609983853000000000', 330, '2021-01-07T07:14:13.000000000+05:30'],
    ['5', 0, '1970-01-01T00:00:00.000000005Z'],
  ])('%s at offset %i is %s', (ns, offset, expected) => {
    expect(formatRfc3339Nano(ns, offset)).toBe(expected);
  });
  it('converts milliseconds', () => {
    expect(msToNs(1609983853368)).toBe('1609983853368000000');
  });
});
