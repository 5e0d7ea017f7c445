import type { Histogram } from '@stellwerk/contracts';
import { describe, expect, it } from 'vitest';
import { kolmogorovSf, ksFromHistograms } from './ks.ts';
import { normals, python, seeded } from './scipy.fixture.ts';

function histogramOf(values: number[], bins: number): Histogram {
  const min = Math.min(...values);
  const max = Math.max(...values);
  const width = (max - min) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    const i = Math.min(Math.floor((v - min) / width), bins - 1);
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return { edges: Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + i * width)), counts };
}

describe('Kolmogorov distribution', () => {
  it('matches scipy.stats.kstwobign.sf over its whole range', () => {
    const xs = [0.05, 0.2, 0.4, 0.6, 0.8, 0.95, 1, 1.05, 1.3, 1.8, 2.5, 3.5, 5];
    const expected = python<number[]>(
      'from scipy.stats import kstwobign\nprint(json.dumps([float(kstwobign.sf(x)) for x in data]))',
      xs,
    );
    xs.forEach((x, i) => {
      const e = expected[i] as number;
      expect(Math.abs(kolmogorovSf(x) - e)).toBeLessThanOrEqual(1e-12 + 1e-9 * e);
    });
  });
});

describe('KS from histograms only', () => {
  it('stays within the stated bound of the exact statistic (scipy.stats.ks_2samp)', () => {
    const random = seeded(42);
    const cases = [
      { a: normals(600, 0, 1, random), b: normals(700, 0.3, 1.2, random), binsA: 20, binsB: 20 },
      { a: normals(300, 0, 1, random), b: normals(900, 0, 1, random), binsA: 10, binsB: 35 },
      { a: normals(1000, 5, 2, random), b: normals(1000, 3, 0.5, random), binsA: 50, binsB: 25 },
      {
        a: normals(200, 0, 1, random).map(Math.round),
        b: normals(250, 0.5, 1, random).map(Math.round),
        binsA: 20,
        binsB: 20,
      },
    ];
    const exact = python<number[]>(
      "from scipy.stats import ks_2samp\nprint(json.dumps([float(ks_2samp(c['a'], c['b']).statistic) for c in data]))",
      cases,
    );
    cases.forEach((c, i) => {
      const binned = ksFromHistograms(histogramOf(c.a, c.binsA), histogramOf(c.b, c.binsB));
      const d = exact[i] as number;
      expect(Math.abs(binned.statistic - d)).toBeLessThanOrEqual(binned.errorBound);
      // Continuous data in 20-odd bins gives a useful bound; rounded data piles into few bins.
      if (i < 3) expect(binned.errorBound).toBeLessThan(0.3);
    });
  });

  it('is 0 for the same histogram and 1 for disjoint ones', () => {
    const h = { edges: [0, 1, 2], counts: [3, 4] };
    expect(ksFromHistograms(h, h).statistic).toBe(0);
    expect(ksFromHistograms(h, { edges: [5, 6], counts: [9] }).statistic).toBe(1);
  });
});
