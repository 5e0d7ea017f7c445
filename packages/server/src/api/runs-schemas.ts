import { RUN_KINDS, RUN_STATUSES, type RunKind, type RunStatus } from '@stellwerk/contracts';
import { z } from 'zod';
import { StellwerkError } from '../errors.ts';
import { MAX_TIME_MS, RUN_LIMITS } from './run-limits.ts';

/** Bodies of the native runs API (contracts/runs.ts), validated before anything is stored. */

const epochMs = z.number().int().nonnegative().max(MAX_TIME_MS, 'must be epoch milliseconds before 2300');
const stringMap = z.record(z.string(), z.string());
/** JSON has no NaN or infinities; the SDK sends them as these words. */
const metricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).transform(Number);

export const experimentCreateSchema = z.strictObject({
  name: z.string().min(1).max(RUN_LIMITS.experimentNameLength),
  artifactLocation: z.string().optional(),
  tags: stringMap.optional(),
});

export const runCreateSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-fA-F]{32}$/, 'must be 32 hexadecimal characters')
    .optional(),
  experimentId: z.string().optional(),
  experimentName: z.string().min(1).max(RUN_LIMITS.experimentNameLength).optional(),
  name: z.string().max(RUN_LIMITS.keyLength).optional(),
  kind: z.enum(RUN_KINDS as [RunKind, ...RunKind[]]).optional(),
  parentRunId: z.string().optional(),
  status: z.enum(RUN_STATUSES as [RunStatus, ...RunStatus[]]).optional(),
  startTimeMs: epochMs.optional(),
  user: z.string().optional(),
  host: z.string().optional(),
  command: z.string().optional(),
  gitCommit: z.string().optional(),
  params: stringMap.optional(),
  tags: stringMap.optional(),
});

export const runUpdateSchema = z.strictObject({
  status: z.enum(RUN_STATUSES as [RunStatus, ...RunStatus[]]).optional(),
  endTimeMs: epochMs.optional(),
  exitCode: z.number().int().optional(),
  name: z.string().min(1).max(RUN_LIMITS.keyLength).optional(),
});

export const metricInputSchema = z.strictObject({
  key: z.string(),
  value: metricValue,
  step: z.number().int().optional(),
  timestampMs: epochMs.optional(),
});

export const paramsBodySchema = z.strictObject({ params: stringMap });
export const tagsBodySchema = z.strictObject({ tags: stringMap });
export const metricsBodySchema = z.strictObject({
  metrics: z.array(metricInputSchema).max(RUN_LIMITS.batchMetrics),
});
export const logBodySchema = z.strictObject({
  metrics: z.array(metricInputSchema).max(RUN_LIMITS.batchMetrics).optional(),
  params: stringMap.optional(),
  tags: stringMap.optional(),
});

const nonNegative = z.number().nonnegative();
export const resourceSampleSchema = z.strictObject({
  timestampMs: epochMs,
  cpuPercent: nonNegative,
  cpuSeconds: nonNegative,
  rssBytes: nonNegative,
  peakRssBytes: nonNegative,
  readBytes: nonNegative,
  writeBytes: nonNegative,
  threads: nonNegative,
  openFds: nonNegative,
  processes: nonNegative,
  memoryLimitBytes: nonNegative.nullable(),
  cpuLimitCores: nonNegative.nullable(),
  gpus: z
    .array(
      z.strictObject({
        index: z.number().int().nonnegative(),
        name: z.string(),
        utilizationPercent: nonNegative,
        memoryUsedBytes: nonNegative,
        memoryTotalBytes: nonNegative,
      }),
    )
    .optional(),
});
const samplesSchema = z.array(resourceSampleSchema).min(1).max(RUN_LIMITS.resourceSamples);
/** `{ samples: [...] }`, or the bare array. */
export const resourcesBodySchema = z.preprocess(
  (v) => (Array.isArray(v) ? { samples: v } : v),
  z.strictObject({ samples: samplesSchema }),
);

/** Parses a body or throws a 400 whose `errors` name each offending field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown, what: string): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors = result.error.issues.slice(0, 20).map((issue) => ({
    field: issue.path.map(String).join('.') || '(body)',
    reason: issue.message,
  }));
  const first = errors[0];
  throw new StellwerkError(
    'STW_ERR_BAD_REQUEST',
    `Invalid ${what}: ${first ? `${first.field}: ${first.reason}` : 'malformed body'}${errors.length > 1 ? ` (and ${errors.length - 1} more)` : ''}.`,
    { errors },
  );
}
