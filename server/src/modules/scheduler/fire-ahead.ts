import type { ImmediateExecutor } from './fire.ts';
import { stillUnstarted, withdrawUnstarted, type Lease } from '../runs/lifecycle.ts';
import type { RunDoc } from '../runs/run.model.ts';

/**
 * The executor a slot recorded ahead of its instant is fired with (FireOptions.ahead): it
 * reserves a slot of the real executor, and holds the run recorded for the ticker to start at
 * the slot's instant (`startHeld`). A firing ahead records one slot, so it holds one run at most.
 */
export class HeldStarts implements ImmediateExecutor {
  held: { run: RunDoc; lease: Lease } | null = null;

  constructor(private readonly executor: ImmediateExecutor) {}

  reserve(run: RunDoc, wait?: boolean): Promise<string | null> {
    return this.executor.reserve(run, wait);
  }

  startRecorded(run: RunDoc, lease: Lease): void {
    this.held = { run, lease };
  }

  release(): void {
    this.executor.release();
  }
}

/**
 * At the slot's instant: starts the held run, unless the schedule changed since it was recorded
 * (`unchanged` false: a pause, an edit or a delete acknowledged before the instant), which
 * withdraws it so that the slot fires as the schedule now stands, or unless something wrote the
 * run meanwhile (a cancel). True when it started. A run not started frees its executor slot,
 * also when its check or its withdrawal fails (its lease then lapses, and the reaper ends the
 * attempt).
 */
export async function startHeld(held: HeldStarts, executor: ImmediateExecutor, unchanged: boolean): Promise<boolean> {
  if (!held.held) return false;
  const { run, lease } = held.held;
  let started = false;
  try {
    if (unchanged && (await stillUnstarted(lease))) {
      executor.startRecorded(run, lease);
      started = true;
    } else if (!unchanged) {
      await withdrawUnstarted(lease);
    }
  } finally {
    if (!started) executor.release();
  }
  return started;
}
