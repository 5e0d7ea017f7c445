import { useEffect, useRef, useState } from 'react';
import { useDismiss } from '../../../shared/components/useDismiss.ts';

interface Props {
  query: string;
  onSubmit: (q: string) => void;
  /** The server's explanation when it could not parse the query. */
  error?: string;
  busy?: boolean;
}

export function QueryBar({ query, onSubmit, error, busy }: Props) {
  const [text, setText] = useState(query);
  const [help, setHelp] = useState(false);
  const helpRef = useRef<HTMLDivElement>(null);
  useDismiss(helpRef, help, () => setHelp(false));

  // The URL is the source of truth: follow it on back/forward and facet clicks.
  useEffect(() => setText(query), [query]);

  return (
    <div className="querybar">
      <form
        className={`query-form${error ? ' has-error' : ''}`}
        onSubmit={(e) => {
          e.preventDefault();
          onSubmit(text);
        }}
      >
        <SearchIcon />
        <input
          className="query-input"
          type="search"
          value={text}
          onChange={(e) => setText(e.target.value)}
          placeholder='Search logs: level:error service:checkout "timeout" -host:db-1 status>=500'
          spellCheck={false}
          autoComplete="off"
          aria-label="Log query"
          aria-invalid={!!error}
          aria-describedby={error ? 'query-error' : undefined}
          data-testid="query-input"
        />
        {busy && <span className="spinner" role="status" aria-label="Loading" />}
        <button type="submit" className="btn btn-primary" data-testid="query-submit">
          Search
        </button>
      </form>
      <div className="help-anchor" ref={helpRef}>
        <button
          type="button"
          className="btn btn-icon"
          aria-expanded={help}
          title="Query syntax"
          onClick={() => setHelp((h) => !h)}
          data-testid="query-help-button"
        >
          ?
        </button>
        {help && <SyntaxHelp />}
      </div>
      {error && (
        <div className="query-error" id="query-error" role="alert" data-testid="query-error">
          {error}
        </div>
      )}
    </div>
  );
}

const EXAMPLES: Array<[string, string]> = [
  ['timeout', 'free text anywhere in the message'],
  ['"connection refused"', 'an exact phrase'],
  ['time*', 'words starting with a prefix'],
  ['level:error', 'a field equals a value (level, service, host, or any attribute)'],
  ['status>=500', 'numeric comparison: > >= < <='],
  ['-service:health', 'exclude matches (same as NOT)'],
  ['level:error AND service:api', 'both; AND is implied between terms'],
  ['(level:warn OR level:error) NOT host:db-1', 'group with parentheses'],
];

function SyntaxHelp() {
  return (
    <div className="popover help-popover" data-testid="query-help">
      <div className="popover-title">Query syntax</div>
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
      <div className="muted">Press Enter to search. Click a facet value or a field in a row to add a filter.</div>
    </div>
  );
}

function SearchIcon() {
  return (
    <svg className="query-icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="7" cy="7" r="4.8" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path d="M10.6 10.6 14 14" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}
