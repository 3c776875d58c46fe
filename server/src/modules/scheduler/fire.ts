import type { Types } from 'mongoose';
import { RunModel } from '../runs/run.model.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { compiledOf } from './when.ts';

const isDuplicateKey = (err: unknown) => (err as { code?: number })?.code === 11000;

/**
 * Fires the schedule's current slot: records the run, then advances `next_run_at`.
 * The run is inserted first and the ledger's unique (schedule, slot) index decides who fired
 * it, so a crash between the two steps re-fires the same slot harmlessly, and two schedulers
 * racing on the same slot produce one run. Returns the new run's id, or null when another
 * process had already fired the slot or the schedule changed meanwhile.
 */
export async function fireSlot(s: ScheduleDoc, now: Date): Promise<Types.ObjectId | null> {
  const slot = s.next_run_at;
  if (!slot) return null;
  // The schedule may have been edited, paused or deleted since the tick read it.
  const current = await ScheduleModel.findOne({ _id: s._id, next_run_at: slot, paused: false }).lean<ScheduleDoc>();
  if (!current) return null;

  let runId: Types.ObjectId | null = null;
  try {
    const run = await RunModel.create({
      tenant_id: current.tenant_id,
      schedule_id: current._id,
      schedule_name: current.name,
      slot: slot.toISOString(),
      trigger: 'schedule',
      status: 'queued',
      nominal_at: slot,
      attempt: 1,
    });
    runId = run._id;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
  }
  // TODO(issue 3): slots skipped by downtime are not yet recorded as `missed`; the
  // scheduler resumes from the next slot after now.
  const from = slot.getTime() > now.getTime() ? slot : now;
  const next = compiledOf(current).nextAfter(from);
  await ScheduleModel.updateOne({ _id: current._id, next_run_at: slot }, { $set: { next_run_at: next } });
  return runId;
}
