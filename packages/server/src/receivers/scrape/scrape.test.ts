import { describe, expect, it } from 'vitest';
import { applyTargetLabels, createdZero, parseFileSd } from './index.ts';

describe('applyTargetLabels', () => {
  const target = { job: 'node', instance: 'h:9100', env: 'prod' };
  it('keeps clashing scraped labels as exported_* unless honor_labels', () => {
    expect(applyTargetLabels({ job: 'inner', a: '1' }, target, false)).toEqual({
      job: 'node',
      exported_job: 'inner',
      instance: 'h:9100',
      env: 'prod',
      a: '1',
    });
    expect(applyTargetLabels({ job: 'inner', exported_job: 'x' }, target, false)).toMatchObject({
      job: 'node',
      exported_job: 'x',
      exported_exported_job: 'inner',
    });
  });
  it('lets scraped labels win with honor_labels', () => {
    expect(applyTargetLabels({ job: 'inner' }, target, true)).toEqual({
      job: 'inner',
      instance: 'h:9100',
      env: 'prod',
    });
  });
});

describe('parseFileSd', () => {
  it('reads JSON and YAML', () => {
    expect(parseFileSd('[{"targets":["a:1"],"labels":{"x":"y"}}]', 't.json')).toEqual([
      { targets: ['a:1'], labels: { x: 'y' } },
    ]);
    expect(parseFileSd('- targets: ["b:2", "c:3"]\n', 't.yml')).toEqual([{ targets: ['b:2', 'c:3'], labels: {} }]);
    expect(parseFileSd('', 't.yaml')).toEqual([]);
  });
  it('rejects malformed groups', () => {
    expect(() => parseFileSd('{"targets":[]}', 't.json')).toThrow(/list/);
    expect(() => parseFileSd('[{"targets":["http://a:1/x"]}]', 't.json')).toThrow(/host:port/);
    expect(() => parseFileSd('[{"targets":["a:1"],"labels":{"x":1}}]', 't.json')).toThrow(/labels/);
  });
});

describe('createdZero', () => {
  it('places a zero at the created time only between the last stored sample and this one', () => {
    // Created after the last sample (a restart, or a new series while scraping): zero at creation.
    expect(createdZero(1_500, 2_000, 1_000)).toBe(1_500);
    // Created before the last sample: that sample already belongs to this counter's life.
    expect(createdZero(900, 2_000, 1_000)).toBeUndefined();
    expect(createdZero(1_000, 2_000, 1_000)).toBeUndefined();
    // Not before the sample (a clock ahead of Stellwerk's): nothing, rather than a zero after it.
    expect(createdZero(2_000, 2_000, 1_000)).toBeUndefined();
    expect(createdZero(2_500, 2_000, 1_000)).toBeUndefined();
  });
});
