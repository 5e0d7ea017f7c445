/** MLflow run search: the filter and order_by grammar, and its compilation to SQL. */
export type {
  Comparator,
  DatasetField,
  FilterClause,
  NumericAttribute,
  OrderByEntry,
  RunAttribute,
  StringAttribute,
} from './ast.ts';
export { RunFilterError } from './ast.ts';
export { type RunSearchOptions, runSearchSql } from './compile.ts';
export {
  MAX_CLAUSES,
  MAX_FILTER_LENGTH,
  MAX_LIST_VALUES,
  MAX_ORDER_BY,
  parseOrderBy,
  parseRunFilter,
} from './parser.ts';
