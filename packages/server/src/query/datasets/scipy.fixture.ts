import { execFileSync } from 'node:child_process';

/** Debian's Python with SciPy and numpy: the reference implementation the statistics are held to. */
export const PYTHON = '/usr/bin/python3';

/** Runs a Python snippet that reads JSON `data` from stdin and prints JSON; returns what it printed. */
export function python<T>(code: string, data: unknown): T {
  const out = execFileSync(PYTHON, ['-c', `import json, sys\ndata = json.load(sys.stdin)\n${code}`], {
    input: JSON.stringify(data),
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}

/** A seeded generator (mulberry32) so each test's data is the same on every run. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal deviates by Box–Muller. */
export function normals(n: number, mean: number, sd: number, random: () => number): number[] {
  const out: number[] = [];
  while (out.length < n) {
    const u = 1 - random();
    const v = random();
    out.push(mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  }
  return out;
}
