/**
 * GPU utilisation and memory from `nvidia-smi`, when it is on PATH. It runs once for the
 * whole run in its own loop mode (`--loop-ms`), which is far cheaper than starting it every
 * second; the latest reading per GPU is attached to each resource sample. The figures are
 * per device, not per process: a shared GPU shows everyone's use.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { GpuSample } from '@stellwerk/contracts';

export const NVIDIA_SMI_QUERY = [
  '--query-gpu=index,name,utilization.gpu,memory.used,memory.total',
  '--format=csv,noheader,nounits',
];

const MIB = 1024 * 1024;

/** The first executable `name` on PATH, or undefined. */
export function findOnPath(name: string, path = process.env.PATH ?? ''): string | undefined {
  for (const dir of path.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {}
  }
  return undefined;
}

/** `[N/A]` and `[Not Supported]` read as 0 rather than failing the whole line. */
function num(text: string | undefined): number {
  const n = Number(text?.trim());
  return Number.isFinite(n) ? n : 0;
}

/** One line of `--format=csv,noheader,nounits` output: `0, NVIDIA A100-SXM4-40GB, 37, 1024, 40960`. */
export function parseGpuLine(line: string): GpuSample | undefined {
  const fields = line.split(',').map((f) => f.trim());
  if (fields.length < 5 || !/^\d+$/.test(fields[0] as string)) return undefined;
  // A GPU name may itself contain commas; the numbers are always the last three fields.
  const [used, total] = [fields[fields.length - 2], fields[fields.length - 1]];
  return {
    index: Number(fields[0]),
    name: fields.slice(1, -3).join(', '),
    utilizationPercent: num(fields[fields.length - 3]),
    memoryUsedBytes: num(used) * MIB,
    memoryTotalBytes: num(total) * MIB,
  };
}

export class GpuWatcher {
  private readonly latestByIndex = new Map<number, GpuSample>();
  private partial = '';

  private constructor(private readonly child: ChildProcess) {
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      const text = this.partial + chunk;
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      for (const line of lines) {
        const gpu = parseGpuLine(line);
        if (gpu) this.latestByIndex.set(gpu.index, gpu);
      }
    });
    // No driver, no device: nvidia-smi says so and exits; the run simply has no GPU figures.
    child.on('error', () => {});
  }

  /** Starts watching if nvidia-smi is on PATH; undefined otherwise. */
  static start(intervalMs: number, env: NodeJS.ProcessEnv = process.env): GpuWatcher | undefined {
    const bin = findOnPath('nvidia-smi', env.PATH);
    if (!bin) return undefined;
    const child = spawn(bin, [...NVIDIA_SMI_QUERY, `--loop-ms=${Math.max(100, Math.round(intervalMs))}`], {
      stdio: ['ignore', 'pipe', 'ignore'],
      env,
    });
    return new GpuWatcher(child);
  }

  /** The newest reading of each GPU, by index; empty until the first line arrives. */
  latest(): GpuSample[] {
    return [...this.latestByIndex.values()].sort((a, b) => a.index - b.index);
  }

  stop(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
  }
}
