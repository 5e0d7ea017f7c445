import { describe, expect, it } from 'vitest';
import { SdkError } from './errors.ts';
import { BatchQueue, type BatchQueueOptions } from './queue.ts';
import type { SendResult } from './transport.ts';

interface Sent {
  batch: string[];
  attempt: number;
}

/** A queue whose sends are answered by `answer` (default: success); records every send. */
function makeQueue(
  over: Partial<BatchQueueOptions<string[]>> = {},
  answer?: (s: Sent) => SendResult | Promise<SendResult>,
) {
  const sends: Sent[] = [];
  const errors: SdkError[] = [];
  const q = new BatchQueue<string[]>({
    maxBatchRecords: 3,
    maxBatchBytes: 1_000_000,
    flushIntervalMs: 60_000,
    maxQueueRecords: 100,
    maxQueueBytes: 1_000_000,
    maxRecordBytes: 1000,
    maxAttempts: 3,
    prepare: async (items) => items,
    send: async (batch, { attempt }) => {
      const s = { batch, attempt };
      sends.push(s);
      return answer ? answer(s) : { kind: 'success' };
    },
    onError: (e) => errors.push(e),
    ...over,
  });
  return { q, sends, errors };
}

async function until(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
}

const retryable = (ms = 1): SendResult => ({
  kind: 'retryable',
  retryAfterMs: ms,
  error: new SdkError('http', 'busy', { status: 429 }),
});

describe('BatchQueue', () => {
  it('sends a batch as soon as it is full, and keeps the rest until flush', async () => {
    const { q, sends } = makeQueue();
    for (const x of ['a', 'b', 'c', 'd']) q.push(x);
    await until(() => sends.length === 1);
    expect(sends[0]?.batch).toEqual(['a', 'b', 'c']);
    expect(q.stats().queued).toBe(1);
    await q.flush();
    expect(sends.map((s) => s.batch)).toEqual([['a', 'b', 'c'], ['d']]);
    expect(q.stats()).toEqual({ sent: 4, dropped: 0, failed: 0, retried: 0, queued: 0 });
  });

  it('sends a partial batch once its oldest record reaches the age limit', async () => {
    const { q, sends } = makeQueue({ flushIntervalMs: 20 });
    q.push('a');
    expect(sends).toHaveLength(0);
    await until(() => sends.length === 1);
    expect(sends[0]?.batch).toEqual(['a']);
  });

  it('splits batches by bytes', async () => {
    const { q, sends } = makeQueue({ maxBatchRecords: 100, maxBatchBytes: 10 });
    for (const x of ['aaaa', 'bbbb', 'cccc']) q.push(x); // 5 bytes each with the newline
    await q.flush();
    expect(sends.map((s) => s.batch)).toEqual([['aaaa', 'bbbb'], ['cccc']]);
  });

  it('drops and counts records past the record and byte bounds, without throwing', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { q, errors } = makeQueue({ maxQueueRecords: 5, maxQueueBytes: 1_000_000 }, async () => {
      await gate;
      return { kind: 'success' };
    });
    const kept = Array.from({ length: 8 }, (_, i) => q.push(`r${i}`));
    expect(kept).toEqual([true, true, true, true, true, false, false, false]);
    expect(q.stats()).toMatchObject({ dropped: 3, queued: 5 });
    expect(errors[0]?.code).toBe('queue_full');
    release();
    await q.flush();
    expect(q.stats()).toEqual({ sent: 5, dropped: 3, failed: 0, retried: 0, queued: 0 });

    const bytes = makeQueue({ maxQueueBytes: 12, maxBatchRecords: 100 });
    expect([bytes.q.push('aaaaa'), bytes.q.push('bbbbb'), bytes.q.push('c')]).toEqual([true, true, false]);
    const big = makeQueue({ maxRecordBytes: 4 });
    expect(big.q.push('toolong')).toBe(false);
    expect(big.errors[0]?.code).toBe('record_too_large');
  });

  it('retries a retryable batch unchanged, after the delay it was told, and counts the retries', async () => {
    const { q, sends } = makeQueue({}, (s) => (s.attempt < 3 ? retryable(5) : { kind: 'success' }));
    for (const x of ['a', 'b']) q.push(x);
    const t0 = Date.now();
    await q.flush();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(9);
    expect(sends.map((s) => [s.attempt, s.batch])).toEqual([
      [1, ['a', 'b']],
      [2, ['a', 'b']],
      [3, ['a', 'b']],
    ]);
    expect(q.stats()).toEqual({ sent: 2, dropped: 0, failed: 0, retried: 4, queued: 0 });
  });

  it('gives up after maxAttempts, counts the batch as failed and says why', async () => {
    const { q, sends, errors } = makeQueue({ maxAttempts: 2 }, () => retryable());
    q.push('a');
    await q.flush();
    expect(sends).toHaveLength(2);
    expect(q.stats()).toMatchObject({ sent: 0, failed: 1, retried: 1, queued: 0 });
    expect(errors.map((e) => e.code)).toEqual(['retries_exhausted']);
    expect(errors[0]?.message).toMatch(/busy/);
  });

  it('a mixed batch counts the stored records as sent and never resends them', async () => {
    const { q, sends, errors } = makeQueue({}, () => ({
      kind: 'failure',
      accepted: 2,
      rejected: 1,
      status: 400,
      error: new SdkError('rejected', 'one bad', { rejected: [{ line: 2, reason: 'bad' }] }),
    }));
    for (const x of ['a', 'b', 'c']) q.push(x);
    await q.flush();
    expect(sends).toHaveLength(1);
    expect(q.stats()).toMatchObject({ sent: 2, failed: 1, retried: 0 });
    expect(errors[0]?.rejected).toEqual([{ line: 2, reason: 'bad' }]);
  });

  it('survives a throwing onError and a throwing send', async () => {
    const { q } = makeQueue(
      {
        onError: () => {
          throw new Error('user handler bug');
        },
      },
      () => {
        throw new Error('transport bug');
      },
    );
    q.push('a');
    await q.flush();
    expect(q.stats()).toMatchObject({ failed: 1, queued: 0 });
  });

  it('flush resolves only for what was logged before it, and at once when empty', async () => {
    const { q } = makeQueue({}, () => retryable(1));
    await q.flush(); // empty
    const ok = makeQueue();
    ok.q.push('a');
    const f = ok.q.flush();
    ok.q.push('b');
    await f;
    expect(ok.q.stats().sent).toBeGreaterThanOrEqual(1);
    await ok.q.flush();
    expect(ok.q.stats()).toMatchObject({ sent: 2, queued: 0 });
  });

  it('close flushes, then refuses and counts later records', async () => {
    const { q, sends } = makeQueue();
    q.push('a');
    await q.close(1000);
    expect(sends).toHaveLength(1);
    expect(q.push('late')).toBe(false);
    expect(q.stats()).toEqual({ sent: 1, dropped: 1, failed: 0, retried: 0, queued: 0 });
  });

  it('close abandons what is left at its deadline: in-flight fails, waiting is dropped', async () => {
    const { q, errors } = makeQueue({ maxBatchRecords: 2 }, () => retryable(60_000));
    for (const x of ['a', 'b', 'c']) q.push(x);
    const t0 = Date.now();
    await q.close(50);
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(q.stats()).toEqual({ sent: 0, dropped: 1, failed: 2, retried: 2, queued: 0 });
    expect(errors.at(-1)?.code).toBe('aborted');
    // A second close is the same close.
    await q.close(50);
  });
});
