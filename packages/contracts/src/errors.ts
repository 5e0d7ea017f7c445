/**
 * The error catalogue: every error a client can see has a code, an HTTP status and a
 * documented meaning (docs/errors.md). The native API renders these as problem+json;
 * compatible protocols render them in their clients' own shapes.
 */
export const ERRORS = {
  STW_ERR_BAD_REQUEST: { status: 400, title: 'The request is malformed' },
  STW_ERR_INVALID_RECORD: { status: 400, title: 'A record is invalid' },
  STW_ERR_BAD_QUERY: { status: 400, title: 'The query cannot be parsed' },
  STW_ERR_BAD_ENCODING: { status: 400, title: 'The body encoding is not supported or is corrupt' },
  STW_ERR_CARDINALITY: { status: 400, title: 'A series limit would be crossed' },
  STW_ERR_UNAUTHORIZED: { status: 401, title: 'A valid API token is required' },
  STW_ERR_FORBIDDEN: { status: 403, title: 'The token lacks the scope this needs' },
  STW_ERR_NOT_FOUND: { status: 404, title: 'Not found' },
  STW_ERR_CONFLICT: { status: 409, title: 'The object already exists or conflicts with what is stored' },
  STW_ERR_BODY_TOO_LARGE: { status: 413, title: 'The body exceeds the size limit' },
  STW_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The content type is not supported' },
  STW_ERR_OVERLOADED: { status: 429, title: 'The ingest queue is full; retry later' },
  STW_ERR_INTERNAL: { status: 500, title: 'Internal error' },
  STW_ERR_STORE_UNAVAILABLE: { status: 503, title: 'The store is unavailable; retry later' },
  STW_ERR_QUERY_TIMEOUT: { status: 503, title: 'The query took too long' },
  STW_ERR_DISK_FULL: { status: 507, title: 'The store has no disk space left' },
} as const;

export type ErrorCode = keyof typeof ERRORS;

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail: string;
  /** Per-item errors, e.g. the lines of a batch that were rejected. */
  errors?: Array<{ line?: number; field?: string; reason: string }>;
  [extra: string]: unknown;
}
