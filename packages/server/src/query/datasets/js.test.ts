import { describe, expect, it } from 'vitest';
import { jensenShannon } from './js.ts';
import { python } from './scipy.fixture.ts';

describe('Jensen–Shannon distance against scipy.spatial.distance.jensenshannon(base=2)', () => {
  it('matches on counts of different totals, with empty categories on either side', () => {
    const cases: Array<[number[], number[]]> = [
      [
        [10, 20, 30],
        [30, 20, 10],
      ],
      [
        [1, 0, 5, 4],
        [0, 3, 5, 2],
      ],
      [
        [100, 0],
        [0, 7],
      ],
      [
        [5, 5, 5],
        [50, 50, 50],
      ],
    ];
    const expected = python<number[]>(
      'from scipy.spatial.distance import jensenshannon\nprint(json.dumps([float(jensenshannon(p, q, base=2)) for p, q in data]))',
      cases,
    );
    cases.forEach(([a, b], i) => {
      expect(jensenShannon(a, b)).toBeCloseTo(expected[i] as number, 12);
    });
    expect(jensenShannon([100, 0], [0, 7])).toBeCloseTo(1, 12);
  });
});
