/**
 * The command's output: forwarded to the wrapper's own stdout/stderr the moment it arrives,
 * and shipped as the run's logs in batches beside it. Lines are sent as text, so the server
 * parses them like any log (JSON, logfmt, Python, logrus...); each batch names its stream
 * (`resource.stream` = stdout, stderr, or pty for the merged terminal output). Shipping
 * never holds up forwarding: batches grow while the server is busy instead of queueing.
 */
import type { Readable } from 'node:stream';
import type { Delivery } from './delivery.ts';

export type StreamName = 'stdout' | 'stderr' | 'pty';

export interface ShipperOptions {
  runId: string;
  service: string;
  host: string;
  delivery: Delivery;
  /** Longest a line waits before it is sent. Default 500 ms. */
  flushIntervalMs?: number;
  /** Lines that make a batch worth sending at once. Default 1000. */
  batchLines?: number;
  /** Largest request body; a busy server gets bigger batches up to this. Default 4 MiB. */
  maxBatchBytes?: number;
  /** Longer lines are cut into pieces of this size (the server refuses lines over 256 KiB). Default 128 KiB. */
  maxLineBytes?: number;
}

interface StreamBuffer {
  chunks: Buffer[];
  bytes: number;
  lines: number;
  /** Bytes since the last newline, across chunks. */
  lineBytes: number;
  longLine: boolean;
  firstAtMs: number;
}

const NL = 10;
const CR = 13;

/**
 * A carriage return redraws the terminal line (progress bars): keep what a terminal would
 * finally show, the text after the last CR that is followed by anything.
 */
export function lastRedraw(line: string): string {
  const body = line.endsWith('\r') ? line.slice(0, -1) : line;
  const at = body.lastIndexOf('\r');
  return at < 0 ? body : body.slice(at + 1);
}

/** Cuts lines longer than `max` UTF-16 units into several; drops redrawn progress states. */
export function tidyLines(text: string, max: number, hasCr: boolean, longLine: boolean): string {
  if (!hasCr && !longLine) return text;
  const out: string[] = [];
  for (let line of text.split('\n')) {
    if (hasCr) line = lastRedraw(line);
    if (line.length <= max) out.push(line);
    else for (let i = 0; i < line.length; i += max) out.push(line.slice(i, i + max));
  }
  return out.join('\n');
}

export class LogShipper {
  private readonly buffers = new Map<StreamName, StreamBuffer>();
  private readonly timer: NodeJS.Timeout;
  private seq = 0;
  private readonly flushIntervalMs: number;
  private readonly batchLines: number;
  private readonly maxBatchBytes: number;
  private readonly maxLineBytes: number;
  linesShipped = 0;

  constructor(private readonly options: ShipperOptions) {
    this.flushIntervalMs = options.flushIntervalMs ?? 500;
    this.batchLines = options.batchLines ?? 1000;
    this.maxBatchBytes = options.maxBatchBytes ?? 4 * 1024 * 1024;
    this.maxLineBytes = options.maxLineBytes ?? 128 * 1024;
    this.timer = setInterval(() => this.flush(false), this.flushIntervalMs);
    this.timer.unref();
  }

  push(stream: StreamName, chunk: Buffer): void {
    let b = this.buffers.get(stream);
    if (!b) {
      b = { chunks: [], bytes: 0, lines: 0, lineBytes: 0, longLine: false, firstAtMs: 0 };
      this.buffers.set(stream, b);
    }
    if (b.bytes === 0) b.firstAtMs = Date.now();
    b.chunks.push(chunk);
    b.bytes += chunk.length;
    let from = 0;
    for (let nl = chunk.indexOf(NL); nl >= 0; nl = chunk.indexOf(NL, from)) {
      if (b.lineBytes + nl - from > this.maxLineBytes) b.longLine = true;
      b.lines++;
      b.lineBytes = 0;
      from = nl + 1;
    }
    b.lineBytes += chunk.length - from;
    if (b.lineBytes > this.maxLineBytes) b.longLine = true;
    if (b.lines >= this.batchLines || b.bytes >= this.maxBatchBytes) this.flushStream(stream, b, false);
  }

  /** Hands complete lines to delivery; `final` also sends an unfinished last line. */
  flush(final: boolean): void {
    for (const [stream, b] of this.buffers) this.flushStream(stream, b, final);
  }

  close(): void {
    clearInterval(this.timer);
    this.flush(true);
  }

  private flushStream(stream: StreamName, b: StreamBuffer, final: boolean): void {
    if (b.bytes === 0) return;
    // While the server is still busy with earlier batches, keep collecting: one larger
    // request later costs less than many queued small ones.
    if (!final && this.options.delivery.pending >= 2 && b.bytes < this.maxBatchBytes) return;
    const all = b.chunks.length === 1 ? (b.chunks[0] as Buffer) : Buffer.concat(b.chunks, b.bytes);
    let end = final ? all.length : all.lastIndexOf(NL) + 1;
    // A line longer than the limit without a newline yet: send what there is as a line.
    if (end === 0 && b.lineBytes > this.maxLineBytes) end = all.length;
    if (end === 0) return;
    const rest = all.subarray(end);
    b.chunks = rest.length > 0 ? [Buffer.from(rest)] : [];
    b.bytes = rest.length;
    const sentAtMs = b.firstAtMs;
    b.firstAtMs = rest.length > 0 ? Date.now() : 0;
    b.lines = 0;
    const longLine = b.longLine;
    b.longLine = rest.length > this.maxLineBytes;
    const head = all.subarray(0, end);
    let text = head.toString('utf8');
    text = tidyLines(text, this.maxLineBytes, head.includes(CR), longLine);
    if (text.trim() === '') return;
    this.send(stream, text, sentAtMs);
  }

  private send(stream: StreamName, text: string, observedMs: number): void {
    const { runId, service, host } = this.options;
    const query = new URLSearchParams({ run_id: runId, service, host, 'resource.stream': stream });
    this.linesShipped += countLines(text);
    this.options.delivery.enqueue({
      method: 'POST',
      path: `/api/v1/logs?${query}`,
      contentType: 'text/plain; charset=utf-8',
      body: text,
      key: `${runId}-log-${++this.seq}`,
      headers: { 'x-stellwerk-observed-time': String(observedMs) },
    });
  }
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < text.length - 1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Copies a child's stream to one of the wrapper's own as it arrives, and hands each chunk
 * to `onChunk`. When the reader of the wrapper's output goes away (`… | head`), the child's
 * pipe is closed too, so the command meets the broken pipe it would have met unwrapped.
 */
export function forwardStream(source: Readable, target: NodeJS.WriteStream, onChunk: (chunk: Buffer) => void): void {
  let broken = false;
  target.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE' && !broken) {
      broken = true;
      source.destroy();
    }
  });
  source.on('data', (chunk: Buffer) => {
    if (!broken) target.write(chunk);
    onChunk(chunk);
  });
  source.on('error', () => {});
}
