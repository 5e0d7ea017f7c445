import { QueryInputBar, QuerySyntaxHelp } from '../../../shared/components/QueryInputBar.tsx';

interface Props {
  query: string;
  onSubmit: (q: string) => void;
  /** The server's explanation when it could not parse the query. */
  error?: string;
  busy?: boolean;
}

export function QueryBar({ query, onSubmit, error, busy }: Props) {
  return (
    <QueryInputBar
      value={query}
      onSubmit={onSubmit}
      error={error}
      busy={busy}
      icon={<SearchIcon />}
      placeholder='Search logs: level:error service:checkout "timeout" -host:db-1 status>=500'
      ariaLabel="Log query"
      submitLabel="Search"
      helpTitle="Query syntax"
      help={
        <QuerySyntaxHelp
          title="Query syntax"
          examples={EXAMPLES}
          footer="Press Enter to search. Click a facet value or a field in a row to add a filter."
          testId="query-help"
        />
      }
      errorId="query-error"
      testIds={{
        input: 'query-input',
        submit: 'query-submit',
        helpButton: 'query-help-button',
        error: 'query-error',
      }}
    />
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

function SearchIcon() {
  return (
    <svg className="query-icon" width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="7" cy="7" r="4.8" fill="none" stroke="currentColor" strokeWidth="1.6" />
      <path d="M10.6 10.6 14 14" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" />
    </svg>
  );
}
