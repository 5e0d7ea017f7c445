/** Log line parsing: the public surface of the pipeline's parsing stage. */

export type { DetectedFormat } from './detect.ts';
export { detectFormat } from './detect.ts';
export { inferScalar } from './fields.ts';
export { parseJsonLine, parseJsonObject } from './json.ts';
export { normalizeLevel } from './level.ts';
export { parseLogfmt } from './logfmt.ts';
export { parseLogrusLine } from './logrus.ts';
export { parseLine, rawLine, stripAnsi } from './parse-line.ts';
export { parsePythonLine } from './python.ts';
export type { LineParser } from './regex.ts';
export { compileRegexParser } from './regex.ts';
export { formatRfc3339Nano, parseEpochNumber, parseTimeRange, parseTimestamp } from './time.ts';
export type { RecordContext } from './to-record.ts';
export { toLogRecord } from './to-record.ts';
export type { LineFormat, ParsedLine, ParsedTime, ParseOptions, ParserHint } from './types.ts';
