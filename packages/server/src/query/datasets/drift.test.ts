import type { ColumnProfile, DatasetProfile } from '@stellwerk/contracts';
import { describe, expect, it } from 'vitest';
import type { StellwerkError } from '../../errors.ts';
import { computeDrift, driftMetrics } from './drift.ts';
import { DEFAULT_THRESHOLDS, thresholdsFrom } from './thresholds.ts';

const deciles = { '0.1': 1, '0.2': 2, '0.3': 3, '0.4': 4, '0.5': 5, '0.6': 6, '0.7': 7, '0.8': 8, '0.9': 9 };

function numeric(name: string, counts: number[]): ColumnProfile {
  const count = counts.reduce((s, c) => s + c, 0);
  return {
    name,
    kind: 'numeric',
    count,
    nulls: 0,
    min: 0,
    max: 10,
    mean: 5,
    std: 1,
    quantiles: deciles,
    histogram: { edges: counts.map((_, i) => (i * 10) / counts.length).concat(10), counts },
  };
}

function categorical(name: string, counts: Record<string, number>): ColumnProfile {
  const topK = Object.entries(counts).map(([value, count]) => ({ value, count }));
  const count = topK.reduce((s, t) => s + t.count, 0);
  return { name, kind: 'categorical', count, nulls: 0, distinct: topK.length, topK, otherCount: 0 };
}

function profile(columns: ColumnProfile[]): DatasetProfile {
  return { runId: 'r', role: 'serving', source: 'precomputed', rows: 100, columns, outliersRemoved: [], createdMs: 0 };
}

describe('drift report', () => {
  const reference = profile([
    numeric('a', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]),
    categorical('c', { x: 50, y: 50 }),
    numeric('gone', [1]),
  ]);
  const current = profile([
    numeric('a', [10, 10, 10, 10, 10, 10, 10, 10, 10, 10]),
    categorical('c', { x: 90, y: 5, z: 5 }),
    categorical('new', { q: 1 }),
  ]);
  const report = computeDrift({
    current,
    reference,
    referenceInfo: { kind: 'baseline', id: 'b', runId: 'r0', role: 'train' },
    thresholds: DEFAULT_THRESHOLDS,
    exact: new Map(),
    id: 'report-1',
    nowMs: 1,
  });

  it('decides per column and overall with the default thresholds', () => {
    const [a, c] = report.columns;
    expect(a).toMatchObject({ column: 'a', method: 'binned', ksStatistic: 0, psi: 0, drifted: false });
    expect(c).toMatchObject({
      column: 'c',
      chiSquare: null,
      chiSquarePValue: 0,
      unseenCategories: ['z'],
      drifted: true,
    });
    expect(report).toMatchObject({ driftedColumns: 1, shareDrifted: 0.5, datasetDrifted: true });
    expect(report.skippedColumns).toEqual([
      { column: 'new', reason: 'not in the reference' },
      { column: 'gone', reason: 'not in the current profile' },
    ]);
  });

  it('becomes run metrics under drift/<role>/…', () => {
    const keys = Object.fromEntries(driftMetrics(report).map((m) => [m.key, m.value]));
    expect(keys).toMatchObject({
      'drift/serving/a/psi': 0,
      'drift/serving/a/drifted': 0,
      'drift/serving/c/chisquare_pvalue': 0,
      'drift/serving/c/drifted': 1,
      'drift/serving/share_drifted': 0.5,
      'drift/serving/drifted': 1,
    });
    expect(keys['drift/serving/c/chisquare']).toBeUndefined();
  });

  it('reads thresholds from the query and refuses nonsense by name', () => {
    expect(thresholdsFrom({ psi: '0.2', numericTest: 'psi' })).toMatchObject({
      psi: 0.2,
      numericTest: 'psi',
      ksPValue: 0.05,
    });
    const err = (() => {
      try {
        thresholdsFrom({ ksPValue: '2' });
      } catch (e) {
        return e as StellwerkError;
      }
    })();
    expect(err?.status).toBe(400);
    expect(err?.extra.errors?.[0]?.field).toBe('ksPValue');
    expect(() => thresholdsFrom({ categoricalTest: 'g-test' })).toThrow(/chisquare or jensenshannon/);
  });
});
