import { describe, expect, it } from 'vitest';
import { parsePythonLine } from './python.ts';

// 2024-01-05 10:11:12,345 read as UTC
const TS = { ns: '1704449472345000000', offsetMin: 0 };

describe('parsePythonLine', () => {
  it.each([
    ['WARNING:root:disk almost full', 'WARNING', 'root', 'disk almost full'],
    [
      'INFO:tensorflow:Restoring parameters from /tmp/model.ckpt',
      'INFO',
      'tensorflow',
      'Restoring parameters from /tmp/model.ckpt',
    ],
    ['ERROR:app.db:query failed: timeout', 'ERROR', 'app.db', 'query failed: timeout'],
    ['CRITICAL:root:', 'CRITICAL', 'root', ''],
    [
      'DEBUG:urllib3.connectionpool:Starting new HTTPS connection (1): example.com:443',
      'DEBUG',
      'urllib3.connectionpool',
      'Starting new HTTPS connection (1): example.com:443',
    ],
  ])('basicConfig default: %s', (line, levelRaw, logger, message) => {
    expect(parsePythonLine(line)).toEqual({ format: 'python', levelRaw, message, attributes: { logger } });
  });

  it.each([
    ['2024-01-05 10:11:12,345 - trainer - INFO - epoch 3 done', 'INFO', { logger: 'trainer' }, 'epoch 3 done'],
    [
      '2024-01-05 10:11:12,345 - trainer.loop - WARNING - loss is NaN - skipping',
      'WARNING',
      { logger: 'trainer.loop' },
      'loss is NaN - skipping',
    ],
    ['2024-01-05 10:11:12,345 - ERROR - no logger name here', 'ERROR', {}, 'no logger name here'],
    ['2024-01-05 10:11:12,345 - __main__ - DEBUG    - padded level', 'DEBUG', { logger: '__main__' }, 'padded level'],
    ['2024-01-05 10:11:12,345 INFO trainer: epoch 3 done', 'INFO', { logger: 'trainer' }, 'epoch 3 done'],
    ['2024-01-05 10:11:12,345 WARNING  trainer.eval: padded', 'WARNING', { logger: 'trainer.eval' }, 'padded'],
    ['2024-01-05 10:11:12,345 [ERROR] api: failed: again', 'ERROR', { logger: 'api' }, 'failed: again'],
    [
      '2024-01-05 10:11:12,345 INFO message without logger: colon later',
      'INFO',
      {},
      'message without logger: colon later',
    ],
    ['2024-01-05 10:11:12,345 CRITICAL app:', 'CRITICAL', { logger: 'app' }, ''],
  ])('asctime formats: %s', (line, levelRaw, attributes, message) => {
    expect(parsePythonLine(line)).toEqual({ format: 'python', ts: TS, levelRaw, message, attributes });
  });

  it('reads asctime with a naive offset and dot fractions', () => {
    expect(parsePythonLine('2024-01-05 10:11:12.345 INFO x: y', 60)?.ts).toEqual({
      ns: '1704445872345000000',
      offsetMin: 60,
    });
  });

  it.each([
    'WARNING: no logger, just text',
    'NOTE:root:not a python level',
    'INFO:has space:message',
    'INFO',
    '2024-01-05 10:11:12,345 VERBOSE x: y',
    '2024-13-05 10:11:12,345 - a - INFO - bad month',
    '2024-01-05 10:11:12,345 - a - b - c',
    '2024-01-05T10:11:12Z something else',
    'hello',
    '',
  ])('returns null for %j', (line) => {
    expect(parsePythonLine(line)).toBeNull();
  });
});
