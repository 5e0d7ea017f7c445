import { describe, expect, it } from 'vitest';
import { checkKey, checkParam, checkTag, checkTimeMs } from './run-limits.ts';

describe('run limits', () => {
  it.each(['loss', 'val/loss', 'system/gpu_0_utilization_percentage', 'a b:c-d.e', 'größe', '精度'])(
    'accepts the name %s',
    (key) => expect(() => checkKey('metric', key)).not.toThrow(),
  );

  it.each([
    ['', /must not be empty/],
    ['a*b', /may only contain/],
    ['../up', /resolve to other names/],
    ['/abs', /resolve to other names/],
    ['a//b', /resolve to other names/],
    ['x'.repeat(251), /at most 250/],
  ])('refuses the name %s', (key, message) => {
    expect(() => checkKey('param', key)).toThrow(message);
  });

  it('bounds param and tag values and times', () => {
    expect(() => checkParam('p', 'x'.repeat(6000))).not.toThrow();
    expect(() => checkParam('p', 'x'.repeat(6001))).toThrow(/at most 6000/);
    expect(() => checkTag('t', 'x'.repeat(8001))).toThrow(/at most 8000/);
    expect(() => checkTimeMs('timestamp', -1)).toThrow(/outside/);
    expect(() => checkTimeMs('timestamp', Date.UTC(2300, 0, 1))).toThrow(/outside/);
    expect(() => checkTimeMs('timestamp', Date.now())).not.toThrow();
  });
});
