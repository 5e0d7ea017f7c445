/** Params or tags of a run, sorted by key. */
export function KeyValueTable({
  title,
  entries,
  testId,
  empty,
  hide,
}: {
  title: string;
  entries: Record<string, string>;
  testId: string;
  empty: string;
  /** Keys shown elsewhere on the page. */
  hide?: (key: string) => boolean;
}) {
  const rows = Object.entries(entries)
    .filter(([k]) => !hide?.(k))
    .sort(([a], [b]) => a.localeCompare(b));
  return (
    <section className="panel kv-panel" data-testid={testId}>
      <header className="panel-head">
        <span>{title}</span>
        <span className="muted right">{rows.length}</span>
      </header>
      {rows.length === 0 ? (
        <div className="muted kv-empty">{empty}</div>
      ) : (
        <div className="kv-scroll">
          <table className="kv-table">
            <tbody>
              {rows.map(([k, v]) => (
                <tr key={k} data-testid="kv-row" data-key={k}>
                  <td className="f-name mono" title={k}>
                    {k}
                  </td>
                  <td className="f-value mono" data-testid="kv-value">
                    {v}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
