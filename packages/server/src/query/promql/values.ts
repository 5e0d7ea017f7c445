import { execError } from './errors.ts';
import { type Labels, labelsKey } from './labels.ts';

/** One element of an instant vector; `t` is the raw sample's time where timestamp() needs it. */
export interface Sample {
  labels: Labels;
  v: number;
  t?: number;
}

export interface Series {
  labels: Labels;
  /** [epoch ms, value] */
  points: Array<[number, number]>;
}

export type Value =
  | { type: 'scalar'; v: number }
  | { type: 'string'; s: string }
  | { type: 'vector'; samples: Sample[] }
  | { type: 'matrix'; series: Series[] };

/** Prometheus refuses results where two elements share a label set (e.g. after dropping names). */
export function assertNoDuplicates(samples: Sample[]): void {
  const seen = new Set<string>();
  for (const s of samples) {
    const k = labelsKey(s.labels);
    if (seen.has(k)) throw execError('vector cannot contain metrics with the same labelset');
    seen.add(k);
  }
}
