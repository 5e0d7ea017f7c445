/**
 * The commit checked out in a directory, read from the repository's own files: starting `git`
 * costs a wrapped step about 15 ms of CPU and wall time at every start. Only the plain layout
 * is read: a `.git` directory owned by this user, whose HEAD names a commit or a branch that
 * is a loose or packed ref. Anything else (GIT_DIR and its kind, a `.git` file of a worktree
 * or submodule, a bare repository, an unborn branch, a ref store git reads differently)
 * returns undefined, and the caller asks git itself.
 */
import { readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const HASH = /^[0-9a-f]{40}(?:[0-9a-f]{24})?$/;
const GIT_ENV = [
  'GIT_DIR',
  'GIT_WORK_TREE',
  'GIT_COMMON_DIR',
  'GIT_CEILING_DIRECTORIES',
  'GIT_DISCOVERY_ACROSS_FILESYSTEM',
];

function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/** The HEAD commit of the repository around `cwd`; '' when there is none; undefined when git must say. */
export function headFromFiles(cwd: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (GIT_ENV.some((k) => env[k] !== undefined)) return undefined;
  let dir = resolve(cwd);
  const device = statOf(dir)?.dev;
  if (device === undefined) return undefined;
  for (;;) {
    const dotGit = statOf(join(dir, '.git'));
    if (dotGit) {
      // git itself refuses a repository of another user (safe.directory).
      if (!dotGit.isDirectory() || dotGit.uid !== process.getuid?.()) return undefined;
      return headOf(join(dir, '.git'));
    }
    // A bare repository, or the inside of a .git directory.
    if (statOf(join(dir, 'HEAD'))) return undefined;
    const parent = dirname(dir);
    if (parent === dir) return '';
    // Like git without GIT_DISCOVERY_ACROSS_FILESYSTEM: the search ends at a mount point.
    if (statOf(parent)?.dev !== device) return '';
    dir = parent;
  }
}

function headOf(gitDir: string): string | undefined {
  try {
    const head = readFileSync(join(gitDir, 'HEAD'), 'utf8').trim();
    if (HASH.test(head)) return head;
    const ref = /^ref: (refs\/\S+)$/.exec(head)?.[1];
    if (!ref || ref.split('/').includes('..')) return undefined;
    let loose: string | undefined;
    try {
      loose = readFileSync(join(gitDir, ref), 'utf8').trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return undefined;
    }
    if (loose !== undefined) return HASH.test(loose) ? loose : undefined;
    let packed: string;
    try {
      packed = readFileSync(join(gitDir, 'packed-refs'), 'utf8');
    } catch {
      return undefined;
    }
    for (const line of packed.split('\n')) {
      const at = line.indexOf(' ');
      if (at > 0 && line.slice(at + 1).trimEnd() === ref) {
        const hash = line.slice(0, at);
        return HASH.test(hash) ? hash : undefined;
      }
    }
    return undefined;
  } catch {
    return undefined;
  }
}
