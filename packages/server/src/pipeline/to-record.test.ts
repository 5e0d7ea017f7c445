import { describe, expect, it } from 'vitest';
import { parseLine } from './parse-line.ts';
import { type RecordContext, toLogRecord } from './to-record.ts';

const ctx: RecordContext = {
  service: 'default-svc',
  host: 'collector-1',
  resource: { 'k8s.pod.name': 'api-7d9' },
  observedNs: '1704449500000000000',
};

describe('toLogRecord', () => {
  it('builds the seed error line', () => {
    const line =
      'ERROR[2021-01-06T17:44:13.369694698-08:00] http server error error="listen tcp 127.0.0.1:6060: bind: address already in use"';
    expect(toLogRecord(parseLine(line), ctx)).toEqual({
      ts: '1609983853369694698',
      tzOffsetMin: -480,
      observedTs: '1704449500000000000',
      service: 'default-svc',
      host: 'collector-1',
      level: 'error',
      levelRaw: 'ERROR',
      message: 'http server error',
      attributes: { error: 'listen tcp 127.0.0.1:6060: bind: address already in use' },
      resource: { 'k8s.pod.name': 'api-7d9' },
      runId: '',
      traceId: '',
      spanId: '',
    });
  });

  it('uses the observed time and info level when the line has neither', () => {
    expect(toLogRecord(parseLine('plain text'), ctx)).toMatchObject({
      ts: '1704449500000000000',
      tzOffsetMin: 0,
      level: 'info',
      levelRaw: '',
      message: 'plain text',
    });
  });

  it("lets the line's own service/host/run win over context defaults", () => {
    const p = parseLine(
      '{"msg":"x","service":"checkout","hostname":"web-3","run_id":"run-42","trace_id":"t1","span_id":"s1"}',
    );
    expect(toLogRecord(p, { ...ctx, runId: 'ctx-run' })).toMatchObject({
      service: 'checkout',
      host: 'web-3',
      runId: 'run-42',
      traceId: 't1',
      spanId: 's1',
    });
    expect(toLogRecord(parseLine('{"msg":"x"}'), { ...ctx, runId: 'ctx-run' })).toMatchObject({
      service: 'default-svc',
      host: 'collector-1',
      runId: 'ctx-run',
    });
    // an empty value in the line is no statement: the default applies
    expect(toLogRecord(parseLine('{"msg":"x","service":""}'), ctx).service).toBe('default-svc');
  });

  it.each([
    ['WARNING:root:x', 'warn', 'WARNING'],
    ['{"level":50,"msg":"x"}', 'error', '50'],
    ['level=crit msg=x', 'fatal', 'crit'],
    ['level=banana msg=x', 'info', 'banana'],
  ])('normalises %s', (line, level, levelRaw) => {
    expect(toLogRecord(parseLine(line), ctx)).toMatchObject({ level, levelRaw });
  });
});
