import { describe, expect, it } from 'vitest';
import { chooseResolution, rollupCounterIncrease } from './metrics-repository.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('chooseResolution', () => {
  it('uses raw for steps under a minute, whatever the range', () => {
    expect(chooseResolution(30 * D, 59 * S)).toBe('raw');
    expect(chooseResolution(5 * M, 15 * S)).toBe('raw');
  });

  it('uses raw for small ranges even with coarse steps', () => {
    expect(chooseResolution(6 * H, 5 * M)).toBe('raw');
    expect(chooseResolution(2 * H, 1 * H)).toBe('raw');
    expect(chooseResolution(1 * H, 1 * H, { smallRangeMs: 0 })).toBe('1h');
  });

  it('picks the coarsest tier not coarser than the step for large ranges', () => {
    expect(chooseResolution(7 * D, 60 * S)).toBe('1m');
    expect(chooseResolution(7 * D, 59 * M)).toBe('1m');
    expect(chooseResolution(7 * D, 1 * H)).toBe('1h');
    expect(chooseResolution(365 * D, 23 * H)).toBe('1h');
    expect(chooseResolution(365 * D, 1 * D)).toBe('1d');
    expect(chooseResolution(365 * D, 7 * D)).toBe('1d');
  });

  it('uses a rollup when the range starts before raw retention', () => {
    const opts = { rawRetentionMs: 15 * D, startAgeMs: 20 * D };
    expect(chooseResolution(1 * H, 15 * S, opts)).toBe('1m');
    expect(chooseResolution(1 * H, 2 * H, opts)).toBe('1h');
    expect(chooseResolution(1 * H, 15 * S, { ...opts, startAgeMs: 10 * D })).toBe('raw');
  });
});

describe('rollupCounterIncrease', () => {
  const b = (...values: number[]) => ({
    first: values[0] as number,
    last: values[values.length - 1] as number,
    min: Math.min(...values),
    max: Math.max(...values),
  });

  it('sums increases inside and across buckets', () => {
    expect(rollupCounterIncrease([b(1, 2, 3), b(5, 6), b(6, 10)])).toBe(9);
    expect(rollupCounterIncrease([])).toBe(0);
  });

  it('counts a reset between buckets as a restart from zero', () => {
    expect(rollupCounterIncrease([b(10, 20), b(3, 7)])).toBe(10 + 3 + 4);
  });

  it('counts one reset inside a bucket exactly', () => {
    // raw: +10, reset to 5 (+5), +3
    expect(rollupCounterIncrease([b(10, 20, 5, 8)])).toBe(18);
    // a reset to a value above first shows as last < max
    expect(rollupCounterIncrease([b(10, 1000, 50, 60)])).toBe(990 + 60);
  });
});
