/** `stellwerk run -- <command>`: wraps a command as a run. Skeleton. */
export interface RunOptions {
  server?: string;
  experiment?: string;
  name?: string;
  pipeline?: string;
  step?: string;
  param: string[];
  tag: string[];
  sampleInterval?: string;
  pty?: boolean;
}

export async function run(_command: string[], _opts: RunOptions): Promise<number> {
  process.stderr.write('stellwerk run: not written yet\n');
  return 2;
}
