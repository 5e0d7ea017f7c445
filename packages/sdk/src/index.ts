/** @stellwerk/sdk: ship logs and track runs to Stellwerk without ever failing the app. */
export type { LogLevel } from '@stellwerk/contracts';
export { createClock, formatLocalTime } from './clock.ts';
export { type RejectedLine, rateLimitedWarner, SdkError, type SdkErrorCode } from './errors.ts';
export {
  createLogger,
  encodeRecord,
  type LogAttributes,
  type Logger,
  type LoggerOptions,
  type LogMethod,
  normalizeAttributes,
} from './logger.ts';
export { BatchQueue, type BatchQueueOptions, type QueueStats } from './queue.ts';
export { type RunOptions, type RunTracker, startRun } from './run.ts';
export {
  backoffMs,
  classifyError,
  classifyResponse,
  createHttpTransport,
  DEFAULT_RETRY,
  type OutgoingRequest,
  type PreparedRequest,
  parseRetryAfter,
  type RetryPolicy,
  type SendResult,
  type Transport,
  type TransportOptions,
} from './transport.ts';
