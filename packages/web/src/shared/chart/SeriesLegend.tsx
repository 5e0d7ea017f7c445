import type { Field } from '../frame/frame.ts';
import { formatValue, lastValue } from './format.ts';

interface Props {
  series: Field[];
  hidden: Set<string>;
  onToggle: (name: string, only: boolean) => void;
  /** How the last value is written (default: short numbers). */
  format?: (v: number | null) => string;
}

/** Label sets with their color and last value; click hides a series, Ctrl/⌘-click shows only it. */
export function SeriesLegend({ series, hidden, onToggle, format = formatValue }: Props) {
  return (
    <ul className="series-legend" data-testid="legend">
      {series.map((f) => {
        const off = hidden.has(f.name);
        const last = lastValue(f.values as Array<number | null>).value;
        return (
          <li key={f.name}>
            <button
              type="button"
              className={`legend-item${off ? ' off' : ''}`}
              aria-pressed={!off}
              title={`${f.config?.displayName ?? f.name}\nClick to hide or show, Ctrl/⌘-click to show only this`}
              data-testid="legend-item"
              data-series={f.name}
              onClick={(e) => onToggle(f.name, e.ctrlKey || e.metaKey)}
            >
              <span
                className="swatch"
                style={{ background: off ? 'transparent' : f.config?.color, borderColor: f.config?.color }}
              />
              <span className="legend-name mono">{f.config?.displayName ?? f.name}</span>
              <span className="legend-value mono">{format(last)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}
