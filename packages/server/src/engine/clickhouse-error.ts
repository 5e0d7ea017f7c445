/**
 * Errors in the shape of ClickHouse's HTTP interface: `Code: N. DB::Exception: … (TYPE)`
 * in the body and `X-ClickHouse-Exception-Code: N`, which @clickhouse/client's parseError
 * turns into ClickHouseError {code, type}. chDB's own messages already have that shape.
 */

export class ClickHouseException extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
    this.name = 'ClickHouseException';
  }

  /** The body text, as the server writes it. */
  get text(): string {
    return `Code: ${this.code}. DB::Exception: ${this.message}. (${this.type})`;
  }
}

export interface ExceptionReply {
  code: number;
  text: string;
}

const CODE_PREFIX = /^Code: (\d+)\. /;

export function toExceptionReply(err: unknown): ExceptionReply {
  if (err instanceof ClickHouseException) return { code: err.code, text: err.text };
  const message = err instanceof Error ? err.message : String(err);
  const m = CODE_PREFIX.exec(message);
  if (m?.[1]) return { code: Number(m[1]), text: message };
  // Errors without a ClickHouse code come from the shim or the binding, not the engine.
  return { code: 1001, text: `Code: 1001. DB::Exception: ${message}. (STD_EXCEPTION)` };
}

// The subset of ClickHouse's exceptionCodeToHTTPStatus that queries can hit here.
const STATUS_BY_CODE: Record<number, number> = {
  27: 400, // CANNOT_PARSE_INPUT_ASSERTION_FAILED
  36: 400, // BAD_ARGUMENTS
  43: 400, // ILLEGAL_TYPE_OF_ARGUMENT
  53: 400, // TYPE_MISMATCH
  62: 400, // SYNTAX_ERROR
  115: 400, // UNKNOWN_SETTING
  117: 400, // INCORRECT_DATA
  456: 400, // UNKNOWN_QUERY_PARAMETER
  457: 400, // BAD_QUERY_PARAMETER
  46: 404, // UNKNOWN_FUNCTION
  47: 404, // UNKNOWN_IDENTIFIER
  50: 404, // UNKNOWN_TYPE
  60: 404, // UNKNOWN_TABLE
  81: 404, // UNKNOWN_DATABASE
  164: 403, // READONLY
  497: 403, // ACCESS_DENIED
  516: 401, // AUTHENTICATION_FAILED
  48: 501, // NOT_IMPLEMENTED
};

export function httpStatusFor(code: number): number {
  return STATUS_BY_CODE[code] ?? 500;
}
