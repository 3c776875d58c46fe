/**
 * Deciding the fate of due slots: which run, and which are recorded `missed` and why. Pure, so
 * every policy is tested without a database or a clock.
 */

export type MisfirePolicy = 'run_once' | 'run_all' | 'skip';
export type ConcurrencyPolicy = 'allow' | 'forbid' | 'replace';

/**
 * A slot fired later than this after its instant is a misfire (the scheduler or database was
 * down, or the process was stopped); within it, a slot simply runs a little late. Ten seconds
 * covers restarts of a single process and garbage-collection pauses, while a real outage
 * still follows the misfire policy.
 */
export const MISFIRE_GRACE_MS = 10_000;

export type Decision =
  { slot: Date; action: 'run' } | { slot: Date; action: 'missed'; reason: 'misfire' | 'catchup_window' | 'overlap' };

export interface PlanInput {
  /** Due slots, oldest first, none after `now`. */
  slots: readonly Date[];
  now: Date;
  misfirePolicy: MisfirePolicy;
  /** Slots older than this (ms before `now`) never run; they are `missed` with reason `catchup_window`. */
  catchupWindowMs: number;
  concurrencyPolicy: ConcurrencyPolicy;
  /** Whether an earlier run of the schedule is still queued or running. */
  activeRun: boolean;
  graceMs?: number;
}

export interface Plan {
  decisions: Decision[];
  /** Under `replace`: the active runs must be cancelled because a new one starts. */
  cancelActive: boolean;
}

export function planSlots(input: PlanInput): Plan {
  const grace = input.graceMs ?? MISFIRE_GRACE_MS;
  const now = input.now.getTime();
  const late = (d: Date) => now - d.getTime() > grace;
  const tooOld = (d: Date) => now - d.getTime() > input.catchupWindowMs;

  // Misfire policy first: which slots would run if nothing else were running.
  const anyOnTime = input.slots.some((d) => !late(d));
  const lastCatchable = [...input.slots].reverse().find((d) => late(d) && !tooOld(d));
  const decisions: Decision[] = input.slots.map((slot) => {
    if (!late(slot)) return { slot, action: 'run' };
    if (tooOld(slot)) return { slot, action: 'missed', reason: 'catchup_window' };
    switch (input.misfirePolicy) {
      case 'run_all':
        return { slot, action: 'run' };
      case 'run_once':
        // The latest slot runs; an on-time slot is later than any misfired one.
        return !anyOnTime && slot === lastCatchable
          ? { slot, action: 'run' }
          : { slot, action: 'missed', reason: 'misfire' };
      case 'skip':
        return { slot, action: 'missed', reason: 'misfire' };
    }
  });

  // Then overlap: runs of this batch overlap each other as well as any active run.
  const runs = decisions.filter((d) => d.action === 'run');
  let cancelActive = false;
  if (runs.length > 0 && input.concurrencyPolicy !== 'allow') {
    const keep = input.concurrencyPolicy === 'forbid' ? (input.activeRun ? null : runs[0]) : runs[runs.length - 1];
    cancelActive = input.concurrencyPolicy === 'replace' && input.activeRun;
    for (let i = 0; i < decisions.length; i++) {
      const d = decisions[i]!;
      if (d.action === 'run' && d !== keep) decisions[i] = { slot: d.slot, action: 'missed', reason: 'overlap' };
    }
  }
  return { decisions, cancelActive };
}
