/**
 * The local spool: what `stellwerk run` could not deliver (server down, slow or failing),
 * kept as one file per run so that `stellwerk flush`, or the next `stellwerk run`, sends it
 * later in the original order. Each file starts with a header line naming its server; every
 * further line is one API request with its idempotency key, so sending a file twice stores
 * everything once. A `.lock` file holding the writer's or flusher's pid keeps two processes
 * off one file; a lock whose process has died is taken over.
 */
import {
  appendFileSync,
  closeSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { ApiClient, ApiRequest } from './client.ts';

export const SPOOL_SUFFIX = '.jsonl';

/** Largest spool file of one run; past it further log lines are dropped (counted), never the run's own records. */
export const MAX_SPOOL_FILE_BYTES = 512 * 1024 * 1024;

interface SpoolHeader {
  stellwerkSpool: 1;
  server: string;
  runId: string;
  createdMs: number;
}

/** STELLWERK_SPOOL_DIR, else $XDG_STATE_HOME/stellwerk/spool, else ~/.local/state/stellwerk/spool. */
export function spoolDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STELLWERK_SPOOL_DIR) return env.STELLWERK_SPOOL_DIR;
  const state = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  return join(state, 'stellwerk', 'spool');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Takes `<file>.lock` for this process; false when a live process holds it. */
export function tryLock(file: string): boolean {
  const lock = `${file}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let holder = 0;
      try {
        holder = Number(readFileSync(lock, 'utf8'));
      } catch {}
      // A lock being written this instant reads as empty: treat it as held.
      if (!holder || holder === process.pid || isAlive(holder)) return false;
      try {
        unlinkSync(lock);
      } catch {}
    }
  }
  return false;
}

export function unlock(file: string): void {
  try {
    unlinkSync(`${file}.lock`);
  } catch {}
}

/** Appends one run's undelivered requests to its spool file, created (and locked) on first use. */
export class SpoolWriter {
  readonly file: string;
  private opened = false;
  private bytes = 0;
  droppedLogRequests = 0;

  constructor(
    readonly dir: string,
    private readonly server: string,
    private readonly runId: string,
    private readonly createdMs: number,
  ) {
    // Names sort by creation time, so runs are flushed in the order they happened.
    this.file = join(dir, `${String(createdMs).padStart(14, '0')}-${runId}${SPOOL_SUFFIX}`);
  }

  /** Writes synchronously: the wrapper may be about to exit, and a spool line must not be lost. */
  append(requests: ApiRequest[]): void {
    if (requests.length === 0) return;
    if (!this.opened) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      tryLock(this.file);
      const header: SpoolHeader = {
        stellwerkSpool: 1,
        server: this.server,
        runId: this.runId,
        createdMs: this.createdMs,
      };
      appendFileSync(this.file, `${JSON.stringify(header)}\n`, { mode: 0o600 });
      this.opened = true;
    }
    let text = '';
    for (const r of requests) {
      const line = `${JSON.stringify(r)}\n`;
      if (r.path.startsWith('/api/v1/logs') && this.bytes + text.length + line.length > MAX_SPOOL_FILE_BYTES) {
        this.droppedLogRequests++;
        continue;
      }
      text += line;
    }
    appendFileSync(this.file, text);
    this.bytes += text.length;
  }

  get used(): boolean {
    return this.opened;
  }

  close(): void {
    if (this.opened) unlock(this.file);
  }
}

export interface FlushOptions {
  dir: string;
  /** Sends every file to this client; without it a file goes to the server it was written for. */
  clientFor: (server: string) => ApiClient;
  /** Only files written for this server (the background flush of `stellwerk run`). */
  onlyServer?: string;
  signal?: AbortSignal;
  warn?: (line: string) => void;
}

export interface FlushReport {
  files: number;
  sent: number;
  /** Requests the server refused for good (a 4xx); they are removed, and named in warnings. */
  dropped: number;
  /** Requests still spooled (server unreachable, or locked by a running `stellwerk run`). */
  left: number;
  /** Why sending stopped early, if it did. */
  stoppedBy?: string;
}

interface SpoolFile {
  path: string;
  header: SpoolHeader;
  requests: ApiRequest[];
}

function readSpoolFile(path: string): SpoolFile | undefined {
  const lines = readFileSync(path, 'utf8').split('\n');
  const header = JSON.parse(lines[0] ?? '{}') as SpoolHeader;
  if (header.stellwerkSpool !== 1) return undefined;
  const requests: ApiRequest[] = [];
  for (const line of lines.slice(1)) {
    if (!line) continue;
    // A line cut off by a crash mid-write is the file's last; nothing after it was written.
    try {
      requests.push(JSON.parse(line) as ApiRequest);
    } catch {
      break;
    }
  }
  return { path, header, requests };
}

function spoolFiles(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith(SPOOL_SUFFIX))
      .sort()
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/** How many spooled requests wait in `dir` (for messages). */
export function spooledCount(dir: string): number {
  let n = 0;
  for (const f of spoolFiles(dir)) {
    try {
      if (statSync(f).size > 0) n += readSpoolFile(f)?.requests.length ?? 0;
    } catch {}
  }
  return n;
}

/**
 * Sends spooled files oldest first, each in order; removes what was stored. Stops at the
 * first sign that the server is unavailable (the rest stays for next time). A 401/403
 * stops too: the token is wrong for every request, not for this one.
 */
export async function flushSpool(options: FlushOptions): Promise<FlushReport> {
  const report: FlushReport = { files: 0, sent: 0, dropped: 0, left: 0 };
  const files = spoolFiles(options.dir);
  for (const path of files) {
    if (report.stoppedBy || options.signal?.aborted) {
      report.left += countRequests(path);
      continue;
    }
    if (!tryLock(path)) {
      report.left += countRequests(path);
      continue;
    }
    try {
      const spool = readSpoolFile(path);
      if (!spool) {
        options.warn?.(`stellwerk: ${path} is not a spool file; left alone`);
        continue;
      }
      if (options.onlyServer !== undefined && spool.header.server !== options.onlyServer) continue;
      report.files++;
      const client = options.clientFor(spool.header.server);
      let i = 0;
      for (; i < spool.requests.length; i++) {
        if (options.signal?.aborted) break;
        const req = spool.requests[i] as ApiRequest;
        const result = await client.send(req);
        if (result.kind === 'stored') {
          report.sent++;
          continue;
        }
        if (result.kind === 'refused' && result.status !== 401 && result.status !== 403) {
          report.dropped++;
          options.warn?.(
            `stellwerk: the server refused ${req.method} ${req.path.split('?')[0]}: ${result.reason}; dropped`,
          );
          continue;
        }
        report.stoppedBy = `${client.url}: ${result.reason}`;
        break;
      }
      const rest = spool.requests.slice(i);
      report.left += rest.length;
      if (rest.length === 0) {
        unlinkSync(path);
      } else if (i > 0) {
        // Keep only what was not stored; a rename makes the rewrite all-or-nothing.
        const tmp = `${path}.tmp`;
        writeFileSync(tmp, [spool.header, ...rest].map((x) => `${JSON.stringify(x)}\n`).join(''), { mode: 0o600 });
        renameSync(tmp, path);
      }
    } finally {
      unlock(path);
    }
  }
  return report;
}

function countRequests(path: string): number {
  try {
    return readSpoolFile(path)?.requests.length ?? 0;
  } catch {
    return 0;
  }
}
