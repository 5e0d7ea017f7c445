import { describe, expect, it } from 'vitest';
import { binnedCounts, psi, psiEdges } from './psi.ts';
import { normals, python, seeded } from './scipy.fixture.ts';

/** The documented definition, in numpy: reference deciles, right-closed bins, ε for empty bins, ln. */
const NUMPY_PSI = `
import numpy as np
ref = np.array(data['ref']); cur = np.array(data['cur'])
edges = np.unique(np.quantile(ref, np.arange(1, 10) / 10))
def shares(x):
    s = np.bincount(np.searchsorted(edges, x, side='left'), minlength=len(edges) + 1) / len(x)
    return np.where(s == 0, 1e-4, s)
c = shares(cur); r = shares(ref)
counts = lambda x: np.bincount(np.searchsorted(edges, x, side='left'), minlength=len(edges) + 1).tolist()
print(json.dumps({'psi': float(np.sum((c - r) * np.log(c / r))), 'edges': edges.tolist(), 'cur': counts(cur), 'ref': counts(ref)}))
`;

describe('PSI', () => {
  it('equals numpy on the same bin counts, empty bins included', () => {
    const random = seeded(7);
    const ref = normals(500, 0, 1, random);
    const cur = normals(400, 0.8, 0.5, random);
    const expected = python<{ psi: number; cur: number[]; ref: number[] }>(NUMPY_PSI, { ref, cur });
    expect(expected.cur.some((c) => c === 0)).toBe(true);
    expect(psi(expected.cur, expected.ref)).toBeCloseTo(expected.psi, 12);
  });

  it('is 0 for identical shares and symmetric in its arguments', () => {
    expect(psi([10, 20, 30], [1, 2, 3])).toBe(0);
    expect(psi([5, 1, 9], [3, 3, 3])).toBeCloseTo(psi([3, 3, 3], [5, 1, 9]), 15);
  });

  it('takes the deciles as edges, merging equal ones', () => {
    const q = { '0.1': 1, '0.2': 1, '0.3': 2, '0.4': 3, '0.5': 3, '0.6': 4, '0.7': 5, '0.8': 6, '0.9': 6 };
    expect(psiEdges(q)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => psiEdges({ '0.1': 1 })).toThrow(/0.2 quantile/);
  });

  it('spreads histogram bins evenly over PSI bins', () => {
    const counts = binnedCounts({ edges: [0, 10, 20], counts: [10, 30] }, [5, 15]);
    expect(counts).toEqual([5, 5 + 15, 15]);
  });
});
