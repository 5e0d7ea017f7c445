/**
 * Starts the wrapped command and stands in for it: stdout and stderr come back through
 * pipes (kept apart), stdin is the wrapper's own, the signals a user or a scheduler sends
 * are passed on, and the exit status is the command's (128 + n when killed by signal n).
 *
 * Process groups: the command gets a group of its own, so a signal reaches it exactly once,
 * through the wrapper. SIGINT and SIGQUIT go to the whole group, as a terminal's Ctrl-C and
 * Ctrl-\ would; SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 go to the command alone, as `kill <pid>`
 * would. A command in another group must not read the terminal (the kernel would stop it),
 * so when stdin is a terminal the wrapper reads it and feeds the command through a pipe.
 *
 * `--pty` runs the command under a pseudo-terminal with util-linux `script`, which every
 * Debian-like system has (bsdutils is essential) and which needs no compiler, unlike the
 * npm pty modules, which are native add-ons. A terminal has one output, so stdout and stderr
 * arrive merged. `script` stays in the wrapper's group, keeping the terminal's job control;
 * signals go straight to the command inside it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable } from 'node:stream';
import { shellQuote } from './mask.ts';
import { childPids } from './sampler.ts';

export const FORWARDED_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'] as const;
type ForwardedSignal = (typeof FORWARDED_SIGNALS)[number];
const TO_GROUP = new Set<ForwardedSignal>(['SIGINT', 'SIGQUIT']);

export interface ChildExit {
  /** What the wrapper exits with: the command's code, 128 + n after signal n, 127/126 if it could not start. */
  exitCode: number;
  /** Set when the command was killed by a signal. */
  signal?: NodeJS.Signals;
  /** Set when the command could not be started at all. */
  startError?: string;
}

export interface RunningChild {
  /** The process the wrapper started (`script` under --pty). */
  pid: number | undefined;
  stdout: Readable;
  /** Absent under --pty, where the terminal merges both streams into stdout. */
  stderr?: Readable;
  exited: Promise<ChildExit>;
}

/** Resolves when the output pipes have closed, or `graceMs` after the command exited. */
export function outputClosed(child: RunningChild, graceMs: number): Promise<void> {
  const streams = [child.stdout, child.stderr].filter((s): s is Readable => s !== undefined);
  const closed = Promise.all(
    streams.map((s) => (s.closed || s.destroyed ? undefined : new Promise<void>((r) => s.once('close', () => r())))),
  );
  return child.exited.then(
    () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          for (const s of streams) s.destroy();
          resolve();
        }, graceMs);
        void closed.then(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  );
}

export interface StartOptions {
  command: string[];
  env: NodeJS.ProcessEnv;
  pty: boolean;
  stdinIsTty?: boolean;
}

export function signalNumber(signal: NodeJS.Signals): number {
  return (constants.signals as Record<string, number>)[signal] ?? 0;
}

function signalName(n: number): NodeJS.Signals | undefined {
  return (Object.entries(constants.signals) as [NodeJS.Signals, number][]).find(([, v]) => v === n)?.[0];
}

export function startChild(options: StartOptions): RunningChild {
  const stdinIsTty = options.stdinIsTty ?? process.stdin.isTTY === true;
  const [file, ...args] = options.command as [string, ...string[]];
  let child: ChildProcess;
  if (options.pty) {
    const inner = options.command.map(shellQuote).join(' ');
    // --echo never: with a pipe on stdin the terminal would echo the input into the output.
    const echo = stdinIsTty ? [] : ['--echo', 'never'];
    child = spawn('script', ['--quiet', '--return', ...echo, '--command', `exec ${inner}`, '/dev/null'], {
      stdio: ['inherit', 'pipe', 'inherit'],
      env: options.env,
    });
  } else {
    child = spawn(file, args, {
      stdio: [stdinIsTty ? 'pipe' : 'inherit', 'pipe', 'pipe'],
      env: options.env,
      detached: true,
    });
    if (stdinIsTty && child.stdin) {
      process.stdin.pipe(child.stdin);
      // The command may stop reading before the user stops typing.
      child.stdin.on('error', () => {});
    }
  }

  const forward = (signal: ForwardedSignal) => {
    const pid = child.pid;
    if (pid === undefined) return;
    const targets = options.pty ? childPids(pid) : [pid];
    try {
      if (targets.length === 0) process.kill(pid, signal);
      // Under --pty the command leads its own session and group, so the group is its pid.
      for (const t of targets) process.kill(TO_GROUP.has(signal) || options.pty ? -t : t, signal);
    } catch {
      // Gone already; its exit is on the way.
    }
  };
  const handlers = FORWARDED_SIGNALS.map((s) => {
    const h = () => forward(s);
    process.on(s, h);
    return [s, h] as const;
  });

  const exited = new Promise<ChildExit>((resolve) => {
    let startError: string | undefined;
    child.once('error', (err: NodeJS.ErrnoException) => {
      // Like a shell: 127 for a command that does not exist, 126 for one that cannot run.
      startError = err.code === 'ENOENT' ? 'command not found' : err.message;
      if (child.pid === undefined) finish(err.code === 'ENOENT' ? 127 : 126, null);
    });
    // 'exit', not 'close': a background process the command left behind may hold its
    // stdout open for much longer, and a shell would not wait for it either.
    child.once('exit', (code, signal) => finish(code, signal));
    let finished = false;
    function finish(code: number | null, signal: NodeJS.Signals | null) {
      if (finished) return;
      finished = true;
      for (const [s, h] of handlers) process.off(s, h);
      if (stdinIsTty) process.stdin.unpipe().pause();
      if (startError !== undefined) return resolve({ exitCode: code ?? 126, startError });
      if (signal) return resolve({ exitCode: 128 + signalNumber(signal), signal });
      // `script --return` reports a signal death as 128 + n, as shells do.
      const viaPty = options.pty && code !== null && code > 128 ? signalName(code - 128) : undefined;
      resolve({ exitCode: code ?? 1, ...(viaPty ? { signal: viaPty } : {}) });
    }
  });

  return {
    pid: child.pid,
    stdout: child.stdout as Readable,
    ...(options.pty ? {} : { stderr: child.stderr as Readable }),
    exited,
  };
}
