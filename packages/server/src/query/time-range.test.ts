import { describe, expect, it } from 'vitest';
import { render } from '../store/sql.ts';
import { compileTimeRange, parseTimeInput, TimeInputError } from './time-range.ts';

const NOW = Date.UTC(2024, 4, 1, 12, 0, 0, 123); // 2024-05-01T12:00:00.123Z
const nowNs = (deltaMs = 0) => `${NOW + deltaMs}000000`;

describe('parseTimeInput', () => {
  it.each([
    ['now', nowNs()],
    [' now ', nowNs()],
    ['now-15m', nowNs(-15 * 60_000)],
    ['now-1h', nowNs(-3_600_000)],
    ['now-7d', nowNs(-7 * 86_400_000)],
    ['now-2w', nowNs(-14 * 86_400_000)],
    ['now-30s', nowNs(-30_000)],
    ['now+5m', nowNs(5 * 60_000)],
    ['1714564800000', '1714564800000000000'],
    ['0', '0'],
    ['2024-05-01T12:00:00Z', '1714564800000000000'],
    ['2024-05-01t12:00:00z', '1714564800000000000'],
    ['2024-05-01 12:00:00Z', '1714564800000000000'],
    ['2024-05-01T12:00:00.5Z', '1714564800500000000'],
    ['2024-05-01T12:00:00.123456789Z', '1714564800123456789'],
    ['2024-05-01T12:00:00.1234567891Z', '1714564800123456789'],
    ['2024-05-01T14:00:00+02:00', '1714564800000000000'],
    ['2024-05-01T04:30:00.000000001-07:30', '1714564800000000001'],
    ['2024-02-29T00:00:00Z', '1709164800000000000'],
    ['1969-12-31T23:59:59.5Z', '-500000000'],
  ])('%j', (input, ns) => {
    expect(parseTimeInput(input, NOW)).toEqual({ ns });
  });

  it.each([
    ['', /empty time/],
    ['yesterday', /invalid time 'yesterday': expected RFC 3339/],
    ['now-15', /missing unit in 'now-15'/],
    ['now-15x', /unknown unit 'x' in 'now-15x': use s, m, h, d or w/],
    ['now-15M', /unknown unit 'M'/],
    ['now - 15m', /invalid relative time/],
    ['nowish', /invalid relative time/],
    ['1714564800', /looks like epoch seconds.*1714564800000/],
    ['2024-05-01', /invalid time/],
    ['2024-05-01T12:00:00', /invalid time/],
    ['2023-02-29T00:00:00Z', /out of range/],
    ['2024-13-01T00:00:00Z', /out of range/],
    ['2024-05-01T24:00:00Z', /out of range/],
    ['1800-01-01T00:00:00Z', /outside the supported range/],
    ['now-99999999w', /outside the supported range/],
    ['99999999999999999999', /outside the supported range/],
  ])('%j fails', (input, message) => {
    expect(() => parseTimeInput(input, NOW)).toThrow(TimeInputError);
    expect(() => parseTimeInput(input, NOW)).toThrow(message);
  });
});

describe('compileTimeRange', () => {
  it('is half-open on ts', () => {
    expect(render(compileTimeRange('1', '2'), 'params')).toEqual({
      text: '(ts >= {p0:DateTime64(9)} AND ts < {p1:DateTime64(9)})',
      params: { p0: '1', p1: '2' },
    });
  });
  it('refuses a reversed range and non-integers', () => {
    expect(() => compileTimeRange('2', '1')).toThrow(/reversed/);
    expect(() => compileTimeRange('1; DROP', '2')).toThrow(TypeError);
  });
});
