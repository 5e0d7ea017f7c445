import { useEffect, useRef, useState } from 'react';
import { useDismiss } from '../../../shared/components/useDismiss.ts';

interface Props {
  filter: string;
  onSubmit: (filter: string) => void;
  /** The server's explanation when it could not parse the filter. */
  error?: string;
  busy?: boolean;
}

/** The filter box: MLflow's search grammar, run on Enter; the URL keeps it (`?filter=`). */
export function RunFilterBar({ filter, onSubmit, error, busy }: Props) {
  const [text, setText] = useState(filter);
  const [help, setHelp] = useState(false);
  const helpRef = useRef<HTMLDivElement>(null);
  useDismiss(helpRef, help, () => setHelp(false));
  useEffect(() => setText(filter), [filter]);

  return (
    <div className="querybar">
      <form
        className={`query-form${error ? ' has-error' : ''}`}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(text);
        }}
      >
        <input
          className="query-input"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder={`Filter runs: metrics.acc > 0.9 and params.lr = "0.01"`}
          spellCheck={false}
          autoComplete="off"
          aria-label="Run filter"
          aria-invalid={!!error}
          aria-describedby={error ? 'runs-filter-error' : undefined}
          data-testid="runs-filter"
        />
        {busy && <span className="spinner" role="status" aria-label="Loading" />}
        <button type="submit" className="btn btn-primary" data-testid="runs-filter-submit">
          Filter
        </button>
      </form>
      <div className="help-anchor" ref={helpRef}>
        <button
          type="button"
          className="btn btn-icon"
          aria-expanded={help}
          title="Filter syntax"
          onClick={() => setHelp((h) => !h)}
          data-testid="runs-filter-help-button"
        >
          ?
        </button>
        {help && <FilterHelp />}
      </div>
      {error && (
        <div className="query-error" id="runs-filter-error" role="alert" data-testid="runs-filter-error">
          {error}
        </div>
      )}
    </div>
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

function FilterHelp() {
  return (
    <div className="popover help-popover" data-testid="runs-filter-help">
      <div className="popover-title">Filter syntax (MLflow search)</div>
      <table className="help-table">
        <tbody>
          {EXAMPLES.map(([q, d]) => (
            <tr key={q}>
              <td>
                <code>{q}</code>
              </td>
              <td>{d}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="muted">Press Enter to filter. Click a column header to sort by it.</div>
    </div>
  );
}
