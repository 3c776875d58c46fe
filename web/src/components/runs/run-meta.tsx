import { finalRunStatuses, type Run } from '@crony/shared';
import { DateTime } from '../ui/time.tsx';

/**
 * Words for a run's `reason`: a short form for tables and badges, and a sentence for a `title`
 * or the run page. Unknown reasons (a newer server) show as they come.
 */
const reasons: Record<string, { short: string; long: string }> = {
  misfire: {
    short: 'misfire',
    long: 'The slot passed while the scheduler could not fire it, and the misfire policy did not run it.',
  },
  catchup_window: {
    short: 'past catch-up window',
    long: 'The slot was older than the catch-up window when the scheduler caught up.',
  },
  overlap: {
    short: 'overlap',
    long: 'An earlier run of the schedule was still active (concurrency policy).',
  },
  replaced: {
    short: 'replaced',
    long: 'Cancelled by a newer run of the schedule (concurrency policy “replace”).',
  },
  user: { short: 'by a user', long: 'Cancelled by a person.' },
  manual: { short: 'manual', long: 'Started by a person with “Run now”.' },
  deadline: { short: 'deadline', long: 'It could not start before its deadline.' },
};

export function reasonShort(reason: string): string {
  return reasons[reason]?.short ?? reason;
}

export function reasonLong(reason: string): string {
  return reasons[reason]?.long ?? reason;
}

/** The reason beside a missed or cancelled status; nothing for other runs. */
export function RunReason({ run }: { run: Pick<Run, 'status' | 'reason'> }) {
  if (!run.reason || (run.status !== 'missed' && run.status !== 'cancelled')) return null;
  return (
    <span className="reason" data-reason={run.reason} title={reasonLong(run.reason)}>
      {reasonShort(run.reason)}
    </span>
  );
}

/**
 * "2/3" when the run may take more than one attempt: always while it is live, and once it is
 * final only if it needed a retry ("Succeeded 1/3" on every healthy run is noise, and reads
 * like "1 of 3 succeeded").
 */
export function AttemptCount({ run }: { run: Pick<Run, 'attempt' | 'max_attempts' | 'status'> }) {
  if (run.max_attempts <= 1 || run.status === 'missed') return null;
  if (run.attempt === 1 && finalRunStatuses.includes(run.status)) return null;
  return (
    <span className="attempt-count" title={`Attempt ${run.attempt} of ${run.max_attempts}`}>
      {run.attempt}/{run.max_attempts}
    </span>
  );
}

/** The default priority (server: DEFAULT_PRIORITY); only other values are worth a mention in lists. */
const DEFAULT_PRIORITY = 100;

/**
 * Rows for the run page's property list: dispatch priority, deadline and, while a due run
 * waits (e.g. for a place in its profile's concurrency limit), why.
 */
export function DispatchProps({ run: r }: { run: Pick<Run, 'priority' | 'deadline_at' | 'wait_reason' | 'limits'> }) {
  return (
    <>
      <dt>Priority</dt>
      <dd data-testid="run-priority">
        {r.priority}
        {r.priority === DEFAULT_PRIORITY ? <span className="muted small"> (default)</span> : null}
        {r.limits.allow_preemption ? <span className="muted small"> · may be preempted</span> : null}
      </dd>
      <dt>Deadline</dt>
      <dd data-testid="run-deadline">
        {r.deadline_at ? <DateTime iso={r.deadline_at} /> : <span className="muted">None</span>}
      </dd>
      {r.limits.max_runtime_ms !== null ? (
        <>
          <dt>Max runtime</dt>
          <dd>{Math.round(r.limits.max_runtime_ms / 1000)} s per attempt</dd>
        </>
      ) : null}
      {r.wait_reason ? (
        <>
          <dt>Waiting</dt>
          <dd data-testid="run-wait-reason">{r.wait_reason}</dd>
        </>
      ) : null}
    </>
  );
}

/** Preempted attempts do not count against max_attempts, so "3 of 2" needs a word. */
export function PreemptedNote({ attempts }: { attempts: Run['attempts'] }) {
  const n = attempts.filter((a) => a.status === 'preempted').length;
  if (n === 0) return null;
  return <span className="muted small"> ({n} preempted, not counted)</span>;
}

export function ManualTag({ run }: { run: Pick<Run, 'trigger'> }) {
  if (run.trigger !== 'manual') return null;
  return (
    <span className="tag manual" title="Started with “Run now”, outside the schedule’s slots">
      manual
    </span>
  );
}
