/**
 * Runs the engine process and keeps it running. Lives in the server process and never loads
 * chDB: the server only ever talks to the engine over ClickHouse HTTP, like to a real
 * ClickHouse.
 *
 * Stable URL: a restarted engine listens on the port of the one before it, so the server's
 * single @clickhouse/client keeps working across restarts (requests during the gap fail and
 * are retried by the caller). Only if that port has been taken meanwhile does the engine
 * take a new one; `url` then changes and `restarted` says `urlChanged: true`.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import { LOCKED_STDERR } from './data-dir.ts';
import { DataDirLockedError, EngineStartError } from './errors.ts';
import type { EngineConfig, EngineMessage, ParentMessage } from './protocol.ts';

export interface EmbeddedEngineOptions {
  dataDir: string;
  /** Cap on the engine's memory (chDB's max_server_memory_usage). Default: half the RAM. */
  memoryLimitBytes?: number;
  /** Writable chDB connections, i.e. statements running at once. Default 4. */
  poolSize?: number;
  /** Applied to every statement unless the request sets its own. Default 60. */
  maxExecutionTimeSec?: number;
  logger?: Logger;
  /** Readonly connections kept for distinct settings combinations. Default 4. */
  maxReadonlySlots?: number;
  /** Largest request body (an insert batch). Default 512 MiB. */
  maxBodyBytes?: number;
  /** TTL for ClickHouse's system.*_log tables, should chDB create any. Default 7. */
  systemLogTtlDays?: number;
  /** How long the engine may take to open the data directory. Default 60 s. */
  startTimeoutMs?: number;
}

export interface EngineExitInfo {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when stop() asked for it; otherwise the supervisor restarts the engine. */
  expected: boolean;
}

export interface EngineRestartInfo {
  pid: number;
  url: string;
  urlChanged: boolean;
  attempt: number;
}

export interface EngineRestartFailure {
  error: Error;
  attempt: number;
  nextDelayMs: number;
}

export type EmbeddedEngineEvents = {
  exited: [EngineExitInfo];
  restarted: [EngineRestartInfo];
  restartFailed: [EngineRestartFailure];
};

export interface EmbeddedEngine extends EventEmitter<EmbeddedEngineEvents> {
  /** http://127.0.0.1:PORT, for createClient({ url }). Stable across restarts (see above). */
  readonly url: string;
  readonly username: string;
  /** Random per start of the supervisor; the engine refuses requests without it. */
  readonly password: string;
  /** The engine process, or undefined between a crash and its restart. */
  readonly pid: number | undefined;
  readonly dataDir: string;
  /** How many times the engine has been restarted after dying. */
  readonly restarts: number;
  /** Stops the engine cleanly (running statements finish) and ends supervision. */
  stop(): Promise<void>;
}

const ENGINE_ENTRY = fileURLToPath(new URL('./engine-process.ts', import.meta.url));
// The engine is TypeScript like the rest; resolving tsx here keeps it independent of the cwd.
const TSX_LOADER = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

const BACKOFF_BASE_MS = 250;
const BACKOFF_MAX_MS = 30_000;
/** An engine that ran this long had a real crash, not a crash loop: backoff starts over. */
const HEALTHY_UPTIME_MS = 60_000;
const STOP_TIMEOUT_MS = 30_000;
const STDERR_TAIL_LINES = 40;

interface Running {
  child: ChildProcess;
  port: number;
  startedAt: number;
}

class EngineSupervisor extends EventEmitter<EmbeddedEngineEvents> implements EmbeddedEngine {
  readonly username = 'default';
  readonly password = randomBytes(24).toString('base64url');
  readonly dataDir: string;
  private readonly config: Omit<EngineConfig, 'port'>;
  private readonly log: Logger | undefined;
  private readonly startTimeoutMs: number;
  private readonly uvThreads: number;
  private current: Running | undefined;
  private port = 0;
  private stopping = false;
  private restartTimer: NodeJS.Timeout | undefined;
  private restartAttempt = 0;
  private restarting: Promise<unknown> | undefined;
  restarts = 0;

  constructor(opts: EmbeddedEngineOptions) {
    super();
    this.dataDir = path.resolve(opts.dataDir);
    this.log = opts.logger?.child({ component: 'engine' });
    this.startTimeoutMs = opts.startTimeoutMs ?? 60_000;
    const poolSize = opts.poolSize ?? 4;
    const maxReadonlySlots = opts.maxReadonlySlots ?? 4;
    this.config = {
      dataDir: this.dataDir,
      username: this.username,
      password: this.password,
      poolSize,
      maxReadonlySlots,
      memoryLimitBytes: opts.memoryLimitBytes ?? Math.floor(os.totalmem() / 2),
      maxExecutionTimeSec: opts.maxExecutionTimeSec ?? 60,
      maxBodyBytes: opts.maxBodyBytes ?? 512 * 1024 * 1024,
      systemLogTtlDays: opts.systemLogTtlDays ?? 7,
    };
    // Every running chDB statement holds a libuv worker; without spare workers fs, dns and
    // zlib calls queue behind queries. All connections (writable + readonly) plus headroom.
    this.uvThreads = poolSize + maxReadonlySlots + 1 + 4;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.current?.child.pid;
  }

  async start(): Promise<void> {
    const running = await this.spawn();
    this.adopt(running);
  }

  private spawn(): Promise<Running> {
    const child = fork(ENGINE_ENTRY, [], {
      execArgv: ['--import', TSX_LOADER],
      env: { ...process.env, UV_THREADPOOL_SIZE: String(this.uvThreads) },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const stderrTail: string[] = [];
    let lockReported = false;
    let fatal: Extract<EngineMessage, { type: 'fatal' }> | undefined;

    if (child.stderr) {
      createInterface({ input: child.stderr }).on('line', (line) => {
        if (LOCKED_STDERR.test(line)) lockReported = true;
        stderrTail.push(line);
        if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
        this.log?.warn({ enginePid: child.pid, stderr: line }, 'engine stderr');
      });
    }
    if (child.stdout) {
      createInterface({ input: child.stdout }).on('line', (line) => {
        this.log?.info({ enginePid: child.pid, stdout: line }, 'engine stdout');
      });
    }
    child.on('message', (msg: EngineMessage) => {
      if (msg.type === 'log') this.log?.[msg.level]({ enginePid: child.pid, ...msg.fields }, msg.msg);
      else if (msg.type === 'fatal') fatal = msg;
    });

    return new Promise<Running>((resolve, reject) => {
      let settled = false;
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onReady);
        reject(err);
      };
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        fail(new EngineStartError(`The engine did not start within ${this.startTimeoutMs} ms.${tail(stderrTail)}`));
      }, this.startTimeoutMs);
      const onReady = (msg: EngineMessage) => {
        if (msg.type !== 'ready' || settled) return;
        settled = true;
        clearTimeout(timer);
        child.off('message', onReady);
        resolve({ child, port: msg.port, startedAt: Date.now() });
      };
      child.on('message', onReady);
      child.once('error', (err) =>
        fail(new EngineStartError(`Could not start the engine: ${err.message}`, { cause: err })),
      );
      // 'close' comes after stderr is fully read, so a lock message printed just before
      // exiting has been seen.
      child.once('close', (code, signal) => {
        if (fatal?.reason === 'locked' || lockReported) {
          fail(new DataDirLockedError(this.dataDir, fatal?.holderPid, fatal?.holderParentPid));
        } else {
          const why = fatal ? fatal.message : `exited with ${signal ?? `code ${code}`}`;
          fail(new EngineStartError(`The engine failed to start on ${this.dataDir}: ${why}.${tail(stderrTail)}`));
        }
      });
      const start: ParentMessage = { type: 'start', config: { ...this.config, port: this.port } };
      child.send(start);
    });
  }

  private adopt(running: Running): void {
    this.current = running;
    this.port = running.port;
    running.child.once('exit', (code, signal) => this.onExit(running, code, signal));
  }

  private onExit(running: Running, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.current === running) this.current = undefined;
    const expected = this.stopping;
    const pid = running.child.pid ?? -1;
    this.emit('exited', { pid, code, signal, expected });
    if (expected) return;
    this.log?.error({ enginePid: pid, code, signal }, 'engine exited unexpectedly; restarting');
    if (Date.now() - running.startedAt >= HEALTHY_UPTIME_MS) this.restartAttempt = 0;
    this.scheduleRestart();
  }

  private scheduleRestart(): void {
    const attempt = this.restartAttempt++;
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.stopping) return;
      const previousUrl = this.url;
      this.restarting = this.spawn().then(
        (running) => {
          if (this.stopping) {
            this.requestShutdown(running.child);
            return;
          }
          this.adopt(running);
          this.restarts++;
          const info = { pid: running.child.pid ?? -1, url: this.url, urlChanged: this.url !== previousUrl, attempt };
          this.log?.info(info, 'engine restarted');
          this.emit('restarted', info);
        },
        (error: Error) => {
          const nextDelayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.restartAttempt);
          this.log?.error({ err: error, attempt, nextDelayMs }, 'engine restart failed');
          this.emit('restartFailed', { error, attempt, nextDelayMs });
          if (!this.stopping) this.scheduleRestart();
        },
      );
    }, delay);
  }

  private requestShutdown(child: ChildProcess): void {
    if (child.connected) child.send({ type: 'shutdown' } satisfies ParentMessage);
    else child.kill('SIGTERM');
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    // A restart under way finishes first; its engine then sees `stopping` and is shut down.
    await this.restarting;
    const running = this.current;
    if (!running) return;
    const { child } = running;
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.requestShutdown(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  }
}

function tail(lines: string[]): string {
  return lines.length > 0 ? ` Engine stderr:\n${lines.join('\n')}` : '';
}

/**
 * Starts the embedded engine on `dataDir` and supervises it. Rejects with
 * DataDirLockedError if another live engine holds the directory.
 */
export async function startEmbeddedEngine(options: EmbeddedEngineOptions): Promise<EmbeddedEngine> {
  const engine = new EngineSupervisor(options);
  await engine.start();
  return engine;
}
