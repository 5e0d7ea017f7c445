/**
 * What a parsed MLflow run search means: the clauses of a filter (joined by AND) and the
 * entries of an order_by list. The parser builds these; the SQL compiler reads them.
 */

import { StellwerkError } from '../../errors.ts';

export type NumericComparator = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type StringComparator = '=' | '!=' | 'LIKE' | 'ILIKE';
export type ListComparator = 'IN' | 'NOT IN';
export type Comparator = NumericComparator | StringComparator | ListComparator;

export type StringAttribute = 'run_id' | 'run_name' | 'status' | 'user_id' | 'artifact_uri' | 'lifecycle_stage';
export type NumericAttribute = 'start_time' | 'end_time';
export type RunAttribute = StringAttribute | NumericAttribute;
export type DatasetField = 'name' | 'digest' | 'context';

/** `pos` is the 0-based offset (UTF-16 code units) of the clause's identifier in the filter. */
export type FilterClause =
  | { kind: 'metric'; key: string; op: NumericComparator; value: number; pos: number }
  | { kind: 'param' | 'tag'; key: string; op: StringComparator; value: string; pos: number }
  | { kind: 'attribute'; key: StringAttribute; op: StringComparator; value: string; pos: number }
  | { kind: 'attribute'; key: 'run_id' | 'status'; op: ListComparator; value: string[]; pos: number }
  /** Times in epoch milliseconds. */
  | { kind: 'attribute'; key: NumericAttribute; op: NumericComparator; value: number; pos: number }
  | { kind: 'dataset'; key: DatasetField; op: StringComparator; value: string; pos: number }
  | { kind: 'dataset'; key: DatasetField; op: ListComparator; value: string[]; pos: number };

export type OrderByEntry =
  | { kind: 'metric' | 'param' | 'tag'; key: string; ascending: boolean }
  | { kind: 'attribute'; key: RunAttribute; ascending: boolean };

/**
 * An invalid filter or order_by entry. The message names the position and what was
 * expected; `position` also travels to clients in the problem's `position` member.
 */
export class RunFilterError extends StellwerkError {
  override readonly name = 'RunFilterError';
  constructor(
    message: string,
    readonly position: number,
  ) {
    super('STW_ERR_BAD_QUERY', message, { position });
  }
}
