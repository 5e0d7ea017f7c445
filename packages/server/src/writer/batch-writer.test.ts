import { describe, expect, it } from 'vitest';
import { StellwerkError } from '../errors.ts';
import { BatchWriter, type BatchWriterOptions } from './batch-writer.ts';

// The store is replaced by a recording function here: these tests pin the batching rules.
// The real engine path is covered by the integration tests.
function writer(overrides: Partial<BatchWriterOptions> = {}) {
  const inserts: Array<{ body: string; token: string }> = [];
  const w = new BatchWriter({
    kind: 'logs',
    insert: async (body, token) => {
      inserts.push({ body: body.toString(), token });
    },
    maxBatchRecords: 3,
    maxBatchAgeMs: 20,
    maxQueuedRecords: 10,
    maxQueuedBytes: 1_000_000,
    ...overrides,
  });
  return { w, inserts };
}

describe('BatchWriter', () => {
  it('joins requests into one batch and resolves them after the insert', async () => {
    const { w, inserts } = writer();
    await Promise.all([w.write('a\n', 1), w.write('b\n', 1), w.write('c\n', 1)]);
    expect(inserts).toHaveLength(1);
    expect(inserts[0]?.body).toBe('a\nb\nc\n');
  });

  it('sends a partial batch when it gets old', async () => {
    const { w, inserts } = writer();
    await w.write('a\n', 1);
    expect(inserts).toHaveLength(1);
  });

  it('refuses past the queue bound instead of buffering', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { w } = writer({ insert: () => gate });
    const first = w.write('x\n'.repeat(8), 8);
    await expect(w.write('y\n'.repeat(3), 3)).rejects.toMatchObject({ code: 'STW_ERR_OVERLOADED' });
    release();
    await first;
    await expect(w.write('z\n', 1)).resolves.toBeUndefined();
  });

  it('retries a batch while the store is unavailable, keeping its token', async () => {
    const tokens: string[] = [];
    let calls = 0;
    const { w } = writer({
      insert: async (_b, token) => {
        tokens.push(token);
        if (++calls < 3) throw new StellwerkError('STW_ERR_STORE_UNAVAILABLE', 'down');
      },
    });
    await w.write('a\n', 1);
    expect(tokens).toHaveLength(3);
    expect(new Set(tokens).size).toBe(1);
  });

  it('fails the writers on a permanent error', async () => {
    const { w } = writer({
      insert: async () => {
        throw new StellwerkError('STW_ERR_DISK_FULL', 'full');
      },
    });
    await expect(w.write('a\n', 1)).rejects.toMatchObject({ code: 'STW_ERR_DISK_FULL' });
  });

  it('sends an idempotent write alone under its own token', async () => {
    const { w, inserts } = writer();
    await Promise.all([w.write('a\n', 1), w.write('k\n', 1, 'idem:abc')]);
    expect(inserts.map((i) => i.token)).toContain('idem:abc');
    expect(inserts.find((i) => i.token === 'idem:abc')?.body).toBe('k\n');
  });

  it('flush waits for everything queued', async () => {
    const { w, inserts } = writer({ maxBatchAgeMs: 60_000 });
    const pending = w.write('a\n', 1);
    await w.flush();
    await pending;
    expect(inserts).toHaveLength(1);
  });
});

describe('BatchWriter group commit', () => {
  it('sends a large enough batch at once when idle, without waiting out the age', async () => {
    const { w, inserts } = writer({ maxBatchRecords: 100, maxBatchAgeMs: 60_000, minImmediateRecords: 2 });
    await w.write('a\nb\n', 2);
    expect(inserts).toHaveLength(1);
  });

  it('collects what arrives during an insert into the next batch', async () => {
    let release: () => void = () => {};
    const bodies: string[] = [];
    const { w } = writer({
      maxBatchRecords: 100,
      maxBatchAgeMs: 60_000,
      minImmediateRecords: 2,
      insert: async (body) => {
        bodies.push(body.toString());
        if (bodies.length === 1) await new Promise<void>((r) => (release = r));
      },
    });
    const first = w.write('a\nb\n', 2);
    const later = [w.write('c\n', 1), w.write('d\n', 1), w.write('e\n', 1)];
    release();
    await Promise.all([first, ...later]);
    expect(bodies).toEqual(['a\nb\n', 'c\nd\ne\n']);
  });
});
