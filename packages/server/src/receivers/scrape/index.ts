import { readFile, stat } from 'node:fs/promises';
import type { MetricMetadata, MetricSample } from '@stellwerk/contracts';
import type { Logger } from 'pino';
import { parse as parseYaml } from 'yaml';
import { type Config, durationMs } from '../../config/index.ts';
import type { Metrics } from '../../observability/metrics.ts';
import type { MetricsIngest } from '../../pipeline/metrics-ingest.ts';
import { formatOf, type ParsedSample, parseExposition } from '../exposition/parse.ts';
import { type RelabelConfig, relabel } from './relabel.ts';

export interface Scraper {
  stop(): Promise<void>;
}

const RECEIVER = 'scrape';
/** Prometheus 2.42's Accept header: OpenMetrics first, then text 0.0.4. */
const ACCEPT =
  'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const FILE_POLL_MS = 1000;
const USER_AGENT = 'Stellwerk-Scraper/0.1';

export interface TargetSpec {
  job: string;
  /** Full URL, or `self:` for the in-process registry. */
  url: string;
  /** Target labels (job, instance, static and file_sd labels). */
  labels: Record<string, string>;
  intervalMs: number;
  timeoutMs: number;
  honorLabels: boolean;
  bearerToken: string | undefined;
  /** The job's `metricRelabelConfigs`, applied to every scraped sample. */
  metricRelabel: readonly RelabelConfig[];
}

interface ScrapeBody {
  text: string;
  contentType: string | undefined;
}

/** Pulls Prometheus text and OpenMetrics endpoints from configured targets. */
export function startScraper(options: {
  config: Config['scrape'];
  /** This server's own base URL, for the default self-scrape. */
  selfUrl: string;
  ingest: MetricsIngest;
  metrics: Metrics;
  logger: Logger;
}): Scraper {
  const { config, logger } = options;
  const defaultInterval = durationMs(config.interval);
  const defaultTimeout = durationMs(config.timeout);
  const loops = new Map<string, TargetLoop>();
  const staticSpecs: TargetSpec[] = [];
  const fileSpecs = new Map<string, TargetSpec[]>();
  const fileState = new Map<string, string>();

  if (config.self) {
    staticSpecs.push({
      job: 'stellwerk',
      url: 'self:',
      labels: { job: 'stellwerk', instance: new URL(options.selfUrl).host },
      intervalMs: defaultInterval,
      timeoutMs: defaultTimeout,
      honorLabels: false,
      bearerToken: undefined,
      metricRelabel: [],
    });
  }
  // A target that relabelling drops (or leaves without a usable URL) is not scraped.
  const build = (job: JobConfig, url: string, extra: Record<string, string>): TargetSpec | undefined => {
    try {
      const spec = specFor(job, url, extra, defaultInterval, defaultTimeout);
      if (!spec) logger.debug({ job: job.name, target: url }, 'scrape target dropped by relabelling');
      return spec ?? undefined;
    } catch (err) {
      logger.warn({ job: job.name, target: url, err: (err as Error).message }, 'scrape target skipped');
      return undefined;
    }
  };
  for (const job of config.jobs) {
    for (const target of job.targets) {
      const spec = build(job, target, {});
      if (spec) staticSpecs.push(spec);
    }
  }

  const fetchSelf = async (): Promise<ScrapeBody> => ({
    text: await options.metrics.registry.metrics(),
    contentType: options.metrics.registry.contentType,
  });

  const reconcile = () => {
    const wanted = new Map<string, TargetSpec>();
    for (const spec of [...staticSpecs, ...[...fileSpecs.values()].flat()]) wanted.set(specKey(spec), spec);
    for (const [key, loop] of loops) {
      if (wanted.has(key)) continue;
      loops.delete(key);
      loop.stop(true);
      logger.info({ job: loop.spec.job, target: loop.spec.url }, 'scrape target removed');
    }
    for (const [key, spec] of wanted) {
      if (loops.has(key)) continue;
      const loop = new TargetLoop(
        spec,
        options.ingest,
        logger,
        spec.url === 'self:' ? fetchSelf : undefined,
        config.createdTimestampZeroIngestion,
      );
      loops.set(key, loop);
      loop.start();
    }
  };

  // file_sd: re-read a file when its mtime or size changes; a bad file keeps the previous targets.
  const pollFiles = async () => {
    for (const job of config.jobs) {
      for (const file of job.files) {
        const id = `${job.name}\u0000${file}`;
        let signature: string;
        try {
          const st = await stat(file);
          signature = `${st.mtimeMs}:${st.size}`;
        } catch {
          signature = 'missing';
        }
        if (fileState.get(id) === signature) continue;
        fileState.set(id, signature);
        if (signature === 'missing') {
          logger.warn({ job: job.name, file }, 'file_sd: file not found; its targets are dropped');
          fileSpecs.set(id, []);
          continue;
        }
        try {
          const groups = parseFileSd(await readFile(file, 'utf8'), file);
          const specs: TargetSpec[] = [];
          for (const g of groups) {
            for (const hostPort of g.targets) {
              const scheme = g.labels.__scheme__ ?? 'http';
              const path = g.labels.__metrics_path__ ?? job.metricsPath ?? '/metrics';
              const spec = build(job, `${scheme}://${hostPort}${path}`, g.labels);
              if (spec) specs.push(spec);
            }
          }
          fileSpecs.set(id, specs);
          logger.info({ job: job.name, file, targets: specs.length }, 'file_sd: targets loaded');
        } catch (err) {
          logger.error(
            { job: job.name, file, err: (err as Error).message },
            'file_sd: cannot read targets; keeping the previous ones',
          );
        }
      }
    }
    reconcile();
  };

  let stopped = false;
  let pollTimer: NodeJS.Timeout | undefined;
  const hasFiles = config.jobs.some((j) => j.files.length > 0);
  const schedulePoll = () => {
    pollTimer = setTimeout(() => {
      pollFiles()
        .catch((err) => logger.error({ err }, 'file_sd: poll failed'))
        .finally(() => {
          if (!stopped) schedulePoll();
        });
    }, FILE_POLL_MS);
    pollTimer.unref();
  };
  reconcile();
  if (hasFiles) {
    pollFiles()
      .catch((err) => logger.error({ err }, 'file_sd: poll failed'))
      .finally(() => {
        if (!stopped) schedulePoll();
      });
  }

  return {
    stop: async () => {
      stopped = true;
      if (pollTimer) clearTimeout(pollTimer);
      await Promise.all([...loops.values()].map((l) => l.stop(false)));
      loops.clear();
    },
  };
}

type JobConfig = Config['scrape']['jobs'][number];

/**
 * A target's spec after `relabelConfigs`, or null when relabelling drops it. Relabelling sees
 * `__address__`, `__scheme__`, `__metrics_path__`, `job`, `instance`, the job's labels and the
 * file_sd group's labels (its `__` ones too); `__` labels are removed afterwards. Throws when
 * the relabelled address does not make a URL.
 */
export function specFor(
  job: JobConfig,
  url: string,
  extra: Record<string, string>,
  defaultInterval: number,
  defaultTimeout: number,
): TargetSpec | null {
  const intervalMs = job.interval ? durationMs(job.interval) : defaultInterval;
  const timeoutMs = Math.min(job.timeout ? durationMs(job.timeout) : defaultTimeout, intervalMs);
  const parsed = new URL(url);
  const initial: Record<string, string> = {
    __address__: parsed.host,
    __scheme__: parsed.protocol.slice(0, -1),
    __metrics_path__: parsed.pathname,
    ...job.labels,
    ...extra,
    job: job.name,
    instance: parsed.host,
  };
  const relabelled = relabel(initial, job.relabelConfigs);
  if (!relabelled) return null;
  const address = relabelled.__address__ ?? '';
  if (address === '') throw new Error('relabelling left no __address__');
  const scheme = relabelled.__scheme__ || 'http';
  const path = relabelled.__metrics_path__ || '/';
  let target = url;
  // Rebuild the URL only when relabelling changed it, so credentials and query strings survive.
  if (address !== initial.__address__ || scheme !== initial.__scheme__ || path !== initial.__metrics_path__) {
    target = new URL(`${scheme}://${address}${path}${parsed.search}`).href;
  }
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(relabelled)) if (!k.startsWith('__') && v !== '') labels[k] = v;
  labels.instance ??= address;
  return {
    job: job.name,
    url: target,
    labels,
    intervalMs,
    timeoutMs,
    honorLabels: job.honorLabels,
    bearerToken: job.bearerToken,
    metricRelabel: job.metricRelabelConfigs,
  };
}

function specKey(s: TargetSpec): string {
  return JSON.stringify([s.job, s.url, Object.entries(s.labels).sort()]);
}

/** Prometheus file_sd: `[{targets: ["host:port"], labels: {...}}]`, JSON or YAML. */
export function parseFileSd(text: string, file: string): Array<{ targets: string[]; labels: Record<string, string> }> {
  const doc: unknown = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  if (doc === null || doc === undefined) return [];
  if (!Array.isArray(doc)) throw new Error('expected a list of {targets, labels} groups');
  return doc.map((g, i) => {
    const targets = (g as { targets?: unknown }).targets;
    const labels = (g as { labels?: unknown }).labels ?? {};
    if (!Array.isArray(targets) || !targets.every((t) => typeof t === 'string' && /^[^/\s]+$/.test(t))) {
      throw new Error(`group ${i}: targets must be a list of "host:port" strings`);
    }
    if (
      typeof labels !== 'object' ||
      Array.isArray(labels) ||
      !Object.values(labels).every((v) => typeof v === 'string')
    ) {
      throw new Error(`group ${i}: labels must map names to strings`);
    }
    return { targets: targets as string[], labels: labels as Record<string, string> };
  });
}

/**
 * Applies target labels to a scraped sample, as Prometheus does: without honor_labels a
 * scraped label that clashes with a target label is kept as `exported_<name>` and the target's
 * value wins; with honor_labels the scraped value wins and the target label is dropped.
 */
export function applyTargetLabels(
  scraped: Record<string, string>,
  target: Record<string, string>,
  honorLabels: boolean,
): Record<string, string> {
  const out: Record<string, string> = { ...scraped };
  for (const name in target) {
    const value = target[name] as string;
    if (Object.hasOwn(out, name)) {
      if (honorLabels) continue;
      let exported = `exported_${name}`;
      while (Object.hasOwn(out, exported)) exported = `exported_${exported}`;
      out[exported] = out[name] as string;
    }
    out[name] = value;
  }
  return out;
}

class TargetLoop {
  private timer: NodeJS.Timeout | undefined;
  private inFlight: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private stopped = false;
  /** Series written by the previous scrape, for staleness markers (and when, for created timestamps). */
  private previous = new Map<string, { metric: string; labels: Record<string, string>; tsMs: number }>();
  /** Samples of a series seen before may predate this loop (an earlier run), so no zero before it. */
  private readonly loopStartMs = Date.now();
  private lastMetadata = '';
  private lastError: string | undefined;

  constructor(
    readonly spec: TargetSpec,
    private readonly ingest: MetricsIngest,
    private readonly logger: Logger,
    private readonly inProcess: (() => Promise<ScrapeBody>) | undefined,
    private readonly zeroAtCreated: boolean,
  ) {}

  start(): void {
    // One scrape in flight per target: the next one is scheduled only when this one ends.
    const tick = () => {
      if (this.stopped) return;
      const started = Date.now();
      this.inFlight = this.scrapeOnce(started)
        .catch((err) => {
          // A full ingest queue is back-pressure, not a bug: this scrape is lost, the next one retries.
          if ((err as { code?: string }).code === 'STW_ERR_OVERLOADED') {
            this.logger.warn(
              { job: this.spec.job, target: this.spec.url },
              `scrape dropped: ${(err as Error).message}`,
            );
          } else this.logger.error({ err, target: this.spec.url }, 'scrape: writing results failed');
        })
        .finally(() => {
          this.inFlight = undefined;
          if (this.stopped) return;
          const wait = Math.max(0, this.spec.intervalMs - (Date.now() - started));
          this.timer = setTimeout(tick, wait);
          this.timer.unref();
        });
    };
    tick();
  }

  /** `removed`: the target left discovery, so all its series (synthetic ones too) end now. */
  async stop(removed: boolean): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.abort?.abort();
    await this.inFlight;
    if (removed) {
      const now = Date.now();
      const stale: MetricSample[] = [...this.previous.values()].map((s) => staleOf(s, now));
      for (const name of ['up', 'scrape_duration_seconds', 'scrape_samples_scraped']) {
        stale.push(staleOf({ metric: name, labels: this.spec.labels }, now));
      }
      await this.ingest.ingest(stale, { receiver: RECEIVER }).catch(() => {});
    }
  }

  private async scrapeOnce(startedMs: number): Promise<void> {
    const t0 = performance.now();
    let parsed: { samples: ParsedSample[]; metadata: MetricMetadata[] } | undefined;
    let error: string | undefined;
    try {
      const body = this.inProcess ? await this.inProcess() : await this.fetchBody();
      parsed = parseExposition(body.text, formatOf(body.contentType));
    } catch (err) {
      error =
        (err as Error).name === 'TimeoutError' ? `timeout after ${this.spec.timeoutMs} ms` : (err as Error).message;
    }
    if (this.stopped && error) return;
    const duration = (performance.now() - t0) / 1000;
    const out: MetricSample[] = [];
    const current = new Map<string, { metric: string; labels: Record<string, string>; tsMs: number }>();
    if (parsed) {
      for (const s of parsed.samples) {
        const sample = this.relabelSample(
          s.metric,
          applyTargetLabels(s.labels, this.spec.labels, this.spec.honorLabels),
        );
        if (!sample) continue;
        const { metric, labels } = sample;
        const tsMs = s.tsMs ?? startedMs;
        const key = seriesKey(metric, labels);
        if (s.createdMs !== undefined && this.zeroAtCreated) {
          const zero = createdZero(s.createdMs, tsMs, this.previous.get(key)?.tsMs ?? this.loopStartMs);
          if (zero !== undefined) out.push({ metric, labels, tsMs: zero, value: 0 });
        }
        out.push({ metric, labels, tsMs, value: s.value });
        current.set(key, { metric, labels, tsMs });
      }
    }
    // Series of the previous scrape missing from this one (all of them when it failed) end here.
    for (const [key, s] of this.previous) if (!current.has(key)) out.push(staleOf(s, startedMs));
    this.previous = current;
    const target = this.spec.labels;
    out.push({ metric: 'up', labels: target, tsMs: startedMs, value: parsed ? 1 : 0 });
    out.push({ metric: 'scrape_duration_seconds', labels: target, tsMs: startedMs, value: duration });
    out.push({ metric: 'scrape_samples_scraped', labels: target, tsMs: startedMs, value: parsed?.samples.length ?? 0 });

    if (error !== this.lastError) {
      if (error)
        this.logger.warn({ job: this.spec.job, target: this.spec.url, error }, `scrape failed (up=0): ${error}`);
      else if (this.lastError)
        this.logger.info({ job: this.spec.job, target: this.spec.url }, 'scrape recovered (up=1)');
      this.lastError = error;
    }
    // Metadata rarely changes; store it only when it does.
    let metadata: MetricMetadata[] | undefined;
    if (parsed && parsed.metadata.length > 0) {
      const text = JSON.stringify(parsed.metadata);
      if (text !== this.lastMetadata) {
        this.lastMetadata = text;
        metadata = parsed.metadata;
      }
    }
    const result = await this.ingest.ingest(out, { receiver: RECEIVER, metadata });
    if (result.rejected > 0) {
      const first = result.errors[0];
      this.logger.warn(
        { job: this.spec.job, target: this.spec.url, rejected: result.rejected },
        `scrape: ${result.rejected} sample(s) rejected, the first: ${first?.reason ?? '?'}`,
      );
    }
  }

  /** `metricRelabelConfigs` over the sample's labels plus `__name__`; null drops the sample. */
  private relabelSample(
    metric: string,
    labels: Record<string, string>,
  ): { metric: string; labels: Record<string, string> } | null {
    if (this.spec.metricRelabel.length === 0) return { metric, labels };
    const out = relabel({ ...labels, __name__: metric }, this.spec.metricRelabel);
    const name = out?.__name__;
    if (!out || !name) return null;
    delete out.__name__;
    return { metric: name, labels: out };
  }

  private async fetchBody(): Promise<ScrapeBody> {
    this.abort = new AbortController();
    const signal = AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.spec.timeoutMs)]);
    const headers: Record<string, string> = {
      accept: ACCEPT,
      'accept-encoding': 'gzip',
      'user-agent': USER_AGENT,
      'x-prometheus-scrape-timeout-seconds': String(this.spec.timeoutMs / 1000),
    };
    if (this.spec.bearerToken) headers.authorization = `Bearer ${this.spec.bearerToken}`;
    // fetch undoes gzip itself; the cap below counts decompressed bytes, so a bomb stops early.
    const res = await fetch(this.spec.url, { headers, signal, redirect: 'follow' });
    if (res.status !== 200) {
      await res.body?.cancel().catch(() => {});
      throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    if (res.body) {
      // Node's web streams are async-iterable; the DOM typings (used by the browser tests) say otherwise.
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        size += chunk.byteLength;
        if (size > MAX_BODY_BYTES) {
          this.abort.abort();
          throw new Error(`body larger than ${MAX_BODY_BYTES} bytes`);
        }
        chunks.push(Buffer.from(chunk));
      }
    }
    return { text: Buffer.concat(chunks).toString('utf8'), contentType: res.headers.get('content-type') ?? undefined };
  }
}

/**
 * The time of a zero sample for a series created (OpenMetrics `_created`) at `createdMs`, as
 * Prometheus' created-timestamp zero ingestion adds: the counter was 0 then, so increase() counts
 * a new series' first value and rate() sees a restart even when the counter already climbed past
 * its old value. Only strictly between the last sample stored for the series (`afterMs`) and
 * this one, so a zero never lands among samples already stored, and is added once per creation.
 */
export function createdZero(createdMs: number, tsMs: number, afterMs: number): number | undefined {
  return createdMs > afterMs && createdMs < tsMs ? createdMs : undefined;
}

function staleOf(s: { metric: string; labels: Record<string, string> }, tsMs: number): MetricSample {
  return { metric: s.metric, labels: s.labels, tsMs, value: Number.NaN, stale: true };
}

function seriesKey(metric: string, labels: Record<string, string>): string {
  let key = metric;
  for (const k in labels) key += `\u0000${k}\u0001${labels[k]}`;
  return key;
}
