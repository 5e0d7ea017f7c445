/**
 * Entry of the engine process: chDB on the data directory behind a ClickHouse HTTP
 * interface on 127.0.0.1. Started by the supervisor with child_process.fork; configured
 * and stopped over IPC. chDB runs here and only here, so a native crash, a hang or memory
 * chDB never gives back costs a restart of this process, not the server.
 */
import fs from 'node:fs';
import type { Server } from 'node:http';
import { findHolder, removePidFile, writePidFile } from './data-dir.ts';
import { createEngineHttpServer } from './http-server.ts';
import type { EngineConfig, EngineMessage, LogLevel, ParentMessage } from './protocol.ts';
import { SessionPool } from './session-pool.ts';
import { insertFilesDir } from './session-slot.ts';
import { applySystemLogTtl } from './system-log-ttl.ts';

const SHUTDOWN_GRACE_MS = 20_000;
const PARENT_CHECK_MS = 1_000;

let pool: SessionPool | undefined;
let server: Server | undefined;
let config: EngineConfig | undefined;
let shuttingDown = false;

function send(msg: EngineMessage, then?: () => void): void {
  if (process.send && process.connected) {
    process.send(msg, undefined, {}, () => then?.());
  } else {
    then?.();
  }
}

function log(level: LogLevel, msg: string, fields?: Record<string, unknown>): void {
  send({ type: 'log', level, msg, ...(fields ? { fields } : {}) });
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function start(cfg: EngineConfig): Promise<void> {
  config = cfg;
  fs.mkdirSync(cfg.dataDir, { recursive: true });
  try {
    pool = await SessionPool.open({
      dataDir: cfg.dataDir,
      connectionArgs: [`--max_server_memory_usage=${cfg.memoryLimitBytes}`],
      size: cfg.poolSize,
      maxExecutionTimeSec: cfg.maxExecutionTimeSec,
      maxReadonlySlots: cfg.maxReadonlySlots,
    });
  } catch (err) {
    // chDB only says "Failed to create connection"; the lock reason goes to stderr, which the
    // supervisor reads. A live holder named by the directory's files settles it here too.
    const holder = findHolder(cfg.dataDir);
    send(
      {
        type: 'fatal',
        reason: holder.holderPid !== undefined ? 'locked' : 'failed',
        message: errorMessage(err),
        dataDir: cfg.dataDir,
        ...holder,
      },
      () => process.exit(2),
    );
    return;
  }
  writePidFile(cfg.dataDir);
  // Files of inserts cut off by a crash: their requests were never acknowledged.
  fs.rmSync(insertFilesDir(cfg.dataDir), { recursive: true, force: true });

  try {
    const touched = await applySystemLogTtl(pool, cfg.systemLogTtlDays);
    if (touched.length > 0) log('info', 'set TTL on system log tables', { tables: touched });
  } catch (err) {
    log('warn', 'could not set TTL on system log tables', { err: errorMessage(err) });
  }

  server = createEngineHttpServer({
    pool,
    credentials: { username: cfg.username, password: cfg.password },
    maxBodyBytes: cfg.maxBodyBytes,
    onServerError: (err, queryId) => log('warn', 'engine query failed', { err: errorMessage(err), queryId }),
  });
  const port = await listen(server, cfg.port).catch(async (err: NodeJS.ErrnoException) => {
    // The previous port is taken: any port beats no engine; the supervisor reports the new URL.
    if (err.code !== 'EADDRINUSE' || cfg.port === 0) throw err;
    log('warn', 'previous engine port is taken, using a new one', { port: cfg.port });
    return listen(server as Server, 0);
  });
  if (shuttingDown) return;
  send({ type: 'ready', port, pid: process.pid });
}

function listen(srv: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    srv.once('error', onError);
    srv.listen(port, '127.0.0.1', () => {
      srv.off('error', onError);
      const addr = srv.address();
      resolve(typeof addr === 'object' && addr ? addr.port : port);
    });
  });
}

/** Stop accepting, let running requests finish, close chDB, exit 0. */
async function shutdown(reason: string): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  log('info', 'engine shutting down', { reason });
  // A hung statement must not keep the process (and the data directory lock) forever.
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS).unref();
  const closed = server ? new Promise((resolve) => server?.close(resolve)) : Promise.resolve();
  server?.closeIdleConnections();
  await pool?.close();
  // The last responses are being written; keep-alive sockets that went idle since are closed
  // now, and busy ones get a moment to flush.
  server?.closeIdleConnections();
  await Promise.race([closed, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  server?.closeAllConnections();
  if (config) removePidFile(config.dataDir);
  process.exit(0);
}

function watchParent(): void {
  // 'disconnect' covers any death of the parent, kill -9 included; this poll is a backstop
  // for an IPC channel that somehow stays open (re-parenting changes process.ppid).
  const parent = process.ppid;
  process.on('disconnect', () => void shutdown('parent disconnected'));
  setInterval(() => {
    if (process.ppid !== parent) void shutdown('parent died');
  }, PARENT_CHECK_MS).unref();
}

if (!process.send) {
  process.stderr.write('engine-process is started by the Stellwerk supervisor, not directly\n');
  process.exit(2);
}

watchParent();
process.on('SIGTERM', () => void shutdown('SIGTERM'));
// Ctrl-C reaches the whole process group; the server decides when the engine stops.
process.on('SIGINT', () => undefined);
process.on('uncaughtException', (err) => {
  log('error', 'engine crashed', { err: err.stack ?? err.message });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100);
});
process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'start' && !config) {
    start(msg.config).catch((err) => {
      send({ type: 'fatal', reason: 'failed', message: errorMessage(err), dataDir: msg.config.dataDir }, () =>
        process.exit(2),
      );
    });
  } else if (msg.type === 'shutdown') {
    void shutdown('requested by the server');
  }
});
