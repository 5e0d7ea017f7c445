import { StellwerkError } from '../errors.ts';

/**
 * Limits on what a run logs, the same for the native API and the MLflow API (MLflow 2.x's
 * own limits, so a client that works against MLflow works here).
 */
export const RUN_LIMITS = {
  keyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 8000,
  experimentNameLength: 500,
  /** One log-batch request (MLflow: MAX_METRICS_PER_BATCH, MAX_PARAMS_TAGS_PER_BATCH, MAX_ENTITIES_PER_BATCH). */
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchEntities: 1000,
  /** Dataset inputs in one log-inputs request (Stellwerk's limit). */
  batchInputs: 1000,
  /** Resource samples in one request to /api/v1/runs/:id/resources (Stellwerk's limit). */
  resourceSamples: 10_000,
} as const;

// Slashes, letters, digits, underscores, periods, dashes, spaces and colons, as MLflow allows
// (its `\w` takes letters and digits of any script).
const VALID_KEY = /^[/\p{L}\p{N}\p{M}_.\- :]*$/u;

/** Times are stored as DateTime64(3), which ends with 2299. */
export const MAX_TIME_MS = Date.UTC(2300, 0, 1) - 1;

/** Throws a 400 for an epoch-ms time the store cannot hold. */
export function checkTimeMs(name: string, ms: number): void {
  if (ms < 0 || ms > MAX_TIME_MS) {
    throw invalid(`${name} ${ms} is outside 0..${MAX_TIME_MS} (epoch milliseconds, 1970 to 2299).`);
  }
}

export type KeyKind = 'param' | 'metric' | 'tag';

/** Throws a 400 naming the key and the rule it breaks. */
export function checkKey(kind: KeyKind, key: string): void {
  const label = kind === 'param' ? 'parameter' : kind;
  if (key === '') throw invalid(`Invalid ${label} name: ''. Names must not be empty.`);
  if (!VALID_KEY.test(key)) {
    throw invalid(
      `Invalid ${label} name: '${key}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
    );
  }
  if (key.length > RUN_LIMITS.keyLength) {
    throw invalid(
      `The ${label} name '${key.slice(0, 40)}…' is ${key.length} characters long; at most ${RUN_LIMITS.keyLength} are allowed.`,
    );
  }
  // Names may become file paths (MLflow's file store); ones that resolve elsewhere are refused.
  if (key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.') || key.includes('//')) {
    throw invalid(`Invalid ${label} name: '${key}'. Names must not resolve to other names when treated as paths.`);
  }
}

export function checkParam(key: string, value: string): void {
  checkKey('param', key);
  if (value.length > RUN_LIMITS.paramValueLength) {
    throw invalid(
      `Param value for '${key}' is ${value.length} characters long; at most ${RUN_LIMITS.paramValueLength} are allowed.`,
    );
  }
}

export function checkTag(key: string, value: string): void {
  checkKey('tag', key);
  if (value.length > RUN_LIMITS.tagValueLength) {
    throw invalid(
      `Tag value for '${key}' is ${value.length} characters long; at most ${RUN_LIMITS.tagValueLength} are allowed.`,
    );
  }
}

function invalid(message: string): StellwerkError {
  return new StellwerkError('STW_ERR_BAD_REQUEST', message);
}
