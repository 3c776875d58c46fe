import type { Schedule } from '@crony/shared';
import { StatusBadge } from '../ui/status-badge.tsx';
import { RelativeTime } from '../ui/time.tsx';

/** A schedule's latest run: its status and how long ago it ended (or was due); `layout` is the wrapper's class. */
export function LastResult({ run, layout }: { run: Schedule['last_run']; layout: 'stacked' | 'inline-gap' }) {
  if (!run) return <span className="muted">No runs yet</span>;
  return (
    <span className={layout}>
      <StatusBadge status={run.status} />
      <span className="muted small">
        <RelativeTime iso={run.finished_at ?? run.nominal_at} />
      </span>
    </span>
  );
}
