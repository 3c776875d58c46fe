import { updateIf } from '../../db/update-if.ts';
import { runsMissed } from '../hooks/emit.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { recordOutcome, stopAttempt } from './lifecycle.ts';
import { limitsOf, stopAt } from './limits.ts';
import { dequeue, QueueModel, type QueueDoc } from './queue.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';

/** Most queue entries one sweep handles; the next sweep takes the rest. */
const SWEEP_BOUND = 500;

/**
 * Real-time limits, swept from the queue of active runs (small, so this scan is cheap):
 * - a queued run not started by its deadline is recorded `missed`, reason `deadline`;
 * - a running attempt at its deadline, or past its profile's max runtime, is stopped and
 *   recorded `timed_out` with error code `deadline_exceeded` or `max_runtime_exceeded`.
 * Both go through the normal finish paths, so schedule counters and last_run stay right.
 */
export async function enforceTimeLimits(now = new Date()): Promise<{ missed: number; timed_out: number }> {
  const entries = await QueueModel.find({
    $or: [
      { status: 'queued', deadline_at: { $ne: null, $lte: now } },
      { status: 'running', stop_at: { $ne: null, $lte: now } },
    ],
  })
    .limit(SWEEP_BOUND)
    .lean<QueueDoc[]>();
  const out = { missed: 0, timed_out: 0 };
  for (const entry of entries) {
    const run = await RunModel.findById(entry._id).lean<RunDoc>();
    if (!run) continue; // the reaper drops entries without a run
    if (run.status === 'queued') {
      if (await missDeadline(run, now)) out.missed++;
    } else if (run.status === 'running') {
      const started = run.attempts.find((a) => a.attempt === run.attempt)?.started_at ?? run.started_at ?? now;
      const stop = stopAt(limitsOf(run), started);
      if (stop && stop.at.getTime() <= now.getTime() && (await stopAttempt(run, stop.code, now))) out.timed_out++;
    }
  }
  return out;
}

/** Records a queued run that can no longer start on time as `missed` (reason `deadline`). */
async function missDeadline(run: RunDoc, now: Date): Promise<boolean> {
  const deadline = limitsOf(run).deadline_at;
  if (!deadline || deadline.getTime() > now.getTime()) return false;
  const missed = await updateIf(
    RunModel,
    run._id,
    { status: 'queued', epoch: run.epoch },
    {
      $set: {
        status: 'missed',
        reason: 'deadline',
        finished_at: now,
        error: { code: 'deadline', message: `not started by its deadline (${deadline.toISOString()})` },
      },
    },
  );
  if (!missed) return false;
  await recordOutcome(run, 'missed', now);
  await dequeue(run._id);
  // Like a slot missed at fire time: an `errors` entry and the missed hook.
  const schedule = await ScheduleModel.findById(run.schedule_id).lean<ScheduleDoc>();
  if (schedule) await runsMissed(schedule, [{ ...run, status: 'missed', reason: 'deadline' }], now);
  return true;
}
