import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DATASET_ROLES,
  type DatasetProfile,
  type DatasetRole,
  type DriftReference,
  type OutliersRemoved,
  type RunMetric,
} from '@stellwerk/contracts';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { StellwerkError } from '../errors.ts';
import { computeDrift, driftMetrics, type ExactNumericStats } from '../query/datasets/drift.ts';
import { ksMode } from '../query/datasets/ks.ts';
import {
  buildProfile,
  MAX_COLUMNS,
  MAX_HISTOGRAM_BINS,
  MAX_TOP_K,
  parseProfileInput,
} from '../query/datasets/profile.ts';
import { thresholdsFrom } from '../query/datasets/thresholds.ts';
import type { DatasetsRepository, StagedValue } from '../store/datasets-repository.ts';
import { DatasetJobs } from './dataset-jobs.ts';
import { cellOf, readRows, rowFormatOf } from './dataset-rows.ts';
import { decodedUpload } from './decoded-upload.ts';
import type { RunsPluginOptions } from './runs-plugin-options.ts';

/** Limits of one row upload; docs/datasets.md lists them. */
export const MAX_UPLOAD_BYTES = 1024 ** 3;
export const MAX_UPLOAD_ROWS = 5_000_000;
export const MAX_UPLOAD_VALUES = 50_000_000;
/** Values per insert into the staging table: the server holds at most one batch of an upload. */
const STAGE_BATCH_VALUES = 100_000;
const DEFAULT_BINS = 20;
const DEFAULT_TOP_K = 100;
const MAX_REPORTS = 100;

const JOB_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASELINE_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

interface RunRoleParams {
  id: string;
  role: string;
}

interface RowsQuery {
  label?: string;
  categorical?: string;
  job?: string;
  bins?: string;
  topK?: string;
  outliersRule?: string;
  outliersRemoved?: string;
}

const baselineBody = z
  .object({
    name: z.string().regex(BASELINE_NAME, 'letters, digits, _ . - only, at most 128'),
    runId: z.string().min(1),
    role: z.enum(DATASET_ROLES as [DatasetRole, ...DatasetRole[]]),
  })
  .strict();

/** Dataset profiles of runs and their drift (contracts/datasets.ts, docs/datasets.md). */
export const datasetsRoutes: FastifyPluginAsync<RunsPluginOptions> = async (app, options) => {
  const { datasets, runs } = options;
  const jobs = new DatasetJobs();

  const requireRun = async (runId: string) => {
    const run = await runs.getRun(runId);
    if (!run) throw new StellwerkError('STW_ERR_NOT_FOUND', `Run ${runId} does not exist; create it first.`);
    return run;
  };
  const requireProfile = async (runId: string, role: DatasetRole): Promise<DatasetProfile> => {
    const profile = await datasets.getProfile(runId, role);
    if (!profile)
      throw new StellwerkError(
        'STW_ERR_NOT_FOUND',
        `Run ${runId} has no ${role} dataset profile; POST its rows or profile to /api/v1/runs/${runId}/datasets/${role}/rows or .../profile.`,
      );
    return profile;
  };

  // Rows arrive as a stream, read while they come: this scope passes the body through unparsed.
  await app.register(async (rowsScope: FastifyInstance) => {
    rowsScope.removeAllContentTypeParsers();
    rowsScope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
    rowsScope.post<{ Params: RunRoleParams; Querystring: RowsQuery }>(
      '/api/v1/runs/:id/datasets/:role/rows',
      { config: { scope: 'ingest' } },
      async (req) => {
        const role = roleOf(req.params.role);
        const format = rowFormatOf(req.headers['content-type']);
        const q = req.query;
        const bins = intParam(q.bins, 'bins', DEFAULT_BINS, 1, MAX_HISTOGRAM_BINS);
        const topK = intParam(q.topK, 'topK', DEFAULT_TOP_K, 1, MAX_TOP_K);
        const label = q.label?.trim() || undefined;
        const categorical = new Set(
          (q.categorical ?? '')
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean),
        );
        if (label) categorical.add(label);
        const removed = outliersRemovedOf(q);
        const jobId = q.job ?? randomUUID();
        if (!JOB_ID.test(jobId))
          throw new StellwerkError('STW_ERR_BAD_REQUEST', 'job must be 1–64 letters, digits, _ or -.', {
            errors: [{ field: 'job', reason: 'invalid job id' }],
          });
        if (jobs.isRunning(jobId))
          throw new StellwerkError('STW_ERR_BAD_REQUEST', `Job ${jobId} is still running; choose another job id.`, {
            errors: [{ field: 'job', reason: 'job id in use' }],
          });
        await requireRun(req.params.id);

        if (!req.body) throw new StellwerkError('STW_ERR_BAD_REQUEST', 'The upload has no body; send the rows.');
        const body = decodedUpload(req.body as Readable, req.headers['content-encoding']);
        const job = jobs.start(jobId, req.params.id, role);
        const uploadId = randomUUID().replaceAll('-', '');
        try {
          const { rows, order } = await stageRows(datasets, uploadId, body, format, (p) => jobs.update(job, p));
          if (label && !order.includes(label))
            throw new StellwerkError('STW_ERR_BAD_REQUEST', `The label column ${label} is not in the rows.`, {
              errors: [{ field: 'label', reason: 'no such column' }],
            });
          jobs.update(job, { state: 'profiling', rows });
          const columns = await datasets.profileUpload(uploadId, rows, order, {
            categorical,
            histogramBins: bins,
            topK,
          });
          const outliersRemoved: OutliersRemoved[] = removed
            ? [{ rule: removed.rule, count: removed.count, share: removed.count / (removed.count + rows || 1) }]
            : [];
          const profile = buildProfile(
            req.params.id,
            role,
            'rows',
            { rows, ...(label ? { labelColumn: label } : {}), columns, outliersRemoved },
            uploadId,
          );
          await datasets.saveProfile(profile);
          jobs.update(job, { state: 'done' });
          return { profile, jobId };
        } catch (err) {
          jobs.update(job, { state: 'failed', error: err instanceof StellwerkError ? err.detail : 'internal error' });
          await datasets.dropValues(uploadId).catch((e) => req.log.warn({ err: e }, 'dropping staged values failed'));
          throw err;
        }
      },
    );
  });

  app.post<{ Params: RunRoleParams }>(
    '/api/v1/runs/:id/datasets/:role/profile',
    { config: { scope: 'ingest' } },
    async (req) => {
      const role = roleOf(req.params.role);
      const input = parseProfileInput(req.body);
      await requireRun(req.params.id);
      const profile = buildProfile(req.params.id, role, 'precomputed', input);
      await datasets.saveProfile(profile);
      return { profile };
    },
  );

  app.get<{ Params: { id: string } }>('/api/v1/runs/:id/datasets', { config: { scope: 'read' } }, async (req) => {
    await requireRun(req.params.id);
    return { profiles: await datasets.listProfiles(req.params.id) };
  });

  app.get<{ Params: RunRoleParams }>('/api/v1/runs/:id/datasets/:role', { config: { scope: 'read' } }, async (req) => {
    return { profile: await requireProfile(req.params.id, roleOf(req.params.role)) };
  });

  app.get<{ Querystring: { runId?: string } }>('/api/v1/datasets/jobs', { config: { scope: 'read' } }, async (req) => ({
    jobs: jobs.list(req.query.runId),
  }));

  app.get<{ Params: { id: string } }>('/api/v1/datasets/jobs/:id', { config: { scope: 'read' } }, async (req) => {
    const job = jobs.get(req.params.id);
    if (!job)
      throw new StellwerkError(
        'STW_ERR_NOT_FOUND',
        `No upload job ${req.params.id} on this server (finished jobs are kept for an hour).`,
      );
    return { job };
  });

  app.post('/api/v1/datasets/baselines', { config: { scope: 'ingest' } }, async (req) => {
    const parsed = baselineBody.safeParse(req.body);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.'), reason: i.message }));
      const first = errors[0] as { field: string; reason: string };
      throw new StellwerkError(
        'STW_ERR_BAD_REQUEST',
        `The baseline is invalid: ${first.field || 'body'}: ${first.reason}. Send { name, runId, role }.`,
        { errors },
      );
    }
    const { name, runId, role } = parsed.data;
    const profile = await requireProfile(runId, role);
    return { baseline: await datasets.saveBaseline(name, profile) };
  });

  app.get('/api/v1/datasets/baselines', { config: { scope: 'read' } }, async () => ({
    baselines: await datasets.listBaselines(),
  }));

  app.get<{ Params: RunRoleParams; Querystring: Record<string, string | undefined> }>(
    '/api/v1/runs/:id/datasets/:role/drift',
    { config: { scope: 'read' } },
    async (req) => {
      const role = roleOf(req.params.role);
      const thresholds = thresholdsFrom(req.query);
      const current = await requireProfile(req.params.id, role);
      const { reference, info } = await resolveReference(req.query.reference, datasets, requireProfile);
      const exact = await exactStats(datasets, current, reference);
      const report = computeDrift({
        current,
        reference,
        referenceInfo: info,
        thresholds,
        exact,
        id: randomUUID(),
      });
      await datasets.saveReport(report);
      const metrics: RunMetric[] = driftMetrics(report).map((m) => ({
        key: m.key,
        value: m.value,
        step: 0,
        timestampMs: report.computedMs,
      }));
      await runs.logMetrics(report.runId, metrics);
      return { report };
    },
  );

  app.get<{ Params: RunRoleParams; Querystring: { limit?: string } }>(
    '/api/v1/runs/:id/datasets/:role/drift/reports',
    { config: { scope: 'read' } },
    async (req) => {
      const role = roleOf(req.params.role);
      const limit = intParam(req.query.limit, 'limit', 20, 1, MAX_REPORTS);
      return { reports: await datasets.listReports(req.params.id, role, limit) };
    },
  );
};

/** Reads the rows into the staging table in bounded batches; reports progress as it goes. */
async function stageRows(
  datasets: DatasetsRepository,
  uploadId: string,
  body: Readable,
  format: ReturnType<typeof rowFormatOf>,
  onProgress: (p: { bytes: number; rows: number }) => void,
): Promise<{ rows: number; order: string[] }> {
  const progress = { bytes: 0 };
  const order: string[] = [];
  const known = new Set<string>();
  let batch: StagedValue[] = [];
  let batchNo = 0;
  let inFlight: Promise<void> = Promise.resolve();
  let rows = 0;
  let values = 0;
  try {
    for await (const row of readRows(body, format, MAX_UPLOAD_BYTES, progress)) {
      rows++;
      if (rows > MAX_UPLOAD_ROWS)
        throw new StellwerkError(
          'STW_ERR_BODY_TOO_LARGE',
          `The upload has more than ${MAX_UPLOAD_ROWS} rows; profile a sample, or POST a precomputed profile.`,
        );
      for (const [column, raw] of Object.entries(row)) {
        if (!known.has(column)) {
          if (known.size >= MAX_COLUMNS)
            throw new StellwerkError('STW_ERR_INVALID_RECORD', `The rows have more than ${MAX_COLUMNS} columns.`, {
              errors: [{ line: rows, reason: `column ${column} is one too many` }],
            });
          if (column === '' || column.length > 256)
            throw new StellwerkError(
              'STW_ERR_INVALID_RECORD',
              `Row ${rows} has a column name that is empty or over 256 characters.`,
              {
                errors: [{ line: rows, reason: 'bad column name' }],
              },
            );
          known.add(column);
          order.push(column);
        }
        const cell = cellOf(raw);
        if (cell) batch.push({ column, value: cell.value, num: cell.num });
      }
      if (batch.length >= STAGE_BATCH_VALUES) {
        values += batch.length;
        if (values > MAX_UPLOAD_VALUES) throw tooManyValues();
        // One insert runs while the next batch is read: at most two batches are held.
        await inFlight;
        inFlight = datasets.stageValues(uploadId, batchNo++, batch);
        // Awaited at the next batch or the end; until then its failure must not count as unhandled.
        inFlight.catch(() => {});
        batch = [];
      }
      if (rows % 1000 === 0) onProgress({ bytes: progress.bytes, rows });
    }
  } catch (err) {
    // The caller drops the upload's staged values: let the insert still running land first.
    await inFlight.catch(() => {});
    throw err;
  }
  await inFlight;
  values += batch.length;
  if (values > MAX_UPLOAD_VALUES) throw tooManyValues();
  await datasets.stageValues(uploadId, batchNo, batch);
  onProgress({ bytes: progress.bytes, rows });
  if (rows === 0) throw new StellwerkError('STW_ERR_BAD_REQUEST', 'The upload has no rows; send at least one.');
  return { rows, order };
}

function tooManyValues(): StellwerkError {
  return new StellwerkError(
    'STW_ERR_BODY_TOO_LARGE',
    `The upload has more than ${MAX_UPLOAD_VALUES} non-null values; profile a sample, or POST a precomputed profile.`,
  );
}

/** The engine's exact KS and PSI counts, for numeric columns whose staged values both sides still have. */
async function exactStats(
  datasets: DatasetsRepository,
  current: DatasetProfile,
  reference: DatasetProfile,
): Promise<Map<string, ExactNumericStats>> {
  const out = new Map<string, ExactNumericStats>();
  if (!current.uploadId || !reference.uploadId) return out;
  const [curStaged, refStaged] = await Promise.all([
    datasets.stagedCounts(current.uploadId),
    datasets.stagedCounts(reference.uploadId),
  ]);
  const refColumns = new Map(reference.columns.map((c) => [c.name, c]));
  for (const cur of current.columns) {
    const ref = refColumns.get(cur.name);
    if (cur.kind !== 'numeric' || ref?.kind !== 'numeric' || cur.count === 0 || ref.count === 0) continue;
    if (curStaged.get(cur.name) !== cur.count || refStaged.get(ref.name) !== ref.count) continue;
    const mode = ksMode(cur.count, ref.count);
    const ks = await datasets.ksTest(current.uploadId, reference.uploadId, cur.name, mode);
    const bins = await datasets.psiBinCounts(current.uploadId, reference.uploadId, cur.name);
    out.set(cur.name, {
      ksStatistic: ks.statistic,
      ksPValue: ks.pValue,
      ksMode: mode,
      psiCurrent: bins.current,
      psiReference: bins.reference,
    });
  }
  return out;
}

async function resolveReference(
  text: string | undefined,
  datasets: DatasetsRepository,
  requireProfile: (runId: string, role: DatasetRole) => Promise<DatasetProfile>,
): Promise<{ reference: DatasetProfile; info: DriftReference }> {
  const usage =
    'Name the reference: reference=run:<run id>[/<role>] (role defaults to train) or reference=baseline:<name>.';
  if (!text)
    throw new StellwerkError('STW_ERR_BAD_REQUEST', usage, { errors: [{ field: 'reference', reason: 'missing' }] });
  if (text.startsWith('baseline:')) {
    const name = text.slice('baseline:'.length);
    const found = await datasets.getBaseline(name);
    if (!found)
      throw new StellwerkError(
        'STW_ERR_NOT_FOUND',
        `No baseline named ${name}; pin one with POST /api/v1/datasets/baselines.`,
      );
    return {
      reference: found.profile,
      info: { kind: 'baseline', id: name, runId: found.baseline.runId, role: found.baseline.role },
    };
  }
  if (text.startsWith('run:')) {
    const [runId = '', roleText] = text.slice('run:'.length).split('/');
    if (!runId)
      throw new StellwerkError('STW_ERR_BAD_REQUEST', usage, { errors: [{ field: 'reference', reason: 'no run id' }] });
    const role = roleText === undefined ? 'train' : roleOf(roleText);
    return { reference: await requireProfile(runId, role), info: { kind: 'run', id: runId, runId, role } };
  }
  throw new StellwerkError('STW_ERR_BAD_REQUEST', usage, { errors: [{ field: 'reference', reason: 'unknown kind' }] });
}

function roleOf(text: string): DatasetRole {
  if ((DATASET_ROLES as readonly string[]).includes(text)) return text as DatasetRole;
  throw new StellwerkError('STW_ERR_BAD_REQUEST', `Dataset role ${text} is unknown; use ${DATASET_ROLES.join(', ')}.`, {
    errors: [{ field: 'role', reason: 'unknown role' }],
  });
}

function intParam(raw: string | undefined, name: string, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new StellwerkError('STW_ERR_BAD_REQUEST', `${name} must be an integer from ${min} to ${max}, not ${raw}.`, {
      errors: [{ field: name, reason: 'out of range' }],
    });
  return n;
}

function outliersRemovedOf(q: RowsQuery): { rule: string; count: number } | undefined {
  if (q.outliersRemoved === undefined && q.outliersRule === undefined) return undefined;
  const count = Number(q.outliersRemoved);
  if (!Number.isInteger(count) || count < 0 || !q.outliersRule)
    throw new StellwerkError(
      'STW_ERR_BAD_REQUEST',
      'Report removed outliers as outliersRemoved=<count>&outliersRule=<rule>, both together.',
      { errors: [{ field: 'outliersRemoved', reason: 'needs a count and a rule' }] },
    );
  return { rule: q.outliersRule.slice(0, 200), count };
}
