import { describe, expect, it } from 'vitest';
import { chiSquare } from './chi-square.ts';
import { python } from './scipy.fixture.ts';

const SCIPY = `
from scipy.stats import chisquare
out = []
for obs, props in data:
    n = sum(obs); t = sum(props)
    r = chisquare(obs, [p / t * n for p in props])
    out.append([float(r.statistic), float(r.pvalue)])
print(json.dumps(out))
`;

describe('chi-square against scipy.stats.chisquare', () => {
  it('matches statistic and p-value, including tiny p-values', () => {
    const cases: Array<[number[], number[]]> = [
      [
        [16, 18, 16, 14, 12, 12],
        [1, 1, 1, 1, 1, 1],
      ],
      [
        [120, 30, 50],
        [0.5, 0.25, 0.25],
      ],
      [
        [900, 50, 50],
        [1, 1, 1],
      ],
      [
        [5, 7],
        [30, 70],
      ],
      [
        [1000, 2000, 3000, 4000, 10],
        [10, 20, 30, 40, 0.5],
      ],
    ];
    const expected = python<Array<[number, number]>>(SCIPY, cases);
    cases.forEach(([obs, props], i) => {
      const got = chiSquare(obs, props);
      const [stat, pValue] = expected[i] as [number, number];
      expect(got.statistic).toBeCloseTo(stat, 9);
      expect(got.dof).toBe(obs.length - 1);
      // Relative agreement: small p-values must not be rounded to 0.
      expect(Math.abs((got.pValue as number) - pValue)).toBeLessThanOrEqual(1e-10 * Math.max(pValue, 1e-300) + 1e-300);
    });
  });

  it('marks a category the reference never saw as certain drift', () => {
    expect(chiSquare([5, 3], [1, 0])).toEqual({ statistic: null, pValue: 0, dof: 1 });
  });
});
