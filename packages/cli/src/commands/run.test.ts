import { describe, expect, it } from 'vitest';
import { runKind, runName } from '../run/run-record.ts';
import { childEnv, otelResourceAttributes, runStatus } from './run.ts';

const ID = 'a'.repeat(32);
const OUTER = 'b'.repeat(32);
const run = { url: 'http://stw:8420', runId: ID, answered: true };

describe('the environment stellwerk run gives the command', () => {
  it('ties the command to the run, MLflow included when the server answered', () => {
    const env = childEnv({ PATH: '/bin' }, run);
    expect(env).toMatchObject({
      PATH: '/bin',
      PYTHONUNBUFFERED: '1',
      STELLWERK_URL: 'http://stw:8420',
      STELLWERK_RUN_ID: ID,
      OTEL_RESOURCE_ATTRIBUTES: `stellwerk.run_id=${ID}`,
      MLFLOW_TRACKING_URI: 'http://stw:8420',
      MLFLOW_RUN_ID: ID,
    });
  });

  it("leaves the user's own MLflow settings and PYTHONUNBUFFERED alone", () => {
    const env = childEnv({ MLFLOW_TRACKING_URI: 'http://mlflow:5000', PYTHONUNBUFFERED: '0' }, run);
    expect(env.MLFLOW_TRACKING_URI).toBe('http://mlflow:5000');
    expect(env.MLFLOW_RUN_ID).toBeUndefined();
    expect(env.PYTHONUNBUFFERED).toBe('0');
  });

  it('sets no MLflow run when the server did not answer', () => {
    const env = childEnv({}, { ...run, answered: false });
    expect(env.MLFLOW_RUN_ID).toBeUndefined();
    expect(env.MLFLOW_TRACKING_URI).toBeUndefined();
    expect(env.STELLWERK_RUN_ID).toBe(ID);
  });

  it("inside another stellwerk run, replaces the outer run's MLflow run and OTEL id with its own", () => {
    const outer = {
      STELLWERK_RUN_ID: OUTER,
      MLFLOW_RUN_ID: OUTER,
      MLFLOW_TRACKING_URI: 'http://stw:8420',
      OTEL_RESOURCE_ATTRIBUTES: `service.name=etl,stellwerk.run_id=${OUTER}`,
    };
    expect(childEnv(outer, run)).toMatchObject({
      MLFLOW_RUN_ID: ID,
      STELLWERK_RUN_ID: ID,
      OTEL_RESOURCE_ATTRIBUTES: `service.name=etl,stellwerk.run_id=${ID}`,
    });
    // Server down for the inner run: the outer run's MLflow id must not leak into the step.
    const offline = childEnv(outer, { ...run, answered: false });
    expect(offline.MLFLOW_RUN_ID).toBeUndefined();
    expect(offline.MLFLOW_TRACKING_URI).toBeUndefined();
  });

  it('appends to OTEL_RESOURCE_ATTRIBUTES', () => {
    expect(otelResourceAttributes(undefined, ID)).toBe(`stellwerk.run_id=${ID}`);
    expect(otelResourceAttributes('a=1, b=2', ID)).toBe(`a=1,b=2,stellwerk.run_id=${ID}`);
  });
});

describe('run kind, name and status', () => {
  it('derives the kind and the default name', () => {
    expect(runKind({})).toBe('training');
    expect(runKind({ pipeline: 'p' })).toBe('pipeline');
    expect(runKind({ pipeline: 'p', step: 's' })).toBe('step');
    expect(runKind({ parentRunId: OUTER })).toBe('step');
    expect(runName({ command: ['/usr/bin/python3', 'train.py'] })).toBe('python3');
    expect(runName({ command: ['x'], step: 'train', pipeline: 'p' })).toBe('train');
    expect(runName({ command: ['x'], pipeline: 'p' })).toBe('p');
    expect(runName({ command: ['x'], name: 'n', step: 's' })).toBe('n');
  });

  it('maps exits to statuses', () => {
    expect(runStatus({ exitCode: 0 })).toBe('FINISHED');
    expect(runStatus({ exitCode: 2 })).toBe('FAILED');
    expect(runStatus({ exitCode: 143, signal: 'SIGTERM' })).toBe('KILLED');
    expect(runStatus({ exitCode: 143 })).toBe('FAILED');
  });
});
