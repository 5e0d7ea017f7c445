import { type KeyboardEvent, useEffect, useId, useMemo, useRef, useState } from 'react';
import { fetchLabelNames, fetchLabelValues, type MetricMeta } from '../api/promApi.ts';
import { type CompletionContext, completionContext, FUNCTIONS, firstMetric } from '../promql.ts';

interface Props {
  value: string;
  onChange: (text: string) => void;
  onRun: (text: string) => void;
  metricNames: string[];
  metadata: Record<string, MetricMeta>;
  /** The server's message when it rejected the query. */
  error?: string;
  busy?: boolean;
}

interface Suggestion {
  value: string;
  kind: 'metric' | 'function' | 'label' | 'value';
  detail?: string;
}

const MAX_ITEMS = 40;

/** Label names/values per metric, kept for a minute so typing does not refetch on every key. */
const labelCache = new Map<string, { at: number; p: Promise<string[]> }>();
function cached(key: string, load: () => Promise<string[]>): Promise<string[]> {
  const hit = labelCache.get(key);
  if (hit && Date.now() - hit.at < 60_000) return hit.p;
  const p = load().catch((err: unknown) => {
    labelCache.delete(key); // don't keep failures
    throw err;
  });
  labelCache.set(key, { at: Date.now(), p });
  return p;
}

/** Prefix matches first, then other substring matches, each alphabetical. */
function rank(items: string[], prefix: string): string[] {
  const p = prefix.toLowerCase();
  const starts: string[] = [];
  const contains: string[] = [];
  for (const it of items) {
    const l = it.toLowerCase();
    if (l.startsWith(p)) starts.push(it);
    else if (p && l.includes(p)) contains.push(it);
  }
  return [...starts.sort(), ...contains.sort()];
}

export function PromqlEditor({ value, onChange, onRun, metricNames, metadata, error, busy }: Props) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const menuId = useId();
  const [ctx, setCtx] = useState<CompletionContext | null>(null);
  const [items, setItems] = useState<Suggestion[]>([]);
  const [active, setActive] = useState(0);
  const [open, setOpen] = useState(false);
  const known = useMemo(() => new Set(metricNames), [metricNames]);

  // Recompute suggestions whenever the context changes; label lookups are async.
  useEffect(() => {
    if (!ctx) {
      setItems([]);
      return;
    }
    let live = true;
    const show = (list: Suggestion[]) => {
      if (!live) return;
      // A fully typed single match needs no menu.
      const exact = list.length === 1 && list[0]?.value === ctx.prefix;
      setItems(exact ? [] : list.slice(0, MAX_ITEMS));
      setActive(0);
    };
    if (ctx.kind === 'metric') {
      const metrics = rank(metricNames, ctx.prefix).map<Suggestion>((m) => ({
        value: m,
        kind: 'metric',
        detail: metadata[m]?.type,
      }));
      const fns = ctx.prefix
        ? rank(FUNCTIONS, ctx.prefix)
            .filter((f) => f.startsWith(ctx.prefix))
            .map<Suggestion>((f) => ({ value: f, kind: 'function', detail: 'function' }))
        : [];
      show([...metrics, ...fns]);
    } else if (ctx.kind === 'labelName') {
      const metric = ctx.metric && known.has(ctx.metric) ? ctx.metric : undefined;
      cached(`n|${metric ?? ''}`, () => fetchLabelNames(metric))
        .then((names) => show(rank(names, ctx.prefix).map((n) => ({ value: n, kind: 'label' }))))
        .catch(() => show([]));
    } else if (ctx.label) {
      const label = ctx.label;
      const metric = ctx.metric && known.has(ctx.metric) ? ctx.metric : undefined;
      cached(`v|${metric ?? ''}|${label}`, () => fetchLabelValues(label, metric))
        .then((vals) => show(rank(vals, ctx.prefix).map((v) => ({ value: v, kind: 'value' }))))
        .catch(() => show([]));
    }
    return () => {
      live = false;
    };
  }, [ctx, metricNames, metadata, known]);

  const updateContext = (text: string, el: HTMLTextAreaElement) => {
    const pos = el.selectionStart;
    // Only complete at a collapsed cursor; a selection is being edited some other way.
    setCtx(pos === el.selectionEnd ? completionContext(text, pos) : null);
  };

  const accept = (s: Suggestion) => {
    const el = ref.current;
    if (!el || !ctx) return;
    const pos = el.selectionStart;
    // Replace the whole word under the cursor, not just the part before it.
    const tailWord = /^[a-zA-Z0-9_:]*/.exec(value.slice(pos))?.[0] ?? '';
    let end = pos + (ctx.kind === 'labelValue' ? 0 : tailWord.length);
    let insert = s.value;
    if (s.kind === 'function') insert += '(';
    if (s.kind === 'value') {
      insert = JSON.stringify(s.value).slice(1, -1);
      // Skip what is left of the old value and close the string.
      const rest = /^(?:[^"\\]|\\.)*"?/.exec(value.slice(pos))?.[0] ?? '';
      end = pos + rest.length;
      insert += '"';
    }
    const next = value.slice(0, ctx.from) + insert + value.slice(end);
    const cursor = ctx.from + insert.length;
    onChange(next);
    setOpen(false);
    setCtx(null);
    requestAnimationFrame(() => {
      el.focus();
      el.setSelectionRange(cursor, cursor);
    });
  };

  const onKeyDown = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    const menu = open && items.length > 0;
    if (menu && (e.key === 'ArrowDown' || e.key === 'ArrowUp')) {
      e.preventDefault();
      const d = e.key === 'ArrowDown' ? 1 : -1;
      setActive((a) => (a + d + items.length) % items.length);
      return;
    }
    if (menu && (e.key === 'Tab' || (e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.shiftKey))) {
      const s = items[active];
      if (s) {
        e.preventDefault();
        accept(s);
        return;
      }
    }
    if (menu && e.key === 'Escape') {
      e.preventDefault();
      setOpen(false);
      return;
    }
    // Enter runs (Shift+Enter for a new line); Ctrl/Cmd+Enter runs even with the menu open.
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      setOpen(false);
      onRun(value);
    }
  };

  const selected = items[active];
  const selectedMeta = selected?.kind === 'metric' ? metadata[selected.value] : undefined;
  const current = firstMetric(value, known);
  const currentMeta = current ? metadata[current] : undefined;
  const rows = Math.min(6, Math.max(1, value.split('\n').length));

  return (
    <div className="promql-editor">
      <div className={`promql-box${error ? ' has-error' : ''}`}>
        <textarea
          ref={ref}
          className="promql-input"
          value={value}
          rows={rows}
          placeholder="PromQL, e.g. rate(http_requests_total[5m]) — start typing a metric name"
          spellCheck={false}
          autoComplete="off"
          aria-label="PromQL query"
          aria-invalid={!!error}
          aria-describedby={error ? 'promql-error' : undefined}
          role="combobox"
          aria-autocomplete="list"
          aria-controls={menuId}
          aria-expanded={open && items.length > 0}
          data-testid="promql-input"
          onChange={(e) => {
            onChange(e.target.value);
            setOpen(true);
            updateContext(e.target.value, e.target);
          }}
          onKeyDown={onKeyDown}
          onKeyUp={(e) => {
            if (e.key === 'ArrowLeft' || e.key === 'ArrowRight' || e.key === 'Home' || e.key === 'End')
              updateContext(value, e.currentTarget);
          }}
          onClick={(e) => updateContext(value, e.currentTarget)}
          onFocus={(e) => updateContext(value, e.currentTarget)}
          onBlur={() => setOpen(false)}
        />
        {busy && <span className="spinner promql-spinner" role="status" aria-label="Loading" />}
        {open && items.length > 0 && (
          <div className="popover promql-menu" data-testid="autocomplete">
            <div className="promql-list" role="listbox" id={menuId}>
              {items.map((s, i) => (
                <div
                  key={`${s.kind}:${s.value}`}
                  role="option"
                  tabIndex={-1}
                  aria-selected={i === active}
                  className={`promql-item${i === active ? ' active' : ''}`}
                  data-testid="autocomplete-item"
                  data-value={s.value}
                  data-kind={s.kind}
                  // mousedown, not click: the textarea's blur would close the menu first
                  onMouseDown={(e) => {
                    e.preventDefault();
                    accept(s);
                  }}
                  onMouseEnter={() => setActive(i)}
                >
                  <span className="promql-item-value mono">{s.value}</span>
                  {s.detail && <span className={`promql-item-kind kind-${s.detail}`}>{s.detail}</span>}
                </div>
              ))}
            </div>
            {selectedMeta?.help && (
              <div className="promql-menu-help" data-testid="autocomplete-help">
                {selectedMeta.help}
              </div>
            )}
            <div className="promql-menu-foot muted">↑↓ choose · Enter/Tab insert · Esc close</div>
          </div>
        )}
      </div>
      {current && (
        <div className="metric-info" data-testid="metric-info">
          <span className="mono">{current}</span>
          {currentMeta ? (
            <>
              <span className={`promql-item-kind kind-${currentMeta.type}`}>{currentMeta.type}</span>
              {currentMeta.unit && <span className="muted">unit: {currentMeta.unit}</span>}
              {currentMeta.help && <span className="muted">{currentMeta.help}</span>}
            </>
          ) : (
            <span className="muted">no type or help recorded</span>
          )}
        </div>
      )}
      {error && (
        <div className="query-error" id="promql-error" role="alert" data-testid="query-error">
          {error}
        </div>
      )}
    </div>
  );
}
