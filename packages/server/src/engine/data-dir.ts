import fs from 'node:fs';
import path from 'node:path';

/**
 * Who holds a data directory. chDB's own lock is an flock on `<dir>/status`, which the
 * kernel drops when its holder dies, so a crash never leaves a stale lock; the files read
 * here only name the holder for the error message.
 */

const PID_FILE = 'stellwerk.pid';
// ClickHouse writes `PID: <n>` into the file it locks.
const STATUS_FILE = 'status';

/** What chDB prints on stderr when the directory is locked (its exception only says "failed"). */
export const LOCKED_STDERR = /Cannot lock file|Another server instance in same directory is already running/;

export interface Holder {
  holderPid?: number;
  holderParentPid?: number;
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readText(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

interface PidFile {
  pid: number;
  parentPid: number;
}

function readPidFile(dataDir: string): PidFile | null {
  const text = readText(path.join(dataDir, PID_FILE));
  if (!text) return null;
  try {
    const v = JSON.parse(text) as Partial<PidFile>;
    return typeof v.pid === 'number' && typeof v.parentPid === 'number' ? { pid: v.pid, parentPid: v.parentPid } : null;
  } catch {
    return null;
  }
}

/** The live process named by the directory's lock or pid file, other than this one. */
export function findHolder(dataDir: string): Holder {
  const status = readText(path.join(dataDir, STATUS_FILE));
  const statusPid = status ? Number(/^PID:\s*(\d+)/m.exec(status)?.[1]) : Number.NaN;
  const pidFile = readPidFile(dataDir);
  const candidate = Number.isInteger(statusPid) ? statusPid : pidFile?.pid;
  if (candidate === undefined || candidate === process.pid || !isAlive(candidate)) return {};
  const parent = pidFile && pidFile.pid === candidate ? pidFile.parentPid : undefined;
  return parent !== undefined && isAlive(parent)
    ? { holderPid: candidate, holderParentPid: parent }
    : { holderPid: candidate };
}

/** Written once the directory is ours, so a second instance can name the server holding it. */
export function writePidFile(dataDir: string): void {
  const content: PidFile = { pid: process.pid, parentPid: process.ppid };
  fs.writeFileSync(path.join(dataDir, PID_FILE), `${JSON.stringify(content)}\n`);
}

export function removePidFile(dataDir: string): void {
  if (readPidFile(dataDir)?.pid !== process.pid) return;
  try {
    fs.unlinkSync(path.join(dataDir, PID_FILE));
  } catch {
    // already gone
  }
}
