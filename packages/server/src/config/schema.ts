import { z } from 'zod';

/**
 * The one configuration schema. The YAML file, STELLWERK_* environment variables and CLI
 * flags all feed this schema; nothing else defines a setting. Each field says why it exists.
 */

const duration = z
  .string()
  .regex(/^\d+(ms|s|m|h|d|w)$/, 'a duration such as 500ms, 30s, 15m, 12h, 30d or 2w')
  .describe('duration');

/**
 * Whether a relabel regex compiles the way receivers/scrape/relabel.ts compiles it (anchored,
 * RE2's `(?P<name>` accepted). Repeated here because config may not import the receivers.
 */
function isValidRelabelRegex(source: string): boolean {
  try {
    new RegExp(`^(?:${source.replaceAll('(?P<', '(?<')})$`);
    return true;
  } catch {
    return false;
  }
}

/** One Prometheus relabelling rule (`relabel_config`); see docs/protocols/scrape.md. */
const relabelConfig = z
  .object({
    /** Labels whose values are joined (with `separator`) into the string the regex matches. */
    sourceLabels: z.array(z.string()).optional(),
    separator: z.string().default(';'),
    /** Anchored at both ends, as in Prometheus; checked here so a typo fails at load, not per scrape. */
    regex: z.string().refine(isValidRelabelRegex, 'not a valid regular expression').default('(.*)'),
    /** Label written by `replace`; may use `$1`/`${name}` too. */
    targetLabel: z.string().optional(),
    /** Value for `replace`, new label name for `labelmap`; `$1`, `${1}`, `$name` expand groups. */
    replacement: z.string().default('$1'),
    action: z.enum(['replace', 'keep', 'drop', 'labelmap', 'labeldrop', 'labelkeep']).default('replace'),
  })
  .strict()
  // As in Prometheus: a replace without a target would silently do nothing.
  .refine((c) => c.action !== 'replace' || c.targetLabel !== undefined, {
    message: 'action replace needs a targetLabel',
    path: ['targetLabel'],
  });

const byteSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\d+(B|KiB|MiB|GiB|KB|MB|GB)?$/, 'a size such as 16MiB, 512KiB or a number of bytes')
    .transform(parseByteSize),
]);

export const scopeSchema = z.enum(['ingest', 'read', 'admin']);
export type Scope = z.infer<typeof scopeSchema>;

export const configSchema = z
  .object({
    server: z
      .object({
        /** Loopback by default: without tokens nothing else may reach Stellwerk. */
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8420),
        /** Where the built web UI is served from; empty disables the UI. */
        webDir: z.string().optional(),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 8420, logLevel: 'info' }),
    storage: z
      .object({
        /** The embedded engine's data directory. */
        dataDir: z.string().default('./stellwerk-data'),
        /** A ClickHouse server (http[s]://user:password@host:8123/database) instead of the embedded engine. */
        clickhouseUrl: z.string().url().optional(),
        /** Caps the embedded engine's memory so a heavy query cannot take the machine down. */
        engineMemoryLimit: byteSize.default(4 * 1024 ** 3),
        /** Every query is cut off after this long: each store statement (max_execution_time) and each PromQL query. */
        queryTimeout: duration.default('60s'),
      })
      .strict()
      .default({ dataDir: './stellwerk-data', engineMemoryLimit: 4 * 1024 ** 3, queryTimeout: '60s' }),
    auth: z
      .object({
        /** API tokens. Without any, Stellwerk only binds to loopback. */
        tokens: z
          .array(
            z
              .object({
                name: z.string().min(1),
                token: z.string().min(16, 'tokens need at least 16 characters'),
                scopes: z.array(scopeSchema).min(1),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ tokens: [] }),
    ingest: z
      .object({
        /** Largest accepted request body after decompression. */
        maxBodyBytes: byteSize.default(16 * 1024 ** 2),
        /** Longer lines are rejected with the line number rather than stored truncated. */
        maxLineBytes: byteSize.default(256 * 1024),
        /** More attributes than this on one record is almost always a bug in the sender. */
        maxAttributes: z.number().int().positive().default(256),
        /** A batch goes to the store when it holds this many records ... */
        batchMaxRecords: z.number().int().positive().default(20_000),
        /** ... or when its oldest record has waited this long. */
        batchMaxAge: duration.default('250ms'),
        /** Beyond this many records waiting for the store, writes answer 429 (bounded memory). */
        queueMaxRecords: z.number().int().positive().default(200_000),
        /** The same bound in encoded bytes. */
        queueMaxBytes: byteSize.default(256 * 1024 ** 2),
        /** OTLP DELTA series whose running totals are kept in memory; a new series beyond this is refused. */
        otlpDeltaMaxSeries: z.number().int().positive().default(100_000),
        /** A DELTA series not updated for this long is forgotten; its next point starts a new total (a reset). */
        otlpDeltaIdleTimeout: duration.default('15m'),
      })
      .strict()
      .default({
        maxBodyBytes: 16 * 1024 ** 2,
        maxLineBytes: 256 * 1024,
        maxAttributes: 256,
        batchMaxRecords: 20_000,
        batchMaxAge: '250ms',
        queueMaxRecords: 200_000,
        queueMaxBytes: 256 * 1024 ** 2,
        otlpDeltaMaxSeries: 100_000,
        otlpDeltaIdleTimeout: '15m',
      }),
    metrics: z
      .object({
        /** All series together; a write that would create more is refused for the new series. */
        maxSeries: z.number().int().positive().default(1_000_000),
        /** One metric's series; guards against a label with unbounded values. */
        maxSeriesPerMetric: z.number().int().positive().default(100_000),
        maxLabelsPerSeries: z.number().int().positive().default(64),
        maxLabelValueBytes: z.number().int().positive().default(4096),
        /**
         * How often new samples are rolled up into the 1m/1h/1d tiers. Reads stay exact in
         * between (they add the raw samples not yet rolled); longer means fewer, larger rolls
         * and more raw data per rollup read.
         */
        rollupInterval: duration.default('10s'),
      })
      .strict()
      .default({
        maxSeries: 1_000_000,
        maxSeriesPerMetric: 100_000,
        maxLabelsPerSeries: 64,
        maxLabelValueBytes: 4096,
        rollupInterval: '10s',
      }),
    scrape: z
      .object({
        /** Scrape this server's own /metrics, so Stellwerk watches itself out of the box. */
        self: z.boolean().default(true),
        /** Default pull interval and timeout for every target. */
        interval: duration.default('15s'),
        timeout: duration.default('10s'),
        /** A zero sample at an OpenMetrics `_created` time, so increase() counts a new counter's first value. */
        createdTimestampZeroIngestion: z.boolean().default(true),
        /** Static targets: each a job with URLs of Prometheus-format endpoints. */
        jobs: z
          .array(
            z
              .object({
                name: z.string().min(1),
                targets: z.array(z.string().url()).default([]),
                /** Files listing targets (Prometheus file_sd format, JSON or YAML), re-read when they change. */
                files: z.array(z.string()).default([]),
                interval: duration.optional(),
                timeout: duration.optional(),
                metricsPath: z.string().optional(),
                labels: z.record(z.string(), z.string()).default({}),
                honorLabels: z.boolean().default(false),
                /** Bearer token sent to the target. */
                bearerToken: z.string().optional(),
                /** Rules over each target's labels (`__address__` etc.) before it is scraped; may drop targets. */
                relabelConfigs: z.array(relabelConfig).default([]),
                /** Rules over every scraped sample's labels (with `__name__`) before it is stored; may drop samples. */
                metricRelabelConfigs: z.array(relabelConfig).default([]),
              })
              .strict(),
          )
          .default([]),
      })
      .strict()
      .default({ self: true, interval: '15s', timeout: '10s', createdTimestampZeroIngestion: true, jobs: [] }),
    retention: z
      .object({
        /** Raw logs older than this are deleted by the store (TTL). */
        logs: duration.default('30d'),
        /** Raw metric samples older than this are deleted by the store (TTL). */
        metrics: duration.default('15d'),
        /** 1-minute metric rollups older than this are deleted (TTL on the bucket start). */
        metrics1m: duration.default('90d'),
        /** 1-hour metric rollups. */
        metrics1h: duration.default('730d'),
        /** 1-day metric rollups. */
        metrics1d: duration.default('1825d'),
      })
      .strict()
      .default({ logs: '30d', metrics: '15d', metrics1m: '90d', metrics1h: '730d', metrics1d: '1825d' }),
    artifacts: z
      .object({
        /** One artifact file (MLflow artifact upload); larger uploads answer 413 and nothing is kept. */
        maxFileBytes: byteSize.default(1024 ** 3),
      })
      .strict()
      .default({ maxFileBytes: 1024 ** 3 }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function durationMs(value: string): number {
  const m = /^(\d+)(ms|s|m|h|d|w)$/.exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Number(m[1]) * (UNIT_MS[m[2] as string] as number);
}

function parseByteSize(value: string): number {
  const m = /^(\d+)(B|KiB|MiB|GiB|KB|MB|GB)?$/.exec(value);
  const units: Record<string, number> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, KB: 1e3, MB: 1e6, GB: 1e9 };
  return Number(m?.[1]) * (units[m?.[2] ?? 'B'] as number);
}
