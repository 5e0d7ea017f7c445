import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GpuWatcher, parseGpuLine } from './gpu.ts';

// There is no GPU on the machines that run these tests: a stand-in `nvidia-smi` on PATH
// prints what the real one prints for the same query (CSV, no header, no units), and
// checks that it was asked exactly that query.
const dir = mkdtempSync(join(tmpdir(), 'stw-gpu-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function standIn(body: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, 'nvidia-smi'), `#!/bin/sh\n${body}\n`);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  return bin;
}

describe('GPU sampling through nvidia-smi', () => {
  it('reads the CSV of --query-gpu with noheader,nounits (memory in MiB)', () => {
    expect(parseGpuLine('0, NVIDIA A100-SXM4-40GB, 37, 1024, 40960')).toEqual({
      index: 0,
      name: 'NVIDIA A100-SXM4-40GB',
      utilizationPercent: 37,
      memoryUsedBytes: 1024 * 2 ** 20,
      memoryTotalBytes: 40960 * 2 ** 20,
    });
    expect(parseGpuLine('1, Tesla T4, [N/A], 0, 15360')?.utilizationPercent).toBe(0);
    expect(parseGpuLine('')).toBeUndefined();
    expect(
      parseGpuLine('NVIDIA-SMI has failed because it could not communicate with the NVIDIA driver.'),
    ).toBeUndefined();
  });

  it('keeps the latest reading of each GPU from the loop output', async () => {
    const bin = standIn(
      [
        'case "$*" in',
        '  "--query-gpu=index,name,utilization.gpu,memory.used,memory.total --format=csv,noheader,nounits --loop-ms="*) ;;',
        '  *) echo "unexpected arguments: $*" >&2; exit 2 ;;',
        'esac',
        'i=0',
        'while :; do',
        '  i=$((i + 1))',
        '  echo "0, NVIDIA A100-SXM4-40GB, $((i * 10 % 100)), $((i * 1000)), 40960"',
        '  echo "1, NVIDIA A100-SXM4-40GB, 5, 512, 40960"',
        '  sleep 0.1',
        'done',
      ].join('\n'),
    );
    const watcher = GpuWatcher.start(100, { ...process.env, PATH: `${bin}:${process.env.PATH}` });
    expect(watcher).toBeDefined();
    try {
      let gpus = watcher?.latest() ?? [];
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        gpus = watcher?.latest() ?? [];
        if (gpus.length === 2 && (gpus[0]?.memoryUsedBytes ?? 0) >= 3000 * 2 ** 20) break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(gpus.map((g) => g.index)).toEqual([0, 1]);
      expect(gpus[0]?.memoryUsedBytes).toBeGreaterThanOrEqual(3000 * 2 ** 20);
      expect(gpus[1]).toMatchObject({ utilizationPercent: 5, memoryUsedBytes: 512 * 2 ** 20 });
    } finally {
      watcher?.stop();
    }
  });

  it('is off without nvidia-smi on PATH', () => {
    expect(GpuWatcher.start(1000, { PATH: dir })).toBeUndefined();
  });
});
