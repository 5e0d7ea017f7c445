import { useId } from 'react';
import { useApi } from '../../../shared/api/useApi.ts';
import { fetchLabelNames, fetchLabelValues, type MetricMeta } from '../api/promApi.ts';
import {
  AGGREGATIONS,
  type BuilderState,
  buildQuery,
  type LabelFilter,
  MATCH_OPS,
  type MatchOp,
  RANGE_FUNCTIONS,
} from '../promql.ts';

interface Props {
  state: BuilderState;
  onChange: (next: BuilderState, query: string) => void;
  metricNames: string[];
  metadata: Record<string, MetricMeta>;
}

/** Metric → label filters → range function → aggregation; every change rewrites the editor. */
export function QueryBuilder({ state, onChange, metricNames, metadata }: Props) {
  const labels = useApi((signal) => fetchLabelNames(state.metric, signal), [state.metric], !!state.metric);
  const labelNames = labels.data ?? [];
  const set = (patch: Partial<BuilderState>) => {
    const next = { ...state, ...patch };
    onChange(next, buildQuery(next));
  };
  const setFilter = (i: number, patch: Partial<LabelFilter>) =>
    set({ filters: state.filters.map((f, j) => (j === i ? { ...f, ...patch } : f)) });
  const type = metadata[state.metric]?.type;

  return (
    <div className="builder" data-testid="builder">
      <div className="builder-row">
        <label className="builder-field">
          <span className="builder-label">Metric</span>
          <select
            value={state.metric}
            data-testid="builder-metric"
            onChange={(e) => set({ metric: e.target.value, filters: [], by: [] })}
          >
            <option value="">Choose a metric…</option>
            {metricNames.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
        {type && <span className={`promql-item-kind kind-${type}`}>{type}</span>}
        {type === 'counter' && !state.fn && (
          // The usual mistake with counters is charting the raw, ever-growing total.
          <button type="button" className="link-btn small" onClick={() => set({ fn: 'rate' })}>
            counter: apply rate()
          </button>
        )}
      </div>

      {state.metric && (
        <>
          <div className="builder-row builder-filters">
            <span className="builder-label">Label filters</span>
            {state.filters.map((f, i) => (
              <FilterEditor
                // biome-ignore lint/suspicious/noArrayIndexKey: filters have no identity but their position
                key={i}
                index={i}
                filter={f}
                metric={state.metric}
                labelNames={labelNames}
                onChange={(patch) => setFilter(i, patch)}
                onRemove={() => set({ filters: state.filters.filter((_, j) => j !== i) })}
              />
            ))}
            <button
              type="button"
              className="btn btn-small"
              data-testid="builder-add-filter"
              onClick={() => set({ filters: [...state.filters, { label: labelNames[0] ?? '', op: '=', value: '' }] })}
            >
              + Filter
            </button>
          </div>

          <div className="builder-row">
            <label className="builder-field">
              <span className="builder-label">Function</span>
              <select
                value={state.fn}
                data-testid="builder-fn"
                onChange={(e) => set({ fn: e.target.value as BuilderState['fn'] })}
              >
                <option value="">none</option>
                {RANGE_FUNCTIONS.map((f) => (
                  <option key={f} value={f}>
                    {f}
                  </option>
                ))}
              </select>
            </label>
            {state.fn && (
              <label className="builder-field">
                <span className="builder-label">over</span>
                <input
                  className="builder-range"
                  value={state.range}
                  data-testid="builder-range"
                  placeholder="5m"
                  onChange={(e) => set({ range: e.target.value.trim() })}
                />
              </label>
            )}
            <label className="builder-field">
              <span className="builder-label">Aggregate</span>
              <select
                value={state.agg}
                data-testid="builder-agg"
                onChange={(e) => set({ agg: e.target.value as BuilderState['agg'] })}
              >
                <option value="">none</option>
                {AGGREGATIONS.map((a) => (
                  <option key={a} value={a}>
                    {a}
                  </option>
                ))}
              </select>
            </label>
            {state.agg && (
              <fieldset className="builder-by">
                <legend className="builder-label">by</legend>
                {labelNames.length === 0 && <span className="muted small">no labels</span>}
                {labelNames.map((l) => (
                  <label key={l} className="builder-check">
                    <input
                      type="checkbox"
                      checked={state.by.includes(l)}
                      data-testid={`builder-by-${l}`}
                      onChange={(e) =>
                        set({ by: e.target.checked ? [...state.by, l] : state.by.filter((x) => x !== l) })
                      }
                    />
                    {l}
                  </label>
                ))}
              </fieldset>
            )}
          </div>
        </>
      )}
      <div className="builder-row builder-preview">
        <span className="builder-label">PromQL</span>
        <code data-testid="builder-preview">{buildQuery(state) || '—'}</code>
      </div>
    </div>
  );
}

function FilterEditor({
  index,
  filter,
  metric,
  labelNames,
  onChange,
  onRemove,
}: {
  index: number;
  filter: LabelFilter;
  metric: string;
  labelNames: string[];
  onChange: (patch: Partial<LabelFilter>) => void;
  onRemove: () => void;
}) {
  const listId = useId();
  const values = useApi(
    (signal) => fetchLabelValues(filter.label, metric, signal),
    [filter.label, metric],
    !!filter.label,
  );
  return (
    <span className="builder-filter" data-testid="builder-filter">
      <select
        value={filter.label}
        aria-label="Label"
        data-testid={`builder-filter-label-${index}`}
        onChange={(e) => onChange({ label: e.target.value })}
      >
        {!labelNames.includes(filter.label) && <option value={filter.label}>{filter.label || 'label…'}</option>}
        {labelNames.map((l) => (
          <option key={l} value={l}>
            {l}
          </option>
        ))}
      </select>
      <select
        value={filter.op}
        aria-label="Operator"
        data-testid={`builder-filter-op-${index}`}
        onChange={(e) => onChange({ op: e.target.value as MatchOp })}
      >
        {MATCH_OPS.map((o) => (
          <option key={o} value={o}>
            {o}
          </option>
        ))}
      </select>
      <input
        value={filter.value}
        aria-label="Value"
        list={listId}
        placeholder={filter.op.includes('~') ? 'regex' : 'value'}
        data-testid={`builder-filter-value-${index}`}
        onChange={(e) => onChange({ value: e.target.value })}
      />
      <datalist id={listId}>
        {(values.data ?? []).slice(0, 200).map((v) => (
          <option key={v} value={v} />
        ))}
      </datalist>
      <button
        type="button"
        className="btn btn-small btn-icon"
        aria-label="Remove filter"
        data-testid={`builder-filter-remove-${index}`}
        onClick={onRemove}
      >
        ×
      </button>
    </span>
  );
}
