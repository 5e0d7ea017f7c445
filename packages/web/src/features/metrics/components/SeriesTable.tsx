import { useMemo, useState } from 'react';
import { formatValue, lastValue } from '../../../shared/chart/format.ts';
import type { Field } from '../../../shared/frame/frame.ts';
import { formatShort } from '../../../shared/time/range.ts';

interface Props {
  series: Field[];
  times: number[];
}

type SortKey = { col: string; desc: boolean };
const VALUE = '\u0000value';
const NAME = '__name__';

/** One row per series: its labels as columns and the last value in range; every column sorts. */
export function SeriesTable({ series, times }: Props) {
  const [sort, setSort] = useState<SortKey>({ col: VALUE, desc: true });
  const labelCols = useMemo(() => {
    const keys = new Set<string>();
    for (const f of series) for (const k of Object.keys(f.labels ?? {})) keys.add(k);
    // The metric name first, then labels alphabetically.
    return [...keys].sort((a, b) => (a === NAME ? -1 : b === NAME ? 1 : a.localeCompare(b)));
  }, [series]);

  const rows = useMemo(() => {
    const out = series.map((f) => {
      const last = lastValue(f.values as Array<number | null>);
      return { f, value: last.value, at: last.index >= 0 ? times[last.index] : undefined };
    });
    const dir = sort.desc ? -1 : 1;
    out.sort((a, b) => {
      if (sort.col === VALUE) {
        // Series without a value sort last in both directions.
        if (a.value === null || b.value === null) return a.value === null ? (b.value === null ? 0 : 1) : -1;
        return (a.value - b.value) * dir;
      }
      const av = a.f.labels?.[sort.col] ?? '';
      const bv = b.f.labels?.[sort.col] ?? '';
      return av.localeCompare(bv, undefined, { numeric: true }) * dir;
    });
    return out;
  }, [series, times, sort]);

  const header = (col: string, label: string, className?: string) => {
    const active = sort.col === col;
    return (
      <th className={className} aria-sort={active ? (sort.desc ? 'descending' : 'ascending') : 'none'}>
        <button
          type="button"
          className="sort-btn"
          data-testid={`sort-${col === VALUE ? 'value' : col}`}
          onClick={() => setSort({ col, desc: active ? !sort.desc : col === VALUE })}
        >
          {label}
          <span className="sort-mark">{active ? (sort.desc ? '▼' : '▲') : ''}</span>
        </button>
      </th>
    );
  };

  return (
    <div className="series-table-wrap">
      <table className="series-table" data-testid="series-table">
        <thead>
          <tr>
            <th className="c-swatch" />
            {labelCols.map((k) => header(k, k === NAME ? 'metric' : k))}
            {header(VALUE, 'last value', 'num')}
            <th className="c-at">at</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(({ f, value, at }) => (
            <tr key={f.name} data-testid="table-row" data-series={f.name}>
              <td className="c-swatch">
                <span className="swatch" style={{ background: f.config?.color }} />
              </td>
              {labelCols.map((k) => (
                <td key={k} className="mono" data-testid={`table-label-${k}`}>
                  {f.labels?.[k] ?? ''}
                </td>
              ))}
              <td className="num mono" data-testid="table-value">
                {formatValue(value)}
              </td>
              <td className="c-at muted">{at === undefined ? '' : formatShort(at)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
