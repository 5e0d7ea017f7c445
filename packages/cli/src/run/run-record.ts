/**
 * What `stellwerk run` records about a run before it starts: its id (chosen here, so an
 * offline run can be spooled and sent later), kind, name, parent, who and where, the masked
 * command line and the git commit of the working directory.
 */
import { execFile } from 'node:child_process';
import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { hostname, userInfo } from 'node:os';
import { basename } from 'node:path';
import type { RunCreate, RunKind } from '@stellwerk/contracts';
import { headFromFiles } from './git-head.ts';
import { maskedCommandLine } from './mask.ts';

export interface RunIdentity {
  command: string[];
  experiment?: string;
  name?: string;
  pipeline?: string;
  step?: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  /** STELLWERK_RUN_ID of an enclosing `stellwerk run`, if any. */
  parentRunId?: string;
}

/** 32 lowercase hex characters, like MLflow's run ids. */
export function newRunId(): string {
  // Straight from the kernel's generator: loading node:crypto would add ~4 ms to every start.
  const bytes = Buffer.alloc(16);
  try {
    const fd = openSync('/dev/urandom', 'r');
    try {
      if (readSync(fd, bytes, 0, 16, null) === 16) return bytes.toString('hex');
    } finally {
      closeSync(fd);
    }
  } catch {}
  const { randomBytes } = createRequire(import.meta.url)('node:crypto') as typeof import('node:crypto');
  return randomBytes(16).toString('hex');
}

/** step when it is a step or runs inside another run, pipeline for a pipeline, else training. */
export function runKind(id: Pick<RunIdentity, 'pipeline' | 'step' | 'parentRunId'>): RunKind {
  if (id.step || id.parentRunId) return 'step';
  if (id.pipeline) return 'pipeline';
  return 'training';
}

/** --name, else the step or pipeline it stands for, else the command's basename. */
export function runName(id: Pick<RunIdentity, 'name' | 'pipeline' | 'step' | 'command'>): string {
  return id.name || id.step || id.pipeline || basename(id.command[0] ?? 'run');
}

export function currentUser(env: NodeJS.ProcessEnv = process.env): string {
  try {
    return userInfo().username;
  } catch {
    // A container user without a passwd entry.
    return env.USER || env.LOGNAME || String(process.getuid?.() ?? '');
  }
}

/** `git rev-parse HEAD` in `cwd`; empty when it is no repository, git is missing or slow. */
export function gitCommit(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Promise<string> {
  // Read from the repository's files when it has the plain layout: no git process to start.
  const fromFiles = headFromFiles(cwd, env);
  if (fromFiles !== undefined) return Promise.resolve(fromFiles);
  return new Promise((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 2000, windowsHide: true }, (err, stdout) => {
      const out = String(stdout).trim();
      resolve(!err && /^[0-9a-f]{40,64}$/.test(out) ? out : '');
    });
  });
}

export function runCreate(id: RunIdentity, runId: string, startTimeMs: number, commit: string): RunCreate {
  const tags: Record<string, string> = { ...id.tags };
  if (id.pipeline) tags['stellwerk.pipeline'] = id.pipeline;
  if (id.step) tags['stellwerk.step'] = id.step;
  const create: RunCreate = {
    id: runId,
    experimentName: id.experiment || 'Default',
    name: runName(id),
    kind: runKind(id),
    status: 'RUNNING',
    startTimeMs,
    user: currentUser(),
    host: hostname(),
    command: maskedCommandLine(id.command),
    gitCommit: commit,
    params: id.params,
    tags,
  };
  if (id.parentRunId) create.parentRunId = id.parentRunId;
  return create;
}
