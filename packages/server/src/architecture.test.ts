import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Data flows one way: receivers → pipeline → writer → store ← query ← api. A lower layer
 * never imports a higher one, and only the store (and the engine it talks to) knows
 * ClickHouse. This test holds that line so nobody has to remember it.
 */
const SRC = dirname(fileURLToPath(import.meta.url));
const PACKAGES = resolve(SRC, '../..');

const FORBIDDEN: Record<string, string[]> = {
  receivers: ['store', 'query', 'api', 'engine', 'writer'],
  pipeline: ['store', 'query', 'api', 'engine', 'receivers'],
  writer: ['pipeline', 'receivers', 'query', 'api', 'engine'],
  store: ['receivers', 'pipeline', 'writer', 'query', 'api', 'engine'],
  query: ['receivers', 'pipeline', 'writer', 'api', 'engine'],
  api: ['receivers', 'pipeline', 'writer', 'engine'],
  engine: ['receivers', 'pipeline', 'writer', 'store', 'query', 'api'],
  config: ['receivers', 'pipeline', 'writer', 'store', 'query', 'api', 'engine'],
};

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' || name === 'dist' ? [] : files(path);
    // Tests and their helpers may reach across layers.
    return /\.tsx?$/.test(name) && !/(\.test|\.fixture|^testing)\.tsx?$/.test(name) ? [path] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/gm)].map((m) => m[1] as string);
}

describe('architecture', () => {
  it('keeps layer imports pointing one way', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const layer = relative(SRC, file).split('/')[0] as string;
      for (const spec of imports(file)) {
        if (!spec.startsWith('.')) continue;
        const target = relative(SRC, resolve(dirname(file), spec)).split('/')[0] as string;
        if (FORBIDDEN[layer]?.includes(target)) violations.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('lets only the store talk to ClickHouse and only the engine load chDB', () => {
    const violations: string[] = [];
    for (const file of files(SRC)) {
      const layer = relative(SRC, file).split('/')[0];
      for (const spec of imports(file)) {
        if (spec.startsWith('@clickhouse/') && layer !== 'store')
          violations.push(`${relative(SRC, file)} imports ${spec}`);
        if (spec.startsWith('chdb') && layer !== 'engine') violations.push(`${relative(SRC, file)} imports ${spec}`);
      }
    }
    expect(violations).toEqual([]);
  });

  it('keeps the browser and the SDK on contracts only', () => {
    const violations: string[] = [];
    for (const pkg of ['web/src', 'sdk/src']) {
      for (const file of files(join(PACKAGES, pkg))) {
        for (const spec of imports(file)) {
          if (spec.startsWith('@stellwerk/') && spec !== '@stellwerk/contracts') violations.push(`${pkg}: ${spec}`);
          if (spec.includes('/server/')) violations.push(`${pkg}: ${spec}`);
        }
      }
    }
    expect(violations).toEqual([]);
  });
});
