import type { ImmediateExecutor } from './fire.ts';
import { stillUnstarted, withdrawUnstarted, type Lease } from '../runs/lifecycle.ts';
import type { RunDoc } from '../runs/run.model.ts';

/**
 * The executor a slot recorded ahead of its instant is fired with (FireOptions.ahead): it
 * reserves slots of the real executor, and holds the runs recorded for the ticker to start at
 * the slot's instant (`startHeld`).
 */
export class HeldStarts implements ImmediateExecutor {
  readonly runs: { run: RunDoc; lease: Lease }[] = [];

  constructor(private readonly executor: ImmediateExecutor) {}

  reserve(run: RunDoc, wait?: boolean): Promise<string | null> {
    return this.executor.reserve(run, wait);
  }

  startRecorded(run: RunDoc, lease: Lease): void {
    this.runs.push({ run, lease });
  }

  release(): void {
    this.executor.release();
  }
}

/**
 * At the slot's instant: starts each held run, unless the schedule changed since it was
 * recorded (`unchanged` false: a pause, an edit or a delete acknowledged before the instant),
 * which withdraws it so that the slot fires as the schedule now stands, or unless something
 * wrote the run meanwhile (a cancel), which frees its slot. Returns how many started; a run
 * whose check or withdrawal failed frees its slot (its lease lapses, and the reaper ends the
 * attempt), and the first such error is thrown once every run was seen to.
 */
export async function startHeld(held: HeldStarts, executor: ImmediateExecutor, unchanged: boolean): Promise<number> {
  let started = 0;
  const errors: unknown[] = [];
  for (const { run, lease } of held.runs) {
    try {
      if (unchanged && (await stillUnstarted(lease))) {
        executor.startRecorded(run, lease);
        started++;
        continue;
      }
      if (!unchanged) await withdrawUnstarted(lease);
    } catch (err) {
      errors.push(err);
    }
    executor.release();
  }
  if (errors.length > 0) throw errors[0];
  return started;
}
