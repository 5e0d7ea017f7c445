import type { Run } from '@stellwerk/contracts';
import { useRef, useState } from 'react';
import { useDismiss } from '../../../shared/components/useDismiss.ts';
import { availableColumns, type ColumnId, type ColumnKind } from '../columns.ts';

const KIND_LABEL: Record<ColumnKind, string> = { metrics: 'Metrics', params: 'Params', tags: 'Tags' };

/** Which metrics, params and tags are columns; offers the keys of the runs on this page. */
export function ColumnPicker({
  runs,
  columns,
  onChange,
}: {
  runs: Run[];
  columns: ColumnId[];
  onChange: (cols: ColumnId[]) => void;
}) {
  const [open, setOpen] = useState(false);
  const [find, setFind] = useState('');
  const ref = useRef<HTMLDivElement>(null);
  useDismiss(ref, open, () => setOpen(false));
  const available = availableColumns(runs);
  // Columns chosen earlier stay listed even when no run on this page has them.
  for (const c of columns) {
    const [kind, ...rest] = c.split('.');
    const key = rest.join('.');
    const list = available[kind as ColumnKind];
    if (list && !list.includes(key)) list.push(key);
  }
  const toggle = (id: ColumnId) => onChange(columns.includes(id) ? columns.filter((c) => c !== id) : [...columns, id]);
  const needle = find.trim().toLowerCase();

  return (
    <div className="help-anchor" ref={ref}>
      <button
        type="button"
        className="btn btn-small"
        aria-expanded={open}
        onClick={() => setOpen((o) => !o)}
        data-testid="columns-button"
      >
        Columns ({columns.length})
      </button>
      {open && (
        <div className="popover column-picker" data-testid="column-picker">
          <input
            type="search"
            placeholder="Find a key"
            value={find}
            onChange={(e) => setFind(e.target.value)}
            aria-label="Find a column"
          />
          {(Object.keys(KIND_LABEL) as ColumnKind[]).map((kind) => {
            const keys = available[kind].filter((k) => !needle || k.toLowerCase().includes(needle));
            return (
              <fieldset key={kind} className="column-group">
                <legend className="popover-title">{KIND_LABEL[kind]}</legend>
                {keys.length === 0 ? (
                  <div className="muted small">none on this page</div>
                ) : (
                  keys.map((k) => {
                    const id = `${kind}.${k}`;
                    return (
                      <label key={id} className="builder-check">
                        <input
                          type="checkbox"
                          checked={columns.includes(id)}
                          onChange={() => toggle(id)}
                          data-testid="column-option"
                          data-column={id}
                        />
                        {k}
                      </label>
                    );
                  })
                )}
              </fieldset>
            );
          })}
          <div className="column-picker-foot">
            <button type="button" className="link-btn" onClick={() => onChange([])}>
              Remove all
            </button>
          </div>
        </div>
      )}
    </div>
  );
}
