import { DEFAULT_PRIORITY } from '@crony/shared';
import type { Types } from 'mongoose';

/**
 * The scheduling limits a run carries, snapshotted when its slot fires (like its target and
 * retry policy), so editing a profile or schedule does not change runs already in flight.
 */
export interface RunLimits {
  /** Higher first; see dispatch-order.ts. */
  priority: number;
  /** A queued run not started by then is `missed`; a running one is stopped (`timed_out`). */
  deadline_at: Date | null;
  /** A running attempt is stopped (`timed_out`) this long after it started, in ms. */
  max_runtime_ms: number | null;
  /** The profile whose `max_concurrent` this run counts against. */
  profile_id: Types.ObjectId | null;
  /** How many runs of `profile_id` may run at once, across every executor; null = no limit. */
  max_concurrent: number | null;
  /** Whether this run may be stopped to make room for a run of higher priority. */
  allow_preemption: boolean;
  /** The profile's name, only to word `wait_reason`; the id is shown when absent. */
  profile_name?: string | null;
}

/** What a run gets when nothing sets its limits. */
export const defaultLimits = (): RunLimits => ({
  priority: DEFAULT_PRIORITY,
  deadline_at: null,
  max_runtime_ms: null,
  profile_id: null,
  max_concurrent: null,
  allow_preemption: false,
});

/** Runs stored before limits existed have none: read them as the defaults. */
export const limitsOf = (run: { limits?: RunLimits | null }): RunLimits => run.limits ?? defaultLimits();

/**
 * Whether a run counts against a concurrency limit, from its limits or its queue entry (which
 * carries the same two fields; entries queued before limits existed lack them: unlimited).
 */
export const isLimited = <L extends Partial<Pick<RunLimits, 'profile_id' | 'max_concurrent'>>>(
  l: L,
): l is L & { profile_id: Types.ObjectId; max_concurrent: number } =>
  !!l.profile_id && typeof l.max_concurrent === 'number';

/**
 * The instant a running attempt that started at `startedAt` must be stopped, and why: the
 * earlier of the run's deadline and its runtime limit; null when it may run unbounded.
 */
export function stopAt(
  l: RunLimits,
  startedAt: Date,
): { at: Date; code: 'deadline_exceeded' | 'max_runtime_exceeded' } | null {
  const runtime = l.max_runtime_ms === null ? null : new Date(startedAt.getTime() + l.max_runtime_ms);
  if (l.deadline_at && (!runtime || l.deadline_at.getTime() <= runtime.getTime())) {
    return { at: l.deadline_at, code: 'deadline_exceeded' };
  }
  return runtime ? { at: runtime, code: 'max_runtime_exceeded' } : null;
}
