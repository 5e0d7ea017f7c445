import { describe, expect, it } from 'vitest';
import { applyTargetLabels, parseFileSd } from './index.ts';

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
