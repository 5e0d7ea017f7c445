import { QueryInputBar, QuerySyntaxHelp } from '../../../shared/components/QueryInputBar.tsx';

interface Props {
  filter: string;
  onSubmit: (filter: string) => void;
  /** The server's explanation when it could not parse the filter. */
  error?: string;
  busy?: boolean;
}

/** The filter box: MLflow's search grammar, run on Enter; the URL keeps it (`?filter=`). */
export function RunFilterBar({ filter, onSubmit, error, busy }: Props) {
  return (
    <QueryInputBar
      value={filter}
      onSubmit={onSubmit}
      error={error}
      busy={busy}
      placeholder={`Filter runs: metrics.acc > 0.9 and params.lr = "0.01"`}
      ariaLabel="Run filter"
      submitLabel="Filter"
      helpTitle="Filter syntax"
      help={
        <QuerySyntaxHelp
          title="Filter syntax (MLflow search)"
          examples={EXAMPLES}
          footer="Press Enter to filter. Click a column header to sort by it."
          testId="runs-filter-help"
        />
      }
      errorId="runs-filter-error"
      testIds={{
        input: 'runs-filter',
        submit: 'runs-filter-submit',
        helpButton: 'runs-filter-help-button',
        error: 'runs-filter-error',
      }}
    />
  );
}

const EXAMPLES: Array<[string, string]> = [
  ['metrics.acc > 0.9', 'a metric’s latest value: = != < <= > >='],
  ['params.lr = "0.01"', 'params and tags are strings: = != LIKE ILIKE'],
  ["tags.team LIKE 'vision-%'", '% matches any characters'],
  ["attributes.status = 'FAILED'", 'run attributes: status, run_name, user_id, start_time, end_time'],
  ["attributes.status IN ('FAILED', 'KILLED')", 'one of several values'],
  ['metrics.`val/loss` < 0.2', 'keys with other characters go in backticks'],
  ['metrics.acc > 0.9 and params.model = "cnn"', 'clauses are joined by AND (there is no OR)'],
];
