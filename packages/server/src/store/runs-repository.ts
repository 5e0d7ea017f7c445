import { createHash, randomBytes } from 'node:crypto';
import type {
  DatasetInput,
  Experiment,
  ExperimentCreate,
  LifecycleStage,
  Run,
  RunCreate,
  RunMetric,
  RunStatus,
  RunUpdate,
} from '@stellwerk/contracts';
import { StellwerkError } from '../errors.ts';
import type { Store } from './client.ts';
import { KeyedLock } from './keyed-lock.ts';
import { nextVersion } from './row-version.ts';
import { generateRunName } from './run-names.ts';
import { p, type Sql, sql, type TypedValue } from './sql.ts';

export type Lifecycle = 'active' | 'deleted' | 'all';

/** The tag MLflow keeps the run name in; setting it renames the run and vice versa. */
export const RUN_NAME_TAG = 'mlflow.runName';
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
/** MLflow's record of the models a run logged: a JSON array of model metadata. */
export const LOGGED_MODELS_TAG = 'mlflow.log-model.history';
export const DEFAULT_EXPERIMENT_ID = '0';
const RUN_ID = /^[0-9a-f]{32}$/;

interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  tags: Record<string, string>;
  creation_ms: string;
  update_ms: string;
}

interface RunRow {
  run_id: string;
  experiment_id: string;
  name: string;
  kind: string;
  parent_run_id: string;
  status: string;
  start_ms: string;
  end_ms: string | null;
  lifecycle_stage: string;
  user: string;
  host: string;
  command: string;
  git_commit: string;
  exit_code: number | null;
  artifact_uri: string;
}

type RunRecord = Omit<Run, 'params' | 'tags' | 'metrics' | 'inputs'>;

/**
 * Experiments, runs and what runs log (tables of migration 007). Changes are new rows with a
 * higher version; reads take FINAL. Read-check-write sequences (param conflicts, idempotent
 * creation, sequential experiment ids) are serialised per object in this process, which is
 * the one process writing runs (ingest roles in a cluster route runs to one writer).
 */
export class RunsRepository {
  private readonly locks = new KeyedLock();

  /**
   * Recently read or written run records: every logged value checks that its run is active,
   * and a per-step logger sends one value per request. Entries expire after a few seconds,
   * which bounds how stale a lifecycle change made by another process can look.
   */
  private readonly recent = new Map<string, { record: RunRecord; atMs: number }>();

  constructor(readonly store: Store) {}

  // ---- experiments ----------------------------------------------------------------------

  async createExperiment(input: ExperimentCreate): Promise<Experiment> {
    return this.locks.run('experiments', async () => {
      const existing = await this.getExperimentByName(input.name);
      if (existing) {
        throw new StellwerkError(
          'STW_ERR_CONFLICT',
          `Experiment(name=${input.name}) already exists${existing.lifecycleStage === 'deleted' ? ' (deleted; restore it or choose another name)' : ''}.`,
        );
      }
      const [row] = await this.store.query<{ next: string }>(
        sql`SELECT toString(max(toUInt64OrZero(experiment_id)) + 1) AS next FROM experiments`,
      );
      const id = row?.next ?? '1';
      const now = Date.now();
      const experiment: Experiment = {
        experimentId: id,
        name: input.name,
        artifactLocation: input.artifactLocation || `mlflow-artifacts:/${id}`,
        lifecycleStage: 'active',
        tags: { ...(input.tags ?? {}) },
        creationTimeMs: now,
        lastUpdateTimeMs: now,
      };
      await this.writeExperiment(experiment);
      return experiment;
    });
  }

  async getExperiment(id: string): Promise<Experiment | null> {
    const [found] = await this.queryExperiments(sql`experiment_id = ${p.String(id)}`, null, 1, 0);
    return found ?? null;
  }

  /** Names are unique among active and deleted experiments, as in MLflow. */
  async getExperimentByName(name: string): Promise<Experiment | null> {
    const [found] = await this.queryExperiments(sql`name = ${p.String(name)}`, null, 1, 0);
    return found ?? null;
  }

  /**
   * One page of experiments. `where` and `orderBy` come from the query layer's experiment
   * filter; one row more than `limit` is read to tell whether another page exists.
   */
  async searchExperiments(opts: {
    lifecycle: Lifecycle;
    where?: Sql;
    orderBy?: Sql;
    limit: number;
    offset: number;
  }): Promise<{ experiments: Experiment[]; more: boolean }> {
    const where = opts.where
      ? sql`${lifecycleCondition(opts.lifecycle)} AND (${opts.where})`
      : lifecycleCondition(opts.lifecycle);
    const order = opts.orderBy ?? sql`creation_time DESC, toUInt64OrZero(experiment_id) ASC`;
    const rows = await this.queryExperiments(where, order, opts.limit + 1, opts.offset);
    return { experiments: rows.slice(0, opts.limit), more: rows.length > opts.limit };
  }

  async renameExperiment(id: string, newName: string): Promise<Experiment> {
    return this.locks.run('experiments', async () => {
      const experiment = await this.requireExperiment(id);
      if (experiment.lifecycleStage !== 'active') {
        throw new StellwerkError('STW_ERR_BAD_REQUEST', `Cannot rename a non-active experiment (id=${id}).`);
      }
      if (experiment.name === newName) return experiment;
      const clash = await this.getExperimentByName(newName);
      if (clash) throw new StellwerkError('STW_ERR_CONFLICT', `Experiment(name=${newName}) already exists.`);
      const updated = { ...experiment, name: newName, lastUpdateTimeMs: Date.now() };
      await this.writeExperiment(updated);
      return updated;
    });
  }

  /** Deleting an experiment deletes its runs; restoring it restores them, as MLflow does. */
  async setExperimentLifecycle(id: string, stage: LifecycleStage): Promise<void> {
    if (stage === 'deleted' && id === DEFAULT_EXPERIMENT_ID) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', `Cannot delete the default experiment '${id}'.`);
    }
    await this.locks.run('experiments', async () => {
      const experiment = await this.requireExperiment(id);
      // As MLflow: deleting looks among active experiments, restoring among deleted ones.
      if (experiment.lifecycleStage === stage) {
        throw new StellwerkError(
          'STW_ERR_NOT_FOUND',
          `No ${stage === 'deleted' ? 'active' : 'deleted'} Experiment with id=${id} exists.`,
        );
      }
      await this.writeExperiment({ ...experiment, lifecycleStage: stage, lastUpdateTimeMs: Date.now() });
    });
    const rows = await this.store.query<RunRow>(
      sql`${RUN_SELECT} WHERE experiment_id = ${p.String(id)} AND lifecycle_stage != ${p.String(stage)}`,
    );
    if (rows.length > 0) await this.writeRuns(rows.map((row) => ({ ...runRecord(row), lifecycleStage: stage })));
  }

  async setExperimentTag(id: string, key: string, value: string): Promise<void> {
    await this.locks.run('experiments', async () => {
      const experiment = await this.requireExperiment(id);
      if (experiment.lifecycleStage !== 'active') {
        throw new StellwerkError('STW_ERR_BAD_REQUEST', `The experiment ${id} must be in the 'active' state.`);
      }
      await this.writeExperiment({
        ...experiment,
        tags: { ...experiment.tags, [key]: value },
        lastUpdateTimeMs: Date.now(),
      });
    });
  }

  async requireExperiment(id: string): Promise<Experiment> {
    const experiment = await this.getExperiment(id);
    if (!experiment) throw new StellwerkError('STW_ERR_NOT_FOUND', `No Experiment with id=${id} exists.`);
    return experiment;
  }

  private async queryExperiments(
    where: Sql,
    orderBy: Sql | null,
    limit: number,
    offset: number,
  ): Promise<Experiment[]> {
    const order = orderBy ?? sql`toUInt64OrZero(experiment_id)`;
    const rows = await this.store.query<ExperimentRow>(sql`
      SELECT experiment_id, name, artifact_location, lifecycle_stage, tags,
        toString(toUnixTimestamp64Milli(creation_time)) AS creation_ms,
        toString(toUnixTimestamp64Milli(last_update_time)) AS update_ms
      FROM experiments FINAL
      WHERE ${where}
      ORDER BY ${order}
      LIMIT ${p.UInt64(limit)} OFFSET ${p.UInt64(offset)}`);
    return rows.map((r) => ({
      experimentId: r.experiment_id,
      name: r.name,
      artifactLocation: r.artifact_location,
      lifecycleStage: r.lifecycle_stage as LifecycleStage,
      tags: r.tags,
      creationTimeMs: Number(r.creation_ms),
      lastUpdateTimeMs: Number(r.update_ms),
    }));
  }

  private writeExperiment(e: Experiment): Promise<void> {
    return this.insert('experiments', [
      {
        experiment_id: e.experimentId,
        name: e.name,
        artifact_location: e.artifactLocation,
        lifecycle_stage: e.lifecycleStage,
        tags: e.tags,
        creation_time: Math.trunc(e.creationTimeMs),
        last_update_time: Math.trunc(e.lastUpdateTimeMs),
        version: nextVersion(),
      },
    ]);
  }

  // ---- runs -------------------------------------------------------------------------------

  /**
   * Creates a run, or returns the stored one when the client-chosen id exists already (a
   * wrapper resending its creation after a lost answer). `created` tells which.
   */
  async createRun(input: RunCreate): Promise<{ run: Run; created: boolean }> {
    const runId = (input.id ?? randomBytes(16).toString('hex')).toLowerCase();
    if (!RUN_ID.test(runId)) {
      throw new StellwerkError('STW_ERR_BAD_REQUEST', `Run id "${input.id}" is not 32 hexadecimal characters.`);
    }
    const experiment = await this.experimentForNewRun(input);
    return this.locks.run(`run:${runId}`, async () => {
      // One row read to tell a resend from a new run; the whole run is read only for a resend.
      const existing = (await this.runRecord(runId)) ? await this.getRun(runId) : null;
      if (existing) return { run: existing, created: false };
      const tags = { ...(input.tags ?? {}) };
      const tagName = tags[RUN_NAME_TAG];
      if (input.name && tagName && tagName !== input.name) {
        throw new StellwerkError(
          'STW_ERR_BAD_REQUEST',
          `Both run_name ('${input.name}') and the ${RUN_NAME_TAG} tag ('${tagName}') are set and differ; set one of them.`,
        );
      }
      const name = input.name || tagName || generateRunName();
      tags[RUN_NAME_TAG] = name;
      const parentRunId = input.parentRunId || tags[PARENT_RUN_TAG] || '';
      if (parentRunId) tags[PARENT_RUN_TAG] = parentRunId;
      const record: RunRecord = {
        runId,
        experimentId: experiment.experimentId,
        name,
        kind: input.kind ?? (parentRunId ? 'step' : 'training'),
        parentRunId,
        status: input.status ?? 'RUNNING',
        startTimeMs: input.startTimeMs ?? Date.now(),
        endTimeMs: null,
        lifecycleStage: 'active',
        user: input.user ?? '',
        host: input.host ?? '',
        command: input.command ?? '',
        gitCommit: input.gitCommit ?? '',
        exitCode: null,
        artifactUri: `${experiment.artifactLocation.replace(/\/+$/, '')}/${runId}/artifacts`,
      };
      // Params and tags first: a run that is visible is complete.
      await this.insertParams(runId, input.params ?? {});
      await this.insertTags(runId, tags);
      await this.writeRun(record);
      return { run: { ...record, params: { ...(input.params ?? {}) }, tags, metrics: [], inputs: [] }, created: true };
    });
  }

  async getRun(runId: string): Promise<Run | null> {
    const [run] = await this.loadRuns([runId]);
    return run ?? null;
  }

  async requireRun(runId: string): Promise<Run> {
    const run = await this.getRun(runId);
    if (!run) throw new StellwerkError('STW_ERR_NOT_FOUND', `Run with id=${runId} not found.`);
    return run;
  }

  /**
   * A run's record and tags, without its params, metrics and inputs: what each request of
   * resource samples needs. The whole run's latest metrics grow with every sample stored.
   */
  async requireRunTags(runId: string): Promise<Pick<Run, 'runId' | 'experimentId' | 'tags'>> {
    const [record, rows] = await Promise.all([this.requireRunRecord(runId), this.tagRows(p.ArrayString([runId]))]);
    const tags: Record<string, string> = {};
    for (const r of rows) tags[r.key] = r.value;
    return { runId: record.runId, experimentId: record.experimentId, tags };
  }

  /**
   * Full runs (params, tags, latest metrics, inputs) in the order of `runIds`, read in chunks
   * so a page of 50000 runs stays within the engine's query size limit.
   */
  async loadRuns(runIds: string[]): Promise<Run[]> {
    const out: Run[] = [];
    for (let i = 0; i < runIds.length; i += LOAD_CHUNK)
      out.push(...(await this.loadChunk(runIds.slice(i, i + LOAD_CHUNK))));
    return out;
  }

  /** The live tags of some runs, in the order they were set. */
  private tagRows(ids: TypedValue): Promise<Array<{ run_id: string; key: string; value: string }>> {
    return this.store.query(
      sql`SELECT run_id, key, value FROM run_tags FINAL WHERE run_id IN ${ids} AND deleted = 0 ORDER BY run_id, version`,
    );
  }

  private async loadChunk(runIds: string[]): Promise<Run[]> {
    if (runIds.length === 0) return [];
    const ids = p.ArrayString(runIds);
    const [rows, params, tags, metrics, inputs] = await Promise.all([
      this.store.query<RunRow>(sql`${RUN_SELECT} WHERE run_id IN ${ids}`),
      this.store.query<{ run_id: string; key: string; value: string }>(
        sql`SELECT run_id, key, value FROM run_params FINAL WHERE run_id IN ${ids} ORDER BY run_id, version`,
      ),
      this.tagRows(ids),
      this.store.query<{ run_id: string; key: string; latest: [string, string, number | string] }>(sql`
        SELECT run_id, key, max((step, toUnixTimestamp64Milli(timestamp), value)) AS latest
        FROM run_metrics WHERE run_id IN ${ids}
        GROUP BY run_id, key ORDER BY run_id, min(timestamp), key`),
      this.store.query<{
        run_id: string;
        name: string;
        digest: string;
        source_type: string;
        source: string;
        schema: string;
        profile: string;
        tags: Record<string, string>;
      }>(sql`
        SELECT run_id, name, digest, source_type, source, schema, profile, tags
        FROM run_inputs FINAL WHERE run_id IN ${ids} ORDER BY run_id, version`),
    ]);
    const byId = new Map<string, Run>();
    for (const row of rows) byId.set(row.run_id, { ...runRecord(row), params: {}, tags: {}, metrics: [], inputs: [] });
    for (const r of params) {
      const run = byId.get(r.run_id);
      if (run) run.params[r.key] = r.value;
    }
    for (const r of tags) {
      const run = byId.get(r.run_id);
      if (run) run.tags[r.key] = r.value;
    }
    for (const r of metrics) {
      byId.get(r.run_id)?.metrics.push({
        key: r.key,
        step: Number(r.latest[0]),
        timestampMs: Number(r.latest[1]),
        value: storedFloat(r.latest[2]),
      });
    }
    for (const r of inputs) {
      byId.get(r.run_id)?.inputs.push({
        name: r.name,
        digest: r.digest,
        sourceType: r.source_type,
        source: r.source,
        schema: r.schema,
        profile: r.profile,
        tags: r.tags,
      });
    }
    return runIds.map((id) => byId.get(id)).filter((r): r is Run => r !== undefined);
  }

  /** Status, end time, exit code and name; a new name also becomes the mlflow.runName tag. */
  async updateRun(runId: string, update: RunUpdate): Promise<Run> {
    await this.storeRunUpdate(runId, update);
    return this.requireRun(runId);
  }

  /** updateRun without reading the run back, for callers that only need it stored. */
  async storeRunUpdate(runId: string, update: RunUpdate): Promise<void> {
    await this.locks.run(`run:${runId}`, async () => {
      const record = await this.activeRunRecord(runId);
      const next: RunRecord = {
        ...record,
        status: update.status ?? record.status,
        endTimeMs: update.endTimeMs ?? record.endTimeMs,
        exitCode: update.exitCode ?? record.exitCode,
        name: update.name || record.name,
      };
      if (next.name !== record.name) await this.insertTags(runId, { [RUN_NAME_TAG]: next.name });
      await this.writeRun(next);
    });
  }

  async setRunLifecycle(runId: string, stage: LifecycleStage): Promise<void> {
    await this.locks.run(`run:${runId}`, async () => {
      const record = await this.runRecord(runId);
      if (!record) throw new StellwerkError('STW_ERR_NOT_FOUND', `Run with id=${runId} not found.`);
      if (record.lifecycleStage !== stage) await this.writeRun({ ...record, lifecycleStage: stage });
    });
  }

  async logMetrics(runId: string, metrics: RunMetric[]): Promise<void> {
    await this.activeRunRecord(runId);
    await this.insertMetrics(runId, metrics);
  }

  /**
   * Params are write-once: logging a key again with the same value is fine, with another
   * value it is refused (MLflow's rule), and nothing of the request is stored then.
   */
  async logParams(runId: string, params: Record<string, string>): Promise<void> {
    await this.logBatch(runId, { params });
  }

  async setTags(runId: string, tags: Record<string, string>): Promise<void> {
    await this.logBatch(runId, { tags });
  }

  /** Params, tags and metrics of one request; params are checked before anything is written. */
  async logBatch(
    runId: string,
    batch: { metrics?: RunMetric[]; params?: Record<string, string>; tags?: Record<string, string> },
  ): Promise<void> {
    await this.locks.run(`run:${runId}`, async () => {
      const record = await this.activeRunRecord(runId);
      const params = batch.params ?? {};
      const newParams = await this.paramsToWrite(runId, params);
      await this.insertParams(runId, newParams);
      const tags = batch.tags ?? {};
      if (Object.keys(tags).length > 0) {
        await this.insertTags(runId, tags);
        const name = tags[RUN_NAME_TAG];
        if (name !== undefined && name !== record.name) await this.writeRun({ ...record, name });
      }
      if (batch.metrics && batch.metrics.length > 0) await this.insertMetrics(runId, batch.metrics);
    });
  }

  async deleteTag(runId: string, key: string): Promise<void> {
    await this.locks.run(`run:${runId}`, async () => {
      await this.activeRunRecord(runId);
      const [found] = await this.store.query<{ n: string }>(
        sql`SELECT count() AS n FROM run_tags FINAL WHERE run_id = ${p.String(runId)} AND key = ${p.String(key)} AND deleted = 0`,
      );
      if (!found || Number(found.n) === 0) {
        throw new StellwerkError('STW_ERR_NOT_FOUND', `No tag with name: ${key} in run with id ${runId}.`);
      }
      await this.insert('run_tags', [{ run_id: runId, key, value: '', deleted: 1, version: nextVersion() }]);
    });
  }

  /** Every logged value of one metric, by step then time; one more than `limit` is read. */
  async metricHistory(
    runId: string,
    key: string,
    page: { limit: number; offset: number },
  ): Promise<{ metrics: RunMetric[]; more: boolean }> {
    await this.requireRunRecord(runId);
    const rows = await this.store.query<{ key: string; value: number | string; step: string; ts: string }>(sql`
      SELECT DISTINCT key, value, step, toUnixTimestamp64Milli(timestamp) AS ts
      FROM run_metrics
      WHERE run_id = ${p.String(runId)} AND key = ${p.String(key)}
      ORDER BY step, ts, value
      LIMIT ${p.UInt64(page.limit + 1)} OFFSET ${p.UInt64(page.offset)}`);
    const metrics = rows.slice(0, page.limit).map((r) => ({
      key: r.key,
      value: storedFloat(r.value),
      step: Number(r.step),
      timestampMs: Number(r.ts),
    }));
    return { metrics, more: rows.length > page.limit };
  }

  /**
   * Runs `work` while no other change to the run runs in this process: for callers that read
   * a run's state and write from it (resource samples continue the step count).
   */
  exclusive<T>(runId: string, work: () => Promise<T>): Promise<T> {
    return this.locks.run(`run:${runId}`, work);
  }

  /** The latest point of a metric (highest step, then time), or null: resource samples continue from it. */
  async lastMetricPoint(runId: string, key: string): Promise<{ step: number; timestampMs: number } | null> {
    const [row] = await this.store.query<{ latest: [string, string] }>(sql`
      SELECT max((step, toUnixTimestamp64Milli(timestamp))) AS latest, count() AS n
      FROM run_metrics WHERE run_id = ${p.String(runId)} AND key = ${p.String(key)} HAVING n > 0`);
    return row ? { step: Number(row.latest[0]), timestampMs: Number(row.latest[1]) } : null;
  }

  async logInputs(runId: string, inputs: DatasetInput[]): Promise<void> {
    await this.activeRunRecord(runId);
    if (inputs.length === 0) return;
    const version = nextVersion();
    await this.insert(
      'run_inputs',
      inputs.map((d) => ({
        run_id: runId,
        name: d.name,
        digest: d.digest,
        source_type: d.sourceType,
        source: d.source,
        schema: d.schema,
        profile: d.profile,
        tags: d.tags,
        version,
      })),
    );
  }

  /** Stores a logged model's metadata and appends it to the run's mlflow.log-model.history tag. */
  async logModel(runId: string, model: Record<string, unknown>): Promise<void> {
    await this.locks.run(`run:${runId}`, async () => {
      await this.activeRunRecord(runId);
      const modelJson = JSON.stringify(model);
      await this.insert('run_models', [{ run_id: runId, model_json: modelJson, logged_at: Date.now() }]);
      const [row] = await this.store.query<{ value: string }>(
        sql`SELECT value FROM run_tags FINAL WHERE run_id = ${p.String(runId)} AND key = ${p.String(LOGGED_MODELS_TAG)} AND deleted = 0`,
      );
      let history: unknown[] = [];
      try {
        const parsed: unknown = row ? JSON.parse(row.value) : [];
        if (Array.isArray(parsed)) history = parsed;
      } catch {
        // A hand-set tag that is not JSON is replaced by a fresh history.
      }
      history.push(model);
      await this.insertTags(runId, { [LOGGED_MODELS_TAG]: JSON.stringify(history) });
    });
  }

  /**
   * Runs matched by a search: `idsQuery` is a SELECT of run_id in the wanted order (built by
   * the query layer from MLflow's filter grammar), already limited to one page.
   */
  async searchRuns(idsQuery: Sql): Promise<Run[]> {
    const rows = await this.store.query<{ run_id: string }>(idsQuery);
    return this.loadRuns(rows.map((r) => r.run_id));
  }

  private async experimentForNewRun(input: RunCreate): Promise<Experiment> {
    let experiment: Experiment | null;
    if (input.experimentId !== undefined && input.experimentId !== '') {
      experiment = await this.requireExperiment(input.experimentId);
    } else if (input.experimentName) {
      const name = input.experimentName;
      experiment =
        (await this.getExperimentByName(name)) ??
        (await this.createExperiment({ name }).catch(async (err) => {
          // Another request created it in the meantime.
          const again = await this.getExperimentByName(name);
          if (again) return again;
          throw err;
        }));
    } else {
      experiment = await this.requireExperiment(DEFAULT_EXPERIMENT_ID);
    }
    if (experiment.lifecycleStage !== 'active') {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The experiment ${experiment.experimentId} must be in the 'active' state to create runs in it; restore it first.`,
      );
    }
    return experiment;
  }

  private async runRecord(runId: string): Promise<RunRecord | null> {
    const cached = this.recent.get(runId);
    if (cached && Date.now() - cached.atMs < RECENT_RUN_MS) return cached.record;
    const [row] = await this.store.query<RunRow>(sql`${RUN_SELECT} WHERE run_id = ${p.String(runId)}`);
    if (!row) return null;
    const record = runRecord(row);
    this.remember(record);
    return record;
  }

  private remember(record: RunRecord): void {
    this.recent.delete(record.runId);
    if (this.recent.size >= RECENT_RUNS) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.recent.set(record.runId, { record, atMs: Date.now() });
  }

  private async requireRunRecord(runId: string): Promise<RunRecord> {
    const record = await this.runRecord(runId);
    if (!record) throw new StellwerkError('STW_ERR_NOT_FOUND', `Run with id=${runId} not found.`);
    return record;
  }

  private async activeRunRecord(runId: string): Promise<RunRecord> {
    const record = await this.requireRunRecord(runId);
    if (record.lifecycleStage !== 'active') {
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The run ${runId} must be in the 'active' state. Current state is ${record.lifecycleStage}.`,
      );
    }
    return record;
  }

  private async paramsToWrite(runId: string, params: Record<string, string>): Promise<Record<string, string>> {
    const keys = Object.keys(params);
    if (keys.length === 0) return {};
    const stored = await this.store.query<{ key: string; value: string }>(
      sql`SELECT key, value FROM run_params FINAL WHERE run_id = ${p.String(runId)} AND key IN ${p.ArrayString(keys)}`,
    );
    const out = { ...params };
    for (const s of stored) {
      const wanted = params[s.key] as string;
      if (wanted !== s.value) {
        throw new StellwerkError(
          'STW_ERR_INVALID_RECORD',
          `Changing param values is not allowed. Param with key='${s.key}' was already logged with value='${s.value}' for run ID='${runId}'. Attempted logging new value '${wanted}'.`,
          { errors: [{ field: `params.${s.key}`, reason: 'already logged with another value' }] },
        );
      }
      delete out[s.key];
    }
    return out;
  }

  private insertParams(runId: string, params: Record<string, string>): Promise<void> {
    const rows = Object.entries(params).map(([key, value]) => ({ run_id: runId, key, value, version: nextVersion() }));
    return rows.length === 0 ? Promise.resolve() : this.insert('run_params', rows);
  }

  private insertTags(runId: string, tags: Record<string, string>): Promise<void> {
    const rows = Object.entries(tags).map(([key, value]) => ({
      run_id: runId,
      key,
      value,
      deleted: 0,
      version: nextVersion(),
    }));
    return rows.length === 0 ? Promise.resolve() : this.insert('run_tags', rows);
  }

  private insertMetrics(runId: string, metrics: RunMetric[]): Promise<void> {
    if (metrics.length === 0) return Promise.resolve();
    let body = '';
    for (const m of metrics) {
      body += `{"run_id":${JSON.stringify(runId)},"key":${JSON.stringify(m.key)},"value":${floatJson(m.value)},"step":${Math.trunc(m.step)},"timestamp":${Math.trunc(m.timestampMs)}}\n`;
    }
    // The same values resent (a retried request) are one block the engine stores once.
    return this.insertBody('run_metrics', Buffer.from(body));
  }

  private writeRun(r: RunRecord): Promise<void> {
    return this.writeRuns([r]);
  }

  /** One insert for any number of run changes (deleting an experiment changes all its runs). */
  private async writeRuns(records: RunRecord[]): Promise<void> {
    for (const r of records) this.recent.delete(r.runId);
    await this.insert(
      'runs',
      records.map((r) => ({
        run_id: r.runId,
        experiment_id: r.experimentId,
        name: r.name,
        kind: r.kind,
        parent_run_id: r.parentRunId,
        status: r.status,
        start_time: Math.trunc(r.startTimeMs),
        end_time: r.endTimeMs === null ? null : Math.trunc(r.endTimeMs),
        lifecycle_stage: r.lifecycleStage,
        user: r.user,
        host: r.host,
        command: r.command,
        git_commit: r.gitCommit,
        exit_code: r.exitCode,
        artifact_uri: r.artifactUri,
        version: nextVersion(),
      })),
    );
    for (const r of records) this.remember(r);
  }

  private insert(table: string, rows: Array<Record<string, unknown>>): Promise<void> {
    return this.insertBody(table, Buffer.from(rows.map((r) => `${JSON.stringify(r)}\n`).join('')));
  }

  private insertBody(table: string, body: Buffer): Promise<void> {
    const token = `${table}:${createHash('sha256').update(body).digest('hex')}`;
    return this.store.insertJsonEachRow(table, body, token);
  }
}

const RECENT_RUN_MS = 5_000;
/** Run ids per read: 36 bytes each as literals, well under the engine's 256 KiB query size. */
const LOAD_CHUNK = 2_000;
const RECENT_RUNS = 10_000;

const RUN_SELECT = sql`
  SELECT run_id, experiment_id, name, kind, parent_run_id, status,
    toString(toUnixTimestamp64Milli(start_time)) AS start_ms,
    if(isNull(end_time), NULL, toString(toUnixTimestamp64Milli(assumeNotNull(end_time)))) AS end_ms,
    lifecycle_stage, user, host, command, git_commit, exit_code, artifact_uri
  FROM runs FINAL`;

function runRecord(r: RunRow): RunRecord {
  return {
    runId: r.run_id,
    experimentId: r.experiment_id,
    name: r.name,
    kind: r.kind as Run['kind'],
    parentRunId: r.parent_run_id,
    status: r.status as RunStatus,
    startTimeMs: Number(r.start_ms),
    endTimeMs: r.end_ms === null ? null : Number(r.end_ms),
    lifecycleStage: r.lifecycle_stage as LifecycleStage,
    user: r.user,
    host: r.host,
    command: r.command,
    gitCommit: r.git_commit,
    exitCode: r.exit_code === null ? null : Number(r.exit_code),
    artifactUri: r.artifact_uri,
  };
}

function lifecycleCondition(lifecycle: Lifecycle): Sql {
  if (lifecycle === 'all') return sql`1`;
  return sql`lifecycle_stage = ${p.String(lifecycle)}`;
}

/** The engine writes NaN and infinities as quoted words (output_format_json_quote_denormals). */
export function storedFloat(v: number | string): number {
  if (typeof v === 'number') return v;
  const s = v.toLowerCase();
  if (s === 'inf' || s === '+inf') return Number.POSITIVE_INFINITY;
  if (s === '-inf') return Number.NEGATIVE_INFINITY;
  if (s === 'nan' || s === '-nan') return Number.NaN;
  return Number(v);
}

/** JSON has no NaN or infinities; the engine reads these quoted spellings as Float64. */
function floatJson(v: number): string {
  if (Number.isFinite(v)) return String(v);
  if (Number.isNaN(v)) return '"nan"';
  return v > 0 ? '"inf"' : '"-inf"';
}
