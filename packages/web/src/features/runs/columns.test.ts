import type { Run } from '@stellwerk/contracts';
import { describe, expect, it } from 'vitest';
import { availableColumns, cellValue, defaultColumns, orderByFor, parseColumns, parseSort } from './columns.ts';

const run = (over: Partial<Run>): Run => ({
  runId: 'a'.repeat(32),
  experimentId: '1',
  name: 'r',
  kind: 'training',
  parentRunId: '',
  status: 'FINISHED',
  startTimeMs: 0,
  endTimeMs: 1,
  lifecycleStage: 'active',
  user: '',
  host: '',
  command: '',
  gitCommit: '',
  exitCode: 0,
  artifactUri: '',
  params: {},
  tags: {},
  metrics: [],
  inputs: [],
  ...over,
});

describe('runs table columns', () => {
  it('turns a sort into an MLflow order_by, quoting keys the grammar does not take bare', () => {
    expect(orderByFor({ column: 'metrics.acc', desc: true })).toBe('metrics.acc DESC');
    expect(orderByFor({ column: 'metrics.val/loss', desc: false })).toBe('metrics.`val/loss` ASC');
    expect(orderByFor({ column: 'params.model.depth', desc: false })).toBe('params.`model.depth` ASC');
    expect(orderByFor({ column: 'attributes.start_time', desc: true })).toBe('attributes.start_time DESC');
  });

  it('reads the sort from the URL and falls back to newest first on anything else', () => {
    expect(parseSort('metrics.acc:asc')).toEqual({ column: 'metrics.acc', desc: false });
    expect(parseSort('params.a:b:desc')).toEqual({ column: 'params.a:b', desc: true });
    expect(parseSort('attributes.status:asc')).toEqual({ column: 'attributes.status', desc: false });
    expect(parseSort('nonsense:asc')).toEqual({ column: 'attributes.start_time', desc: true });
    expect(parseSort(null)).toEqual({ column: 'attributes.start_time', desc: true });
  });

  it('keeps only metric, param and tag columns from the URL, with encoded keys', () => {
    expect(parseColumns(`metrics.acc,params.${encodeURIComponent('a,b')},bogus,%E0%A4%A`)).toEqual([
      'metrics.acc',
      'params.a,b',
    ]);
  });

  it('offers every key and starts with result metrics and params, not system metrics or mlflow tags', () => {
    const runs = [
      run({
        metrics: [
          { key: 'acc', value: 0.9, step: 1, timestampMs: 0 },
          { key: 'system/cpu_utilization_percentage', value: 3, step: 1, timestampMs: 0 },
        ],
        params: { lr: '0.1' },
        tags: { team: 'x', 'mlflow.runName': 'r' },
      }),
      run({ params: { depth: '3' } }),
    ];
    expect(availableColumns(runs)).toEqual({
      metrics: ['acc', 'system/cpu_utilization_percentage'],
      params: ['depth', 'lr'],
      tags: ['team'],
    });
    expect(defaultColumns(runs)).toEqual(['metrics.acc', 'params.depth', 'params.lr']);
    expect(cellValue(runs[0] as Run, 'metrics.acc')).toBe(0.9);
    expect(cellValue(runs[1] as Run, 'params.lr')).toBeUndefined();
  });
});
