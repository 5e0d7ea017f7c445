/**
 * `stellwerk flush`: sends what `stellwerk run` spooled while the server was down or slow,
 * oldest run first and each run in order, and deletes what was stored. Each file goes to
 * the server it was written for unless --server names another.
 */
import { ApiClient } from '../run/client.ts';
import { flushSpool, spoolDir, spooledCount } from '../run/spool.ts';

export interface FlushOptions {
  server?: string;
  token?: string;
}

export async function flush(opts: FlushOptions): Promise<number> {
  const dir = spoolDir(process.env);
  const token = opts.token || process.env.STELLWERK_TOKEN || undefined;
  const clients = new Map<string, ApiClient>();
  const clientFor = (server: string) => {
    const url = opts.server || server;
    let c = clients.get(url);
    if (!c) {
      c = new ApiClient({ url, token, connectTimeoutMs: 3000 });
      clients.set(url, c);
    }
    return c;
  };
  try {
    if (opts.server) clientFor(opts.server);
  } catch (err) {
    process.stderr.write(`stellwerk flush: ${(err as Error).message}\n`);
    return 2;
  }
  if (spooledCount(dir) === 0) {
    process.stdout.write(`stellwerk flush: nothing spooled in ${dir}\n`);
    return 0;
  }
  const report = await flushSpool({ dir, clientFor, warn: (l) => process.stderr.write(`${l}\n`) });
  for (const c of clients.values()) c.close();
  const dropped = report.dropped > 0 ? `, ${report.dropped} refused by the server and dropped` : '';
  process.stdout.write(
    `stellwerk flush: sent ${report.sent} requests of ${report.files} runs${dropped}; ${report.left} left in ${dir}\n`,
  );
  if (report.stoppedBy) process.stderr.write(`stellwerk flush: stopped: ${report.stoppedBy}; run it again later\n`);
  return report.left > 0 ? 1 : 0;
}
