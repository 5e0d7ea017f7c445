import type { RemoteWriteLabel } from './write-request.ts';

interface Entry {
  bytes: Buffer;
  labels: RemoteWriteLabel[];
}

/**
 * The label lists of series seen before, keyed by their encoded bytes. Prometheus sends each
 * series' labels in every request, byte for byte the same, so a hit skips decoding them and
 * hands back the same (frozen) array; the caches downstream that are keyed by identity (the
 * converted labels object, label validation, the series fingerprint) then hit too. Bounded:
 * when full it starts over, which only costs decoding again.
 */
export class LabelSetCache {
  private readonly buckets = new Map<number, Entry[]>();
  private entries = 0;

  constructor(private readonly maxEntries = 200_000) {}

  get(buf: Buffer, start: number, end: number): RemoteWriteLabel[] | undefined {
    const bucket = this.buckets.get(hashBytes(buf, start, end));
    if (!bucket) return undefined;
    for (const e of bucket) {
      if (e.bytes.length === end - start && buf.compare(e.bytes, 0, e.bytes.length, start, end) === 0) return e.labels;
    }
    return undefined;
  }

  /** Keeps `labels` for these bytes and returns it frozen: callers share it from now on. */
  set(buf: Buffer, start: number, end: number, labels: RemoteWriteLabel[]): RemoteWriteLabel[] {
    if (this.entries >= this.maxEntries) {
      this.buckets.clear();
      this.entries = 0;
    }
    for (const l of labels) Object.freeze(l);
    Object.freeze(labels);
    const hash = hashBytes(buf, start, end);
    const entry = { bytes: Buffer.from(buf.subarray(start, end)), labels };
    const bucket = this.buckets.get(hash);
    if (bucket) bucket.push(entry);
    else this.buckets.set(hash, [entry]);
    this.entries++;
    return labels;
  }
}

/** FNV-1a, 32 bits: cheap over the ~100–300 bytes of a label list; collisions are checked. */
function hashBytes(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), 0x01000193);
  return h >>> 0;
}
