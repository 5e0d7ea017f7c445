import { describe, expect, it } from 'vitest';
import { parseLogrusLine } from './logrus.ts';

describe('parseLogrusLine', () => {
  it('reads logrus 4-letter levels, padded messages and fields', () => {
    const line =
      'WARN[2021-01-06T17:44:13.369046236-08:00] retrying request                              attempt=3 backoff=1.5s url="http://s3.local/bucket?x=1"';
    expect(parseLogrusLine(line)).toEqual({
      format: 'logrus',
      ts: { ns: '1609983853369046236', offsetMin: -480 },
      levelRaw: 'WARN',
      message: 'retrying request',
      attributes: { attempt: 3, backoff: '1.5s', url: 'http://s3.local/bucket?x=1' },
    });
  });

  it.each([
    ['ERRO[0000] boom', 'ERRO', 'boom'],
    ['DEBU[0000] d', 'DEBU', 'd'],
    ['TRAC[0000] t', 'TRAC', 't'],
    ['FATA[0000] f', 'FATA', 'f'],
    ['PANI[0000] p', 'PANI', 'p'],
    ['WARNING[0000] full level text', 'WARNING', 'full level text'],
    ['INFO   [0000] padded level text', 'INFO', 'padded level text'],
  ])('%s', (line, levelRaw, message) => {
    expect(parseLogrusLine(line)).toMatchObject({ levelRaw, message });
  });

  it('keeps elapsed seconds (INFO[0042]) as an attribute and sets no time', () => {
    expect(parseLogrusLine('INFO[0042] started                                       port=8080')).toEqual({
      format: 'logrus',
      levelRaw: 'INFO',
      message: 'started',
      attributes: { elapsed_s: 42, port: 8080 },
    });
  });

  it('keeps a timestamp it cannot read as the `time` attribute', () => {
    expect(parseLogrusLine('INFO[06-01-2021 17:44:13] custom format')).toMatchObject({
      ts: undefined,
      message: 'custom format',
      attributes: { time: '06-01-2021 17:44:13' },
    });
  });

  it('lets the header win over level/msg/time keys in the fields', () => {
    expect(parseLogrusLine('INFO[0000] real message level=error msg=other service=api')).toMatchObject({
      levelRaw: 'INFO',
      message: 'real message',
      service: 'api',
      attributes: { elapsed_s: 0, level: 'error', msg: 'other' },
    });
  });

  it('keeps `=` inside the message when no pairs follow', () => {
    expect(parseLogrusLine('INFO[0000] computed a=b for user bob')).toMatchObject({
      message: 'computed a=b for user bob',
      attributes: { elapsed_s: 0 },
    });
  });

  it('handles an empty message', () => {
    expect(parseLogrusLine('INFO[0000]')).toMatchObject({ message: '', levelRaw: 'INFO' });
    expect(parseLogrusLine('INFO[0000]    k=v')).toMatchObject({ message: '', attributes: { elapsed_s: 0, k: 'v' } });
  });

  it.each(['INFO', 'INFO[', 'INFO[abc] x', 'info[0000] lower', '[0000] no level', 'INFO [2021 no close'])(
    'returns null for %j',
    (line) => {
      expect(parseLogrusLine(line)).toBeNull();
    },
  );
});
