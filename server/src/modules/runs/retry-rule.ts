import { limitsOf } from './limits.ts';
import type { RunDoc } from './run.model.ts';

/**
 * When the next attempt of a run whose current attempt ended with `outcome` may start; null
 * when the run ends instead.
 * - A preempted attempt is requeued at once and never counts against max_attempts: being
 *   stopped for someone else's sake is not the run's failure, so `max_attempts` counts the
 *   attempts that ran to an outcome of their own.
 * - Reaching the deadline ends the run: no retry can be on time any more. So does a retry
 *   whose backoff would only let it start at or after the deadline.
 * - Other failures retry after `backoffMs` while counted attempts remain.
 */
export function nextAttemptAt(
  run: Pick<RunDoc, 'attempt' | 'attempts' | 'max_attempts' | 'limits'>,
  outcome: { status: string; error: { code: string } | null },
  now: Date,
  backoffMs: number,
): Date | null {
  if (outcome.status === 'succeeded') return null;
  if (outcome.status === 'preempted') return now;
  if (outcome.error?.code === 'deadline_exceeded') return null;
  const preempted = run.attempts.filter((a) => a.status === 'preempted' && a.attempt !== run.attempt).length;
  if (run.attempt - preempted >= run.max_attempts) return null;
  const at = new Date(now.getTime() + backoffMs);
  const deadline = limitsOf(run).deadline_at;
  if (deadline && at.getTime() >= deadline.getTime()) return null;
  return at;
}
