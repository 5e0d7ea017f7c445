import { describe, expect, it } from 'vitest';
import { formatBytes, formatRunDuration } from './format.ts';

describe('run formats', () => {
  it('write durations the way people say them', () => {
    expect(formatRunDuration(850)).toBe('850ms');
    expect(formatRunDuration(30_000)).toBe('30s');
    expect(formatRunDuration(90_000)).toBe('1m 30s');
    expect(formatRunDuration(2 * 3_600_000 + 5 * 60_000)).toBe('2h 5m');
    expect(formatRunDuration(-1)).toBe('–');
  });

  it('write bytes in binary units', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(300 * 2 ** 20)).toBe('300 MiB');
    expect(formatBytes(1.5 * 2 ** 30)).toBe('1.5 GiB');
    expect(formatBytes(null)).toBe('–');
  });
});
