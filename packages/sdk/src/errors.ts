/** What went wrong, as a stable code the user's `onError` can switch on. */
export type SdkErrorCode =
  | 'unauthorized'
  | 'forbidden'
  | 'rejected'
  | 'http'
  | 'network'
  | 'timeout'
  | 'aborted'
  | 'retries_exhausted'
  | 'queue_full'
  | 'record_too_large'
  | 'encode'
  | 'internal';

export interface RejectedLine {
  /** 1-based line of the batch body, as the server numbers it. */
  line: number;
  reason: string;
}

/**
 * The one error type the SDK hands to `onError`. It is never thrown into user code; it
 * carries enough to act on: the code, the HTTP status, and how many records it affected.
 */
export class SdkError extends Error {
  override readonly name = 'StellwerkSdkError';
  readonly code: SdkErrorCode;
  readonly status: number | undefined;
  /** Records this problem cost (dropped or failed), when known. */
  readonly records: number | undefined;
  /** For a mixed batch: the lines the server refused (the first 100, as the server reports them). */
  readonly rejected: RejectedLine[] | undefined;

  constructor(
    code: SdkErrorCode,
    message: string,
    extra: { status?: number; records?: number; rejected?: RejectedLine[]; cause?: unknown } = {},
  ) {
    super(message, extra.cause === undefined ? undefined : { cause: extra.cause });
    this.code = code;
    this.status = extra.status;
    this.records = extra.records;
    this.rejected = extra.rejected;
  }
}

/**
 * The default `onError`: one stderr warning per distinct problem (code and status), repeated
 * at most once per interval with a count of what was suppressed, so a dead server cannot
 * flood the application's own output.
 */
export function rateLimitedWarner(
  intervalMs = 60_000,
  write: (line: string) => void = (line) => console.warn(line),
  now: () => number = Date.now,
): (err: SdkError) => void {
  const seen = new Map<string, { at: number; suppressed: number }>();
  return (err) => {
    const key = `${err.code}:${err.status ?? ''}`;
    const t = now();
    const entry = seen.get(key);
    if (entry && t - entry.at < intervalMs) {
      entry.suppressed++;
      return;
    }
    // Distinct problems are few; the cap only guards against a pathological stream of them.
    if (!entry && seen.size >= 100) seen.clear();
    const more =
      entry && entry.suppressed > 0
        ? ` (${entry.suppressed} similar in the last ${Math.round(intervalMs / 1000)} s)`
        : '';
    seen.set(key, { at: t, suppressed: 0 });
    write(`[stellwerk-sdk] ${err.message}${more}`);
  };
}
