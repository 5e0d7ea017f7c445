import type { XAxis } from '../api/frames.ts';

const LABELS: Record<XAxis, string> = { step: 'Step', time: 'Time', elapsed: 'Time since start' };

/** Step or time on the x axis of every metric chart on the page. */
export function AxisToggle({
  value,
  options,
  onChange,
}: {
  value: XAxis;
  options: XAxis[];
  onChange: (x: XAxis) => void;
}) {
  return (
    <div className="seg" role="tablist" aria-label="X axis">
      {options.map((o) => (
        <button
          key={o}
          type="button"
          role="tab"
          aria-selected={value === o}
          className={`seg-btn${value === o ? ' on' : ''}`}
          onClick={() => onChange(o)}
          data-testid={`axis-${o}`}
        >
          {LABELS[o]}
        </button>
      ))}
    </div>
  );
}
