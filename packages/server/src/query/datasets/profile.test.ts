import { describe, expect, it } from 'vitest';
import type { StellwerkError } from '../../errors.ts';
import { buildProfile, parseProfileInput } from './profile.ts';

const numeric = {
  name: 'x',
  kind: 'numeric',
  count: 4,
  nulls: 1,
  min: 0,
  max: 3,
  mean: 1.5,
  std: 1.29,
  quantiles: {
    '0.1': 0.3,
    '0.2': 0.6,
    '0.3': 0.9,
    '0.4': 1.2,
    '0.5': 1.5,
    '0.6': 1.8,
    '0.7': 2.1,
    '0.8': 2.4,
    '0.9': 2.7,
  },
  histogram: { edges: [0, 1.5, 3], counts: [2, 2] },
};
const label = {
  name: 'y',
  kind: 'categorical',
  count: 5,
  nulls: 0,
  distinct: 2,
  topK: [
    { value: 'a', count: 4 },
    { value: 'b', count: 1 },
  ],
};

function problem(body: unknown): StellwerkError {
  try {
    parseProfileInput(body);
  } catch (err) {
    return err as StellwerkError;
  }
  throw new Error('expected the profile to be refused');
}

describe('precomputed profile validation', () => {
  it('accepts a consistent profile and derives class balance for the label', () => {
    const input = parseProfileInput({ rows: 5, labelColumn: 'y', columns: [numeric, label] });
    const profile = buildProfile('r1', 'train', 'precomputed', input);
    const y = profile.columns[1];
    expect(y?.kind === 'categorical' && y.classBalance).toEqual({ classCounts: { a: 4, b: 1 }, imbalanceRatio: 4 });
  });

  it('names the bad field and says what is wrong', () => {
    const bad = problem({
      rows: 5,
      columns: [{ ...numeric, histogram: { edges: [0, 1.5, 3], counts: [2, 1] } }],
    });
    expect(bad.code).toBe('STW_ERR_INVALID_RECORD');
    expect(bad.status).toBe(400);
    expect(bad.detail).toContain('columns[0].histogram.counts');
    expect(bad.detail).toContain('sum to 3 but count is 4');
  });

  it('refuses missing deciles, unknown fields, a label that is not categorical', () => {
    const { '0.5': _, ...noMedian } = numeric.quantiles;
    expect(problem({ rows: 5, columns: [{ ...numeric, quantiles: noMedian }] }).detail).toContain(
      'columns[0].quantiles needs the deciles for PSI; missing 0.5',
    );
    expect(problem({ rows: 5, columns: [{ ...numeric, colour: 'red' }] }).extra.errors?.[0]?.field).toBe('columns[0]');
    expect(problem({ rows: 5, labelColumn: 'x', columns: [numeric] }).detail).toContain(
      'labelColumn must name a categorical column',
    );
    expect(problem({ rows: 6, columns: [numeric] }).detail).toContain(
      'columns[0].count count + nulls is 5 but rows is 6',
    );
  });
});
