import {
  type ColumnProfile,
  type DatasetProfile,
  type DatasetProfileInput,
  type DatasetRole,
  DECILES,
} from '@stellwerk/contracts';
import { z } from 'zod';
import { StellwerkError } from '../../errors.ts';

/** Limits of one profile; docs/datasets.md lists them. */
export const MAX_COLUMNS = 500;
export const MAX_HISTOGRAM_BINS = 1000;
export const MAX_TOP_K = 1000;

const count = z.number().int().min(0);
const finite = z.number().refine(Number.isFinite, 'must be a finite number');
const share = z.number().min(0).max(1);
const columnName = z.string().min(1).max(256);

const outlierCount = z.object({ rule: z.string().min(1).max(200), count, share }).strict();

const histogram = z
  .object({
    edges: z
      .array(finite)
      .min(2)
      .max(MAX_HISTOGRAM_BINS + 1),
    counts: z.array(count).min(1).max(MAX_HISTOGRAM_BINS),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (h.edges.length !== h.counts.length + 1)
      ctx.addIssue({ code: 'custom', path: ['edges'], message: 'must have one more entry than counts' });
    for (let i = 1; i < h.edges.length; i++) {
      if ((h.edges[i] as number) < (h.edges[i - 1] as number)) {
        ctx.addIssue({ code: 'custom', path: ['edges', i], message: 'edges must not decrease' });
        break;
      }
    }
  });

const numericColumn = z
  .object({
    name: columnName,
    kind: z.literal('numeric'),
    count,
    nulls: count,
    min: finite,
    max: finite,
    mean: finite,
    std: finite.refine((v) => v >= 0, 'must not be negative'),
    quantiles: z.record(z.string(), finite).superRefine((q, ctx) => {
      const missing = DECILES.filter((d) => q[String(d)] === undefined);
      if (missing.length > 0)
        ctx.addIssue({ code: 'custom', message: `needs the deciles for PSI; missing ${missing.join(', ')}` });
    }),
    histogram,
    outliers: outlierCount.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.min > c.max) ctx.addIssue({ code: 'custom', path: ['min'], message: 'is greater than max' });
    const inHistogram = c.histogram.counts.reduce((s, n) => s + n, 0);
    if (inHistogram !== c.count)
      ctx.addIssue({
        code: 'custom',
        path: ['histogram', 'counts'],
        message: `sum to ${inHistogram} but count is ${c.count}`,
      });
  });

const categoricalColumn = z
  .object({
    name: columnName,
    kind: z.literal('categorical'),
    count,
    nulls: count,
    distinct: count,
    topK: z.array(z.object({ value: z.string().max(1024), count }).strict()).max(MAX_TOP_K),
    otherCount: count.default(0),
  })
  .strict()
  .superRefine((c, ctx) => {
    const listed = c.topK.reduce((s, t) => s + t.count, 0);
    if (listed + c.otherCount !== c.count)
      ctx.addIssue({
        code: 'custom',
        path: ['topK'],
        message: `counts plus otherCount sum to ${listed + c.otherCount} but count is ${c.count}`,
      });
    if (new Set(c.topK.map((t) => t.value)).size !== c.topK.length)
      ctx.addIssue({ code: 'custom', path: ['topK'], message: 'lists a value twice' });
  });

export const profileInputSchema = z
  .object({
    rows: count,
    labelColumn: columnName.optional(),
    columns: z
      .array(z.discriminatedUnion('kind', [numericColumn, categoricalColumn]))
      .min(1)
      .max(MAX_COLUMNS),
    outliersRemoved: z
      .array(z.object({ column: columnName.optional(), rule: z.string().min(1).max(200), count, share }).strict())
      .max(MAX_COLUMNS)
      .default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    const names = new Set<string>();
    p.columns.forEach((c, i) => {
      if (names.has(c.name)) ctx.addIssue({ code: 'custom', path: ['columns', i, 'name'], message: 'is a duplicate' });
      names.add(c.name);
      if (c.count + c.nulls !== p.rows)
        ctx.addIssue({
          code: 'custom',
          path: ['columns', i, 'count'],
          message: `count + nulls is ${c.count + c.nulls} but rows is ${p.rows}`,
        });
    });
    if (p.labelColumn !== undefined) {
      const label = p.columns.find((c) => c.name === p.labelColumn);
      if (label?.kind !== 'categorical')
        ctx.addIssue({ code: 'custom', path: ['labelColumn'], message: 'must name a categorical column' });
    }
  });

/** Validates a precomputed profile; a bad one is a 400 naming each bad field. */
export function parseProfileInput(body: unknown): DatasetProfileInput {
  const result = profileInputSchema.safeParse(body);
  if (result.success) return result.data as DatasetProfileInput;
  const errors = result.error.issues.slice(0, 50).map((issue) => ({
    field: fieldPath(issue.path),
    reason: issue.message,
  }));
  const first = errors[0] as { field: string; reason: string };
  throw new StellwerkError(
    'STW_ERR_INVALID_RECORD',
    `The profile is invalid: ${first.field || 'body'} ${first.reason}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}. See docs/datasets.md for the profile's fields.`,
    { errors },
  );
}

function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) out += typeof part === 'number' ? `[${part}]` : out ? `.${String(part)}` : String(part);
  return out;
}

/** Class counts and imbalance (largest class / smallest class) of the label column. */
export function withClassBalance(columns: ColumnProfile[], labelColumn: string | undefined): ColumnProfile[] {
  if (!labelColumn) return columns;
  return columns.map((c) => {
    if (c.name !== labelColumn || c.kind !== 'categorical') return c;
    const classCounts = Object.fromEntries(c.topK.map((t) => [t.value, t.count]));
    const counts = c.topK.map((t) => t.count).filter((n) => n > 0);
    const imbalanceRatio = counts.length > 0 ? Math.max(...counts) / Math.min(...counts) : 1;
    return { ...c, classBalance: { classCounts, imbalanceRatio } };
  });
}

export function buildProfile(
  runId: string,
  role: DatasetRole,
  source: DatasetProfile['source'],
  input: DatasetProfileInput,
  uploadId?: string,
): DatasetProfile {
  return {
    runId,
    role,
    source,
    rows: input.rows,
    ...(input.labelColumn ? { labelColumn: input.labelColumn } : {}),
    columns: withClassBalance(input.columns, input.labelColumn),
    outliersRemoved: input.outliersRemoved ?? [],
    ...(uploadId ? { uploadId } : {}),
    createdMs: Date.now(),
  };
}
