import { describe, expect, it } from 'vitest';
import { parseGroupingPath } from './index.ts';

describe('parseGroupingPath', () => {
  it('reads job and labels, percent-decoding after splitting', () => {
    expect(parseGroupingPath('/metrics/job/batch/instance/w1/path/%2Fvar%2Ftmp')).toEqual({
      job: 'batch',
      instance: 'w1',
      path: '/var/tmp',
    });
  });
  it('decodes @base64 values (padded or not) and drops empty ones', () => {
    expect(parseGroupingPath('/metrics/job/stellwerk-batch/empty@base64/=/path@base64/L3Zhci90bXA=')).toEqual({
      job: 'stellwerk-batch',
      path: '/var/tmp',
    });
    expect(parseGroupingPath('/metrics/job@base64/YS9i/x@base64/L3Zhci90bXA')).toEqual({ job: 'a/b', x: '/var/tmp' });
  });
  it('rejects bad paths with a reason', () => {
    expect(() => parseGroupingPath('/metrics/job/a/instance')).toThrow(/odd number/);
    expect(() => parseGroupingPath('/metrics/job@base64/=')).toThrow(/job name is required/);
    expect(() => parseGroupingPath('/metrics/job/a/1bad/x')).toThrow(/improper label name/);
    expect(() => parseGroupingPath('/metrics/job/a/x/1/x/2')).toThrow(/twice/);
    expect(() => parseGroupingPath('/metrics/job/a/x@base64/!!')).toThrow(/base64/);
  });
});
