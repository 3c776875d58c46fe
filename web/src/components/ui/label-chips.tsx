/** Labels as `key=value` chips (a bare `key` when the value is empty). */
export function LabelChips({ labels }: { labels: Record<string, string> }) {
  const entries = Object.entries(labels);
  if (entries.length === 0) return <span className="muted">—</span>;
  return (
    <span className="label-chips">
      {entries.map(([k, v]) => (
        <span key={k} className="label-chip mono small">
          {v === '' ? k : `${k}=${v}`}
        </span>
      ))}
    </span>
  );
}
