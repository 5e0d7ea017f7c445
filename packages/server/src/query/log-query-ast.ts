/**
 * The log search AST and the error every invalid query raises. Parser and compiler both
 * depend on this file, so neither depends on the other's internals.
 */

import { StellwerkError } from '../errors.ts';

export type CompareOp = '>' | '>=' | '<' | '<=';

/** `pos` is the 0-based offset (UTF-16 code units) where the term starts in the query text. */
export type LeafNode =
  /** Free text: a bare word (`timeout`, `127.0.0.1:6060`) or a quoted phrase. */
  | { type: 'text'; value: string; quoted: boolean; pos: number }
  /** Free text ending in `*`: a word in the message starts with `prefix`. */
  | { type: 'textPrefix'; prefix: string; pos: number }
  /** `field:value` or `field:"value"`. */
  | { type: 'match'; field: string; value: string; quoted: boolean; pos: number }
  /** `field:value*` */
  | { type: 'prefix'; field: string; prefix: string; pos: number }
  /** `field:*` or `has:field` */
  | { type: 'exists'; field: string; pos: number }
  /** `field>value`, `field:>=value`, ...; the value is checked by the compiler (numbers, or level names). */
  | { type: 'compare'; field: string; op: CompareOp; value: string; pos: number }
  /** `field:[from TO to]`, inclusive; `null` is an open end (`*`). */
  | { type: 'range'; field: string; from: string | null; to: string | null; pos: number };

export type QueryNode =
  | LeafNode
  /** The empty query, or `*`. */
  | { type: 'all' }
  | { type: 'and'; children: QueryNode[] }
  | { type: 'or'; children: QueryNode[] }
  | { type: 'not'; child: QueryNode };

/**
 * An invalid search query. `position` is a 0-based offset into the query text, for
 * highlighting; it also travels to the client in the problem's `position` member.
 */
export class QueryParseError extends StellwerkError {
  override readonly name = 'QueryParseError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super('STW_ERR_BAD_QUERY', message, { position });
  }
}
