import { describe, expect, it } from 'vitest';
import { linesToFrame } from './frames.ts';

const m = (step: number, value: number, timestampMs = step * 1000) => ({ key: 'acc', step, value, timestampMs });

describe('metric histories as a frame', () => {
  it('aligns runs logged at different steps on the union of steps, null where a run has none', () => {
    const f = linesToFrame(
      [
        { name: 'a', displayName: 'a', color: '#000', points: [m(0, 1), m(2, 3)] },
        { name: 'b', displayName: 'b', color: '#111', points: [m(1, 5), m(2, 6)] },
      ],
      'step',
    );
    expect(f.fields.map((x) => x.values)).toEqual([
      [0, 1, 2],
      [1, null, 3],
      [null, 5, 6],
    ]);
  });

  it('keeps the later of two values at one step and leaves non-finite values out', () => {
    const f = linesToFrame(
      [{ name: 'a', displayName: 'a', color: '#000', points: [m(1, 9, 2000), m(1, 7, 1000), m(2, Number.NaN)] }],
      'step',
    );
    expect(f.fields[1]?.values).toEqual([9, null]);
  });

  it('measures elapsed time from each run’s own start', () => {
    const f = linesToFrame(
      [
        { name: 'a', displayName: 'a', color: '#000', startMs: 10_000, points: [m(0, 1, 12_000)] },
        { name: 'b', displayName: 'b', color: '#111', startMs: 50_000, points: [m(0, 2, 52_000)] },
      ],
      'elapsed',
    );
    expect(f.fields.map((x) => x.values)).toEqual([[2], [1], [2]]);
  });
});
