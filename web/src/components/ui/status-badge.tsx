import type { RunStatus } from '@crony/shared';

const labels: Record<RunStatus, string> = {
  queued: 'Queued',
  leased: 'Leased',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  timed_out: 'Timed out',
  preempted: 'Preempted',
  cancelled: 'Cancelled',
  missed: 'Missed',
};

export function statusLabel(status: RunStatus): string {
  return labels[status] ?? status;
}

/** A run status; `data-status` carries the raw value for styling and for tests. */
export function StatusBadge({ status }: { status: RunStatus }) {
  return (
    <span className="badge status" data-status={status}>
      <span className="dot" aria-hidden="true" />
      {statusLabel(status)}
    </span>
  );
}

/** Whether a schedule fires: "Active" or "Paused". */
export function PausedBadge({ paused }: { paused: boolean }) {
  return (
    <span className="badge state" data-state={paused ? 'paused' : 'active'}>
      <span className="dot" aria-hidden="true" />
      {paused ? 'Paused' : 'Active'}
    </span>
  );
}
