import { useState } from 'react';
import { ErrorState } from '../../../shared/components/States.tsx';
import { requireField } from '../../../shared/frame/frame.ts';
import { useFacet } from '../hooks/useLogs.ts';
import { badQuery } from './badQuery.ts';
import type { FilterFn } from './LogTable.tsx';

const DEFAULT_FIELDS = ['level', 'service', 'host'];
const STORE_KEY = 'stellwerk.logs.extraFacets';

function loadExtra(): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(STORE_KEY) ?? '[]');
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** Top values per field; the user's added fields are remembered in this browser. */
export function FacetsSidebar({ query, onFilter }: { query: string; onFilter: FilterFn }) {
  const [extra, setExtra] = useState<string[]>(loadExtra);
  const [adding, setAdding] = useState('');
  const save = (next: string[]) => {
    setExtra(next);
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(next));
    } catch {
      // not persisted; fine for this page view
    }
  };

  return (
    <aside className="facets" data-testid="facets">
      {[...DEFAULT_FIELDS, ...extra].map((f) => (
        <Facet
          key={f}
          field={f}
          query={query}
          onFilter={onFilter}
          onRemove={DEFAULT_FIELDS.includes(f) ? undefined : () => save(extra.filter((x) => x !== f))}
        />
      ))}
      <form
        className="facet-add"
        onSubmit={(e) => {
          e.preventDefault();
          const f = adding.trim();
          if (f && !DEFAULT_FIELDS.includes(f) && !extra.includes(f)) save([...extra, f]);
          setAdding('');
        }}
      >
        <input
          value={adding}
          onChange={(e) => setAdding(e.target.value)}
          placeholder="Add field, e.g. status"
          spellCheck={false}
          aria-label="Add a facet field"
          data-testid="facet-add-input"
        />
      </form>
    </aside>
  );
}

function Facet({
  field,
  query,
  onFilter,
  onRemove,
}: {
  field: string;
  query: string;
  onFilter: FilterFn;
  onRemove?: () => void;
}) {
  const { data, error, retrying, loading } = useFacet(query, field);
  const values = data ? requireField<string>(data, 'value').values : [];
  const counts = data ? requireField<number>(data, 'count').values : [];
  const max = Math.max(1, ...counts);
  return (
    <section className="facet" data-testid={`facet-${field}`}>
      <header className="facet-head">
        <span className="mono">{field}</span>
        {loading && <span className="spinner small" role="status" aria-label="Loading" />}
        {onRemove && (
          <button type="button" className="link-btn" onClick={onRemove} aria-label={`Remove facet ${field}`}>
            ×
          </button>
        )}
      </header>
      {error && !data && badQuery(error) ? (
        // The query box already explains the syntax error; don't repeat it per facet.
        <div className="muted facet-empty">—</div>
      ) : error && !data ? (
        <ErrorState error={error} retrying={retrying} />
      ) : values.length === 0 && data ? (
        <div className="muted facet-empty">No values</div>
      ) : (
        <ul>
          {values.map((v, i) => (
            <li key={v} className="facet-value">
              <button
                type="button"
                className="facet-btn"
                title={`Filter for ${field}:${v}`}
                onClick={() => onFilter(field, v, false)}
                data-testid="facet-value"
                data-field={field}
                data-value={v}
              >
                <span className="facet-bar" style={{ width: `${((counts[i] ?? 0) / max) * 100}%` }} />
                <span className="facet-label">{v === '' ? <em>(empty)</em> : v}</span>
                <span className="facet-count">{(counts[i] ?? 0).toLocaleString()}</span>
              </button>
              <button
                type="button"
                className="facet-exclude"
                title={`Exclude ${field}:${v}`}
                aria-label={`Exclude ${field}:${v}`}
                onClick={() => onFilter(field, v, true)}
              >
                −
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
