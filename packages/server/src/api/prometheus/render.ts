import type { Labels } from '../../query/promql/labels.ts';
import { formatValue } from '../../query/promql/literals.ts';
import type { Value } from '../../query/promql/values.ts';

/** A query result in the Prometheus HTTP API's `data` shape; times as float Unix seconds. */
export function renderValue(v: Value, evalTimeMs: number) {
  switch (v.type) {
    case 'scalar':
      return { resultType: 'scalar', result: [evalTimeMs / 1000, formatValue(v.v)] };
    case 'string':
      return { resultType: 'string', result: [evalTimeMs / 1000, v.s] };
    case 'vector':
      return {
        resultType: 'vector',
        result: v.samples.map((s) => ({ metric: s.labels, value: [evalTimeMs / 1000, formatValue(s.v)] })),
      };
    case 'matrix':
      return {
        resultType: 'matrix',
        result: v.series.map((s) => ({
          metric: s.labels as Labels,
          values: s.points.map(([t, x]) => [t / 1000, formatValue(x)]),
        })),
      };
  }
}
