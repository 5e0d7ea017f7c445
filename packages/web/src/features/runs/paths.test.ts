import { describe, expect, it } from 'vitest';
import { comparePath, parseRunsPath, pipelinePath, runLogsPath, runPath } from './paths.ts';

describe('runs URLs', () => {
  it('round-trip through the path parser', () => {
    const id = 'ab'.repeat(16);
    expect(parseRunsPath('/runs')).toEqual({ page: 'list' });
    expect(parseRunsPath('/runs/')).toEqual({ page: 'list' });
    expect(parseRunsPath(runPath(id, 'logs').split('?')[0] as string)).toEqual({ page: 'run', runId: id });
    expect(parseRunsPath(pipelinePath(id))).toEqual({ page: 'pipeline', runId: id });
    expect(parseRunsPath(comparePath([id, id]).split('?')[0] as string)).toEqual({ page: 'compare' });
    expect(parseRunsPath('/runs/a/b/c')).toEqual({ page: 'unknown' });
  });

  it('open the Logs explorer on the run’s records with a minute either side', () => {
    const url = new URL(runLogsPath('r1', 120_000, 180_000), 'http://x');
    expect(url.pathname).toBe('/logs');
    expect(Object.fromEntries(url.searchParams)).toEqual({ q: 'run_id:r1', from: '60000', to: '240000' });
  });
});
