/** `stellwerk flush`: sends what `stellwerk run` spooled while the server was down. Skeleton. */
export async function flush(_opts: { server?: string }): Promise<number> {
  process.stderr.write('stellwerk flush: not written yet\n');
  return 2;
}
