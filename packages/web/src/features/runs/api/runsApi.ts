import type {
  DatasetBaseline,
  DatasetProfile,
  DatasetRole,
  DriftReport,
  Experiment,
  Run,
  RunArtifactList,
  RunMetric,
} from '@stellwerk/contracts';
import { apiFetch, getJson, withParams } from '../../../shared/api/client.ts';

/** Calls to the native runs API (contracts/runs.ts and contracts/datasets.ts). */

export interface RunSearch {
  experimentId?: string;
  /** MLflow search grammar, e.g. `metrics.acc > 0.9 and params.lr = "0.01"`. */
  filter?: string;
  /** One MLflow order_by entry, e.g. `metrics.acc DESC`. */
  orderBy?: string;
  maxResults?: number;
  pageToken?: string;
}

export interface RunPage {
  runs: Run[];
  nextPageToken?: string;
}

export async function fetchExperiments(signal?: AbortSignal): Promise<Experiment[]> {
  const res = await getJson<{ experiments: Experiment[] }>('/api/v1/experiments', signal);
  return res.experiments;
}

/** JSON has no NaN or infinities: the server sends those metric values as words. */
function numericRun(run: Run): Run {
  return { ...run, metrics: run.metrics.map((m) => ({ ...m, value: Number(m.value) })) };
}

export async function searchRuns(s: RunSearch, signal?: AbortSignal): Promise<RunPage> {
  const page = await getJson<RunPage>(
    withParams('/api/v1/runs', {
      experimentId: s.experimentId || undefined,
      filter: s.filter || undefined,
      orderBy: s.orderBy || undefined,
      maxResults: s.maxResults,
      pageToken: s.pageToken || undefined,
    }),
    signal,
  );
  return { ...page, runs: page.runs.map(numericRun) };
}

export async function fetchRun(runId: string, signal?: AbortSignal): Promise<Run> {
  const res = await getJson<{ run: Run }>(`/api/v1/runs/${encodeURIComponent(runId)}`, signal);
  return numericRun(res.run);
}

export async function fetchRuns(runIds: string[], signal?: AbortSignal): Promise<Run[]> {
  return Promise.all(runIds.map((id) => fetchRun(id, signal)));
}

/** More points than a chart can show apart; the history beyond is left out. */
export const MAX_HISTORY_POINTS = 100_000;

/** A metric's whole history, following the server's pages up to MAX_HISTORY_POINTS. */
export async function fetchMetricHistory(runId: string, key: string, signal?: AbortSignal): Promise<RunMetric[]> {
  const path = `/api/v1/runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(key)}`;
  const out: RunMetric[] = [];
  let pageToken: string | undefined;
  do {
    const res = await getJson<{ metrics: RunMetric[]; nextPageToken?: string }>(
      withParams(path, { pageToken }),
      signal,
    );
    for (const m of res.metrics) out.push({ ...m, value: Number(m.value) });
    pageToken = res.nextPageToken;
  } while (pageToken && out.length < MAX_HISTORY_POINTS);
  return out;
}

/** Where steps point at their pipeline; MLflow's UI nests child runs by the same tag. */
const PARENT_TAG = 'mlflow.parentRunId';

/** The pipeline is capped so the timeline stays readable; the page says when it is cut. */
export const MAX_STEPS = 500;

/** A pipeline's steps: the runs whose parent is `runId`, oldest first. */
export async function fetchChildRuns(runId: string, signal?: AbortSignal): Promise<RunPage> {
  return searchRuns(
    {
      filter: `tags.\`${PARENT_TAG}\` = '${runId.replace(/'/g, '')}'`,
      orderBy: 'attributes.start_time ASC',
      maxResults: MAX_STEPS,
    },
    signal,
  );
}

// ---- datasets (contracts/datasets.ts) ----

export async function fetchDatasetProfiles(runId: string, signal?: AbortSignal): Promise<DatasetProfile[]> {
  const res = await getJson<{ profiles: DatasetProfile[] }>(
    `/api/v1/runs/${encodeURIComponent(runId)}/datasets`,
    signal,
  );
  return res.profiles;
}

export async function fetchBaselines(signal?: AbortSignal): Promise<DatasetBaseline[]> {
  const res = await getJson<{ baselines: DatasetBaseline[] }>('/api/v1/datasets/baselines', signal);
  return res.baselines;
}

/** `reference` is `run:<id>[/<role>]` or `baseline:<name>`. */
export async function fetchDrift(
  runId: string,
  role: DatasetRole,
  reference: string,
  signal?: AbortSignal,
): Promise<DriftReport> {
  const res = await getJson<{ report: DriftReport }>(
    withParams(`/api/v1/runs/${encodeURIComponent(runId)}/datasets/${encodeURIComponent(role)}/drift`, { reference }),
    signal,
  );
  return res.report;
}

/** Stored drift reports of a run's dataset, latest first. */
export async function fetchDriftReports(
  runId: string,
  role: DatasetRole,
  signal?: AbortSignal,
): Promise<DriftReport[]> {
  const res = await getJson<{ reports: DriftReport[] }>(
    `/api/v1/runs/${encodeURIComponent(runId)}/datasets/${encodeURIComponent(role)}/drift/reports`,
    signal,
  );
  return res.reports;
}

// ---- artifacts ----

export function listArtifacts(runId: string, path: string, signal?: AbortSignal): Promise<RunArtifactList> {
  return getJson<RunArtifactList>(
    withParams(`/api/v1/runs/${encodeURIComponent(runId)}/artifacts`, { path: path || undefined }),
    signal,
  );
}

/** Fetched rather than linked: the API may need the bearer token, which <img src> cannot send. */
export function fetchArtifact(runId: string, path: string, signal?: AbortSignal): Promise<Response> {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  return apiFetch(`/api/v1/runs/${encodeURIComponent(runId)}/artifacts/${encoded}`, { signal });
}
