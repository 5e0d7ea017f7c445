/**
 * `stellwerk run`'s flags read without commander, whose loading alone costs a wrapped step
 * about 20 ms of start-up. Only the plain forms are read here; anything else (help, an unknown
 * flag, a flag without its value, no command) returns undefined and goes through commander,
 * which says what is wrong in its own words. The result is what commander would give.
 */
import type { RunOptions } from '../commands/run.ts';

type ValueKey = Exclude<keyof RunOptions, 'pty'>;

const VALUE_FLAGS: Record<string, ValueKey> = {
  '--server': 'server',
  '--token': 'token',
  '--experiment': 'experiment',
  '--name': 'name',
  '--pipeline': 'pipeline',
  '--step': 'step',
  '--param': 'param',
  '--tag': 'tag',
  '--sample-interval': 'sampleInterval',
};

/** The arguments after `run`: the command and the options, or undefined to leave it to commander. */
export function quickRunArgs(args: readonly string[]): { command: string[]; opts: RunOptions } | undefined {
  const opts: RunOptions = { param: [], tag: [], sampleInterval: '1s' };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '--') {
      i++;
      break;
    }
    // The first word that is not an option starts the command; the rest is the command's.
    if (!arg.startsWith('-')) break;
    if (arg === '--pty') {
      opts.pty = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const key = VALUE_FLAGS[eq < 0 ? arg : arg.slice(0, eq)];
    if (key === undefined) return undefined;
    let value: string | undefined;
    if (eq >= 0) {
      value = arg.slice(eq + 1);
    } else {
      value = args[++i];
      if (value === undefined || value.startsWith('-')) return undefined;
    }
    if (key === 'param' || key === 'tag') opts[key].push(value);
    else opts[key] = value;
  }
  const command = args.slice(i);
  return command.length > 0 ? { command, opts } : undefined;
}
