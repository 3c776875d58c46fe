import { runStatuses, type RunStatus } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';

/**
 * What the scheduler and executors write about a schedule, kept apart from the schedule
 * document that only users write. FerretDB 1.x applies an update by reading the whole document
 * and writing it back, so two writers of one document can undo each other: the scheduler
 * advancing `next_run_at` could write back `paused: false` over a pause made in between. With
 * the split, user settings are never written by the scheduler; a user's `next_run_at: null` lost
 * to a racing advance is healed by fireDue, which re-reads the schedule before firing.
 */
export interface ScheduleStateDoc {
  /** The schedule's id. */
  _id: Types.ObjectId;
  /** The next slot to fire; null when paused or when a one-off has fired. */
  next_run_at: Date | null;
  last_run: { id: Types.ObjectId; status: RunStatus; nominal_at: Date; finished_at: Date | null } | null;
  /**
   * Counters kept with `$inc` as runs are recorded and end. The ledger is the truth: on
   * FerretDB 1.x an increment is a read and a separate write, so writers racing on one
   * schedule can lose a count; on MongoDB they are exact.
   */
  stats: { runs: number; succeeded: number; failed: number; timed_out: number; missed: number; cancelled: number };
}

const stateSchema = new Schema<ScheduleStateDoc>(
  {
    next_run_at: { type: Date, default: null },
    last_run: {
      type: new Schema(
        {
          id: { type: Schema.Types.ObjectId, required: true },
          status: { type: String, enum: runStatuses, required: true },
          nominal_at: { type: Date, required: true },
          finished_at: { type: Date, default: null },
        },
        { _id: false },
      ),
      default: null,
    },
    stats: {
      runs: { type: Number, default: 0 },
      succeeded: { type: Number, default: 0 },
      failed: { type: Number, default: 0 },
      timed_out: { type: Number, default: 0 },
      missed: { type: Number, default: 0 },
      cancelled: { type: Number, default: 0 },
    },
  },
  { versionKey: false, minimize: false },
);
// No index on next_run_at: the scheduler finds due slots in its in-memory due index
// (due-index.ts) and reads states by _id only.

export const ScheduleStateModel = model<ScheduleStateDoc>('ScheduleState', stateSchema, 'schedule_state');

/**
 * Moves last_run forward, never back: a slow older run finishing late does not hide a newer one.
 * One write, with the counters (`inc`) in it. `$max` compares embedded documents field by field,
 * in order (BSON comparison, on MongoDB and FerretDB alike), so with the slot first the run of
 * the later slot wins, then the later finish; and a guarded write (a read and a write here)
 * would cost one more round trip per finished run. Written through the driver: mongoose would
 * cast the value into the schema's field order, which is not the comparison order. A
 * `last_run` stored in the old order (id first) compares lower, so the next run replaces it.
 */
export async function recordLastRun(
  scheduleId: Types.ObjectId,
  lastRun: NonNullable<ScheduleStateDoc['last_run']>,
  inc: Record<string, number> = {},
) {
  const ordered = {
    nominal_at: lastRun.nominal_at,
    finished_at: lastRun.finished_at,
    id: lastRun.id,
    status: lastRun.status,
  };
  await ScheduleStateModel.collection.updateOne(
    { _id: scheduleId },
    { $max: { last_run: ordered }, ...(Object.keys(inc).length > 0 ? { $inc: inc } : {}) },
  );
}
