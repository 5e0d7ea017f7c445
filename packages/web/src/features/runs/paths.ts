/**
 * The runs pages' URLs, so every view can be shared as a link:
 *   /runs?exp=&filter=&sort=&cols=&size=     experiments and the runs table
 *   /runs?exp=&view=rightsizing&from=&to=    right-sizing of the experiment's steps over a time range
 *   /runs/compare?ids=a,b,c                  2–10 runs side by side
 *   /runs/<id>?tab=&x=&path=                 one run (tabs: overview, logs, resources, datasets, artifacts)
 *   /runs/<id>/pipeline                      a pipeline run's steps on a timeline
 */
export const RUNS_PATH = '/runs';
export const MIN_COMPARE = 2;
export const MAX_COMPARE = 10;

export type RunsView =
  | { page: 'list' }
  | { page: 'compare' }
  | { page: 'run'; runId: string }
  | { page: 'pipeline'; runId: string }
  | { page: 'unknown' };

export function parseRunsPath(path: string): RunsView {
  const rest = path.slice(RUNS_PATH.length).replace(/^\/+|\/+$/g, '');
  if (rest === '') return { page: 'list' };
  const parts = rest.split('/').map(decodeURIComponent);
  if (parts.length === 1 && parts[0] === 'compare') return { page: 'compare' };
  if (parts.length === 1 && parts[0]) return { page: 'run', runId: parts[0] };
  if (parts.length === 2 && parts[0] && parts[1] === 'pipeline') return { page: 'pipeline', runId: parts[0] };
  return { page: 'unknown' };
}

export const runPath = (runId: string, tab?: string) =>
  `${RUNS_PATH}/${encodeURIComponent(runId)}${tab && tab !== 'overview' ? `?tab=${tab}` : ''}`;
export const pipelinePath = (runId: string) => `${RUNS_PATH}/${encodeURIComponent(runId)}/pipeline`;
export const comparePath = (runIds: string[]) => `${RUNS_PATH}/compare?ids=${runIds.map(encodeURIComponent).join(',')}`;
/** The runs list's right-sizing view, optionally pinned to a window (epoch ms). */
export function rightsizingPath(experimentId: string, range?: { fromMs: number; toMs: number }): string {
  const sp = new URLSearchParams();
  if (experimentId) sp.set('exp', experimentId);
  sp.set('view', 'rightsizing');
  if (range) {
    sp.set('from', String(Math.floor(range.fromMs)));
    sp.set('to', String(Math.ceil(range.toMs)));
  }
  return `${RUNS_PATH}?${sp}`;
}
export const experimentPath = (experimentId: string) => `${RUNS_PATH}?exp=${encodeURIComponent(experimentId)}`;

/** The Logs explorer with this run's records over its lifetime (a minute of margin each side). */
export function runLogsPath(runId: string, fromMs: number, toMs: number): string {
  const sp = new URLSearchParams({ q: `run_id:${runId}`, from: String(fromMs - 60_000), to: String(toMs + 60_000) });
  return `/logs?${sp}`;
}
