import { useEffect, useRef, useState } from 'react';
import { describeRange, fromLocalInput, PRESETS, REFRESH_OPTIONS, toLocalInput } from '../time/range.ts';
import { useTime } from '../time/TimeContext.tsx';
import { useDismiss } from './useDismiss.ts';

export function TimeRangePicker() {
  const { raw, abs, setRange } = useTime();
  const [open, setOpen] = useState(false);
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [invalid, setInvalid] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, open, () => setOpen(false));

  useEffect(() => {
    if (open) {
      setFrom(toLocalInput(abs.fromMs));
      setTo(toLocalInput(abs.toMs));
      setInvalid('');
    }
  }, [open, abs.fromMs, abs.toMs]);

  const apply = () => {
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (f === undefined || t === undefined) return setInvalid('Enter both dates.');
    if (f >= t) return setInvalid('"From" must be before "to".');
    setRange({ from: String(f), to: String(t) });
    setOpen(false);
  };

  // Zooming out doubles the span around its centre, a quick way to widen an empty search.
  const zoomOut = () => {
    const span = abs.toMs - abs.fromMs;
    const toMs = Math.min(Date.now(), abs.toMs + span / 2);
    setRange({ from: String(Math.round(toMs - span * 2)), to: String(Math.round(toMs)) });
  };

  return (
    <div className="picker" ref={ref}>
      <button
        type="button"
        className="btn picker-button"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="time-range-button"
      >
        <ClockIcon />
        {describeRange(raw)}
      </button>
      <button type="button" className="btn btn-icon" title="Zoom out (double the range)" onClick={zoomOut}>
        −
      </button>
      {open && (
        <div className="popover picker-popover" data-testid="time-range-popover">
          <div className="picker-presets">
            <div className="popover-title">Relative</div>
            {PRESETS.map((p) => (
              <button
                type="button"
                key={p.from}
                className={`menu-item${raw.from === p.from && raw.to === 'now' ? ' active' : ''}`}
                onClick={() => {
                  setRange({ from: p.from, to: 'now' });
                  setOpen(false);
                }}
              >
                {p.label}
              </button>
            ))}
          </div>
          <form
            className="picker-absolute"
            onSubmit={(e) => {
              e.preventDefault();
              apply();
            }}
          >
            <div className="popover-title">Absolute (local time)</div>
            <label>
              From
              <input
                type="datetime-local"
                step={1}
                value={from}
                onChange={(e) => setFrom(e.target.value)}
                data-testid="time-from"
              />
            </label>
            <label>
              To
              <input
                type="datetime-local"
                step={1}
                value={to}
                onChange={(e) => setTo(e.target.value)}
                data-testid="time-to"
              />
            </label>
            {invalid && <div className="field-error">{invalid}</div>}
            <button type="submit" className="btn btn-primary">
              Apply range
            </button>
          </form>
        </div>
      )}
    </div>
  );
}

export function RefreshPicker() {
  const { refresh, setRefresh, refreshNow } = useTime();
  return (
    <div className="refresh">
      <button type="button" className="btn" onClick={refreshNow} title="Refresh now" data-testid="refresh-now">
        ↻ Refresh
      </button>
      <label className="refresh-select">
        <span className="sr-only">Auto-refresh</span>
        <select value={refresh} onChange={(e) => setRefresh(e.target.value)} data-testid="auto-refresh">
          {REFRESH_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.value ? `Auto ${o.label}` : 'Auto-refresh off'}
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}

function ClockIcon() {
  return (
    <svg width="14" height="14" viewBox="0 0 16 16" aria-hidden="true">
      <circle cx="8" cy="8" r="6.5" fill="none" stroke="currentColor" strokeWidth="1.4" />
      <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.4" strokeLinecap="round" />
    </svg>
  );
}
