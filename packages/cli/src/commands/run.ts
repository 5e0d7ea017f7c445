/**
 * `stellwerk run -- <command>`: runs a command unchanged and records it as a run: its
 * output becomes the run's logs, its process tree is sampled, and its end is recorded with
 * the exit code. Whatever happens to Stellwerk, the command behaves as it would unwrapped:
 * same output, same exit code, and what could not be sent waits in the local spool.
 */
import type { ResourceSample, RunMetricInput, RunStatus, RunUpdate } from '@stellwerk/contracts';
import { outputClosed, startChild } from '../run/child.ts';
import { ApiClient, DEFAULT_SERVER_URL } from '../run/client.ts';
import { Delivery } from '../run/delivery.ts';
import { GpuWatcher } from '../run/gpu.ts';
import { readLimits } from '../run/limits.ts';
import { parseInterval, parsePairs, UsageError } from '../run/options.ts';
import { forwardStream, LogShipper } from '../run/output.ts';
import { gitCommit, newRunId, runCreate, runName } from '../run/run-record.ts';
import { reapedChildrenCpuSeconds, TreeSampler } from '../run/sampler.ts';
import { flushSpool, SpoolWriter, spoolDir } from '../run/spool.ts';

export interface RunOptions {
  server?: string;
  token?: string;
  experiment?: string;
  name?: string;
  pipeline?: string;
  step?: string;
  param: string[];
  tag: string[];
  sampleInterval?: string;
  pty?: boolean;
}

/** How long the run's creation may take before the command starts anyway (and the run is spooled). */
const START_TIMEOUT_MS = 2000;
/** How long the wrapper waits after the command for its last records to be stored. */
const END_DRAIN_MS = 5000;
/** Output a command's leftover background processes may still write after it exited. */
const OUTPUT_GRACE_MS = 1000;
const RUN_ID = /^[0-9a-f]{32}$/;

function warn(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** The child's OTEL_RESOURCE_ATTRIBUTES: the user's own, with this run's id (replacing an outer run's). */
export function otelResourceAttributes(existing: string | undefined, runId: string): string {
  const kept = (existing ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '' && !s.startsWith('stellwerk.run_id='));
  return [...kept, `stellwerk.run_id=${runId}`].join(',');
}

/** The environment the command gets: the wrapper's own plus what ties its telemetry to the run. */
export function childEnv(
  base: NodeJS.ProcessEnv,
  run: { url: string; runId: string; answered: boolean; experiment?: string; pipeline?: string; token?: string },
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  env.PYTHONUNBUFFERED ??= '1';
  env.STELLWERK_URL = run.url;
  env.STELLWERK_RUN_ID = run.runId;
  if (run.token) env.STELLWERK_TOKEN = run.token;
  if (run.experiment) env.STELLWERK_EXPERIMENT = run.experiment;
  if (run.pipeline) env.STELLWERK_PIPELINE = run.pipeline;
  env.OTEL_RESOURCE_ATTRIBUTES = otelResourceAttributes(base.OTEL_RESOURCE_ATTRIBUTES, run.runId);
  // MLFLOW_* set by an enclosing `stellwerk run` name the outer run: not the user's choice.
  const fromOuterRun = base.MLFLOW_RUN_ID !== undefined && base.MLFLOW_RUN_ID === base.STELLWERK_RUN_ID;
  if (fromOuterRun) {
    delete env.MLFLOW_RUN_ID;
    delete env.MLFLOW_TRACKING_URI;
  }
  const userChose = !fromOuterRun && (base.MLFLOW_TRACKING_URI || base.MLFLOW_RUN_ID);
  if (!userChose && run.answered) {
    env.MLFLOW_TRACKING_URI = run.url;
    env.MLFLOW_RUN_ID = run.runId;
  }
  return env;
}

export function runStatus(exit: { exitCode: number; signal?: string }): RunStatus {
  if (exit.signal) return 'KILLED';
  return exit.exitCode === 0 ? 'FINISHED' : 'FAILED';
}

export async function run(command: string[], opts: RunOptions): Promise<number> {
  let params: Record<string, string>;
  let tags: Record<string, string>;
  let intervalMs: number;
  try {
    if (command.length === 0)
      throw new UsageError('name the command to run after --, e.g. stellwerk run -- python3 train.py');
    params = parsePairs('param', opts.param);
    tags = parsePairs('tag', opts.tag);
    intervalMs = parseInterval(opts.sampleInterval ?? '1s');
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    warn(`stellwerk run: ${err.message}`);
    return 2;
  }
  const env = process.env;
  const url = (opts.server || env.STELLWERK_URL || DEFAULT_SERVER_URL).replace(/\/+$/, '');
  const token = opts.token || env.STELLWERK_TOKEN || undefined;
  let client: ApiClient;
  try {
    client = new ApiClient({ url, token });
  } catch (err) {
    warn(`stellwerk run: ${(err as Error).message} (--server or STELLWERK_URL)`);
    return 2;
  }
  const parentRunId = env.STELLWERK_RUN_ID && RUN_ID.test(env.STELLWERK_RUN_ID) ? env.STELLWERK_RUN_ID : undefined;
  const experiment = opts.experiment || env.STELLWERK_EXPERIMENT || undefined;
  // A step inside a pipeline run carries the pipeline's name, for filtering and charts.
  const pipelineTag = opts.pipeline || (parentRunId ? env.STELLWERK_PIPELINE : undefined) || undefined;
  const identity = {
    command,
    experiment,
    name: opts.name,
    pipeline: opts.pipeline,
    step: opts.step,
    params,
    tags,
    parentRunId,
  };

  const runId = newRunId();
  const startTimeMs = Date.now();
  // git runs while the server is asked: both must be done before the command starts.
  const created = gitCommit().then((commit) => {
    const c = runCreate(identity, runId, startTimeMs, commit);
    if (pipelineTag) c.tags = { ...c.tags, 'stellwerk.pipeline': pipelineTag };
    return c;
  });
  const spool = new SpoolWriter(spoolDir(env), url, runId, startTimeMs);
  const delivery = new Delivery({ client, spool, warn, onIdle: () => shipper.flush(false) });
  let seq = 0;
  const post = (path: string, body: unknown, method: 'POST' | 'PATCH' = 'POST', headers?: Record<string, string>) =>
    delivery.enqueue({
      method,
      path: `/api/v1/runs/${runId}${path}`,
      contentType: 'application/json',
      body: JSON.stringify(body),
      key: `${runId}-${++seq}`,
      ...(headers ? { headers } : {}),
    });

  const answered = await delivery.begin(
    created.then((create) => ({
      method: 'POST',
      path: '/api/v1/runs',
      contentType: 'application/json',
      body: JSON.stringify(create),
      key: `${runId}-create`,
    })),
    START_TIMEOUT_MS,
    `${runId}-create-probe`,
  );
  const create = await created;
  const name = runName(identity);
  const shipper = new LogShipper({ runId, service: name, host: create.host ?? '', delivery });

  // CPU of children reaped before the command (git) is not the command's.
  const cpuBaseline = reapedChildrenCpuSeconds();
  const child = startChild({
    command,
    pty: opts.pty === true,
    env: childEnv(env, { url, runId, answered, experiment, pipeline: pipelineTag, token: opts.token }),
  });
  forwardStream(child.stdout, process.stdout, (c) => shipper.push(opts.pty ? 'pty' : 'stdout', c));
  if (child.stderr) forwardStream(child.stderr, process.stderr, (c) => shipper.push('stderr', c));

  // What earlier runs spooled goes out beside this one, never delaying it.
  const background = new AbortController();
  const backgroundClient = new ApiClient({ url, token });
  const flushed = answered
    ? flushSpool({
        dir: spool.dir,
        clientFor: () => backgroundClient,
        onlyServer: url,
        signal: background.signal,
      }).catch(() => undefined)
    : Promise.resolve(undefined);

  let sampler: TreeSampler | undefined;
  let gpu: GpuWatcher | undefined;
  let sampleTimer: NodeJS.Timeout | undefined;
  if (intervalMs > 0 && child.pid !== undefined) {
    sampler = new TreeSampler(child.pid, readLimits, Date.now());
    gpu = GpuWatcher.start(intervalMs, env);
    const take = () => {
      let sample: ResourceSample | undefined;
      try {
        sample = sampler?.sample(Date.now(), gpu?.latest());
      } catch {
        return;
      }
      if (sample) post('/resources', { samples: [sample] });
    };
    // A first look soon after the start, so even a short command has a sample.
    const first = setTimeout(take, Math.min(200, intervalMs));
    sampleTimer = setInterval(take, intervalMs);
    child.exited.then(() => clearTimeout(first));
  }

  const exit = await child.exited;
  if (sampleTimer) clearInterval(sampleTimer);
  const endTimeMs = Date.now();
  if (exit.startError !== undefined) {
    const line = `stellwerk run: ${command[0]}: ${exit.startError}\n`;
    process.stderr.write(line);
    shipper.push('stderr', Buffer.from(line));
  }
  await outputClosed(child, OUTPUT_GRACE_MS);
  shipper.close();
  gpu?.stop();

  sampler?.finish(Math.max(0, reapedChildrenCpuSeconds() - cpuBaseline));
  const status = runStatus(exit);
  const metrics: RunMetricInput[] = [
    { key: 'duration_seconds', value: (endTimeMs - startTimeMs) / 1000, timestampMs: endTimeMs },
  ];
  if (sampler) {
    metrics.push({ key: 'cpu_seconds', value: sampler.cpuSeconds, timestampMs: endTimeMs });
    if (sampler.peakRssBytes > 0)
      metrics.push({ key: 'peak_rss_bytes', value: sampler.peakRssBytes, timestampMs: endTimeMs });
  }
  // Metrics and the exit-code tag in one request: every round trip here delays the exit.
  post('/log', { metrics, tags: { 'stellwerk.exit_code': String(exit.exitCode) } });
  // Last, so it wins over whatever the command itself reported (e.g. MLflow's end_run).
  const update: RunUpdate = { status, endTimeMs, exitCode: exit.exitCode };
  // Only "stored" matters here, and every round trip delays the exit: no run read back.
  post('', update, 'PATCH', { prefer: 'return=minimal' });

  await delivery.drain(Date.now() + END_DRAIN_MS);
  background.abort();
  await flushed;
  spool.close();
  client.close();
  backgroundClient.close();
  if (spool.droppedLogRequests > 0) {
    warn(
      `stellwerk: the spool file reached its size limit; ${spool.droppedLogRequests} batches of log lines were not kept`,
    );
  }
  return exit.exitCode;
}
