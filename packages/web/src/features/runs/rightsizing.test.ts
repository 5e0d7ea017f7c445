import type { ResourceVerdict, RightsizingRow } from '@stellwerk/contracts';
import { describe, expect, it } from 'vitest';
import { rightsizingPath } from './paths.ts';
import { barLayout, formatCores, groupByPipeline } from './rightsizing.ts';

const verdict = (v: Partial<ResourceVerdict>): ResourceVerdict => ({
  p50: 0,
  p95: 0,
  max: 0,
  limit: null,
  utilization: null,
  flag: 'unknown',
  suggestion: null,
  reason: '',
  ...v,
});

describe('barLayout', () => {
  it('scales to the limit when everything fits under it, with a little room after it', () => {
    const l = barLayout(verdict({ p50: 1, p95: 2, max: 4, limit: 8, suggestion: 2.5 }));
    expect(l.limit).toBeCloseTo(100 / 1.05, 6);
    expect(l.max).toBeCloseTo((l.limit ?? 0) / 2, 6);
    expect(l.p95).toBeCloseTo((l.limit ?? 0) / 4, 6);
    expect(l.p50).toBeCloseTo((l.limit ?? 0) / 8, 6);
    expect(l.suggestion).toBeCloseTo(((l.limit ?? 0) * 2.5) / 8, 6);
  });
  it('widens past the limit for a suggestion above it, so the limit sits inside the bar', () => {
    const l = barLayout(verdict({ p50: 1, p95: 1.8, max: 1.9, limit: 2, suggestion: 2.5 }));
    expect(l.suggestion).toBeCloseTo(100 / 1.05, 6);
    expect(l.limit).toBeCloseTo(80 / 1.05, 6);
  });
  it('has no limit marker without a limit, and no NaN for an idle step', () => {
    expect(barLayout(verdict({}))).toEqual({ p50: 0, p95: 0, max: 0, limit: null, suggestion: null });
  });
});

describe('formatCores', () => {
  it('reads like a resource request', () => {
    expect(formatCores(0.7)).toBe('0.7 cores');
    expect(formatCores(1)).toBe('1 core');
    expect(formatCores(2)).toBe('2 cores');
    expect(formatCores(0.125)).toBe('0.13 cores');
    expect(formatCores(16)).toBe('16 cores');
    expect(formatCores(null)).toBe('–');
  });
});

describe('groupByPipeline', () => {
  it('keeps pipelines in order and puts steps outside pipelines last', () => {
    const row = (pipeline: string, step: string) => ({ pipeline, step }) as RightsizingRow;
    const groups = groupByPipeline([row('', 'solo'), row('etl', 'load'), row('etl', 'save'), row('ml', 'train')]);
    expect(groups.map((g) => [g.pipeline, g.rows.map((r) => r.step)])).toEqual([
      ['etl', ['load', 'save']],
      ['ml', ['train']],
      ['', ['solo']],
    ]);
  });
});

describe('rightsizingPath', () => {
  it('opens the runs list on the right-sizing view, with a pinned window when given', () => {
    expect(rightsizingPath('')).toBe('/runs?view=rightsizing');
    const url = new URL(rightsizingPath('7', { fromMs: 1000.5, toMs: 2000.2 }), 'http://x');
    expect(Object.fromEntries(url.searchParams)).toEqual({ exp: '7', view: 'rightsizing', from: '1000', to: '2001' });
  });
});
