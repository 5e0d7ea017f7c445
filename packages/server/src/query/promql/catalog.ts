import type { ValueType } from './ast.ts';

export interface FunctionSignature {
  args: ValueType[];
  /** How many trailing args may be left out; -1: the last may repeat any number of times (label_join). */
  optional?: number;
  variadicLast?: boolean;
  returns: ValueType;
}

const v = 'vector' as const;
const m = 'matrix' as const;
const s = 'scalar' as const;
const str = 'string' as const;

const math1: FunctionSignature = { args: [v], returns: v };
const overTime: FunctionSignature = { args: [m], returns: v };
const dateFn: FunctionSignature = { args: [v], optional: 1, returns: v };

/** The functions Stellwerk evaluates. Anything else the grammar knows answers "not supported". */
export const FUNCTIONS: Record<string, FunctionSignature> = {
  abs: math1,
  ceil: math1,
  floor: math1,
  exp: math1,
  ln: math1,
  log2: math1,
  log10: math1,
  sqrt: math1,
  sgn: math1,
  sort: math1,
  sort_desc: math1,
  timestamp: math1,
  absent: math1,
  round: { args: [v, s], optional: 1, returns: v },
  clamp: { args: [v, s, s], returns: v },
  clamp_min: { args: [v, s], returns: v },
  clamp_max: { args: [v, s], returns: v },
  label_replace: { args: [v, str, str, str, str], returns: v },
  label_join: { args: [v, str, str, str], variadicLast: true, optional: 1, returns: v },
  time: { args: [], returns: s },
  pi: { args: [], returns: s },
  vector: { args: [s], returns: v },
  scalar: { args: [v], returns: s },
  histogram_quantile: { args: [s, v], returns: v },
  rate: overTime,
  irate: overTime,
  increase: overTime,
  delta: overTime,
  idelta: overTime,
  deriv: overTime,
  predict_linear: { args: [m, s], returns: v },
  changes: overTime,
  resets: overTime,
  avg_over_time: overTime,
  min_over_time: overTime,
  max_over_time: overTime,
  sum_over_time: overTime,
  count_over_time: overTime,
  last_over_time: overTime,
  stddev_over_time: overTime,
  stdvar_over_time: overTime,
  present_over_time: overTime,
  absent_over_time: overTime,
  quantile_over_time: { args: [s, m], returns: v },
  minute: dateFn,
  hour: dateFn,
  day_of_week: dateFn,
  day_of_month: dateFn,
  day_of_year: dateFn,
  days_in_month: dateFn,
  month: dateFn,
  year: dateFn,
};

export const TYPE_NAMES: Record<ValueType, string> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
};
