import { describe, expect, it } from 'vitest';
import { ReadWriteLock } from './read-write-lock.ts';

/** A promise with its resolve, to hold work open until the test lets it finish. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open = () => {};
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ReadWriteLock', () => {
  it('runs readers together and a writer alone', async () => {
    const lock = new ReadWriteLock();
    const log: string[] = [];
    const r1 = gate();
    const r2 = gate();
    const reads = [
      lock.read(async () => {
        log.push('r1 start');
        await r1.promise;
        log.push('r1 end');
      }),
      lock.read(async () => {
        log.push('r2 start');
        await r2.promise;
        log.push('r2 end');
      }),
    ];
    const write = lock.write(async () => {
      log.push('w');
    });
    await tick();
    expect(log).toEqual(['r1 start', 'r2 start']);
    r1.open();
    await tick();
    expect(log).toEqual(['r1 start', 'r2 start', 'r1 end']);
    r2.open();
    await Promise.all([...reads, write]);
    expect(log).toEqual(['r1 start', 'r2 start', 'r1 end', 'r2 end', 'w']);
  });

  it('lets readers that arrive while a writer waits go first, until its patience runs out', async () => {
    const lock = new ReadWriteLock(50);
    const log: string[] = [];
    const first = gate();
    const held = lock.read(() => first.promise);
    const write = lock.write(async () => {
      log.push('w');
    });
    // Within the writer's patience: starts at once, alongside the first reader.
    await lock.read(async () => {
      log.push('early reader');
    });
    await new Promise((r) => setTimeout(r, 60));
    // Past it: queued behind the writer.
    const late = lock.read(async () => {
      log.push('late reader');
    });
    await tick();
    expect(log).toEqual(['early reader']);
    first.open();
    await Promise.all([held, write, late]);
    expect(log).toEqual(['early reader', 'w', 'late reader']);
  });

  it('readers wait while a writer runs, and a failing writer releases the lock', async () => {
    const lock = new ReadWriteLock();
    const w = gate();
    const log: string[] = [];
    const write = lock.write(async () => {
      await w.promise;
      throw new Error('roll failed');
    });
    const read = lock.read(async () => {
      log.push('read');
    });
    await tick();
    expect(log).toEqual([]);
    w.open();
    await expect(write).rejects.toThrow('roll failed');
    await read;
    expect(log).toEqual(['read']);
  });
});
