import { runStatuses, type RunStatus } from '@crony/shared';
import { Schema, model, type Types } from 'mongoose';
import { Copies } from '../../db/copies.ts';
import { inTurn } from '../../db/update-if.ts';
import { batchedInsert, batchedUpdate } from '../../db/write-batch.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';

/**
 * What ending runs write about a schedule, kept apart from the schedule document that only
 * users write. FerretDB 1.x applies an update by reading the whole document and writing it
 * back, so two writers of one document can undo each other (measured: of 100 concurrent `$inc`
 * racing 100 `$set` on one document, 44 counted). With the split, a run ending can never write
 * back a pause, resume or edit made in between: the schedule's own `next_run_at` and `paused`
 * live on its document. Here the only writers are ending runs (and slots recorded missed), and
 * `recordLastRun` sends one process's writes for a schedule one at a time (`inTurn`); writers
 * in two processes racing on one schedule can still lose a count on FerretDB (on MongoDB they
 * are exact).
 */
export interface ScheduleStateDoc {
  /** The schedule's id. */
  _id: Types.ObjectId;
  /**
   * The latest slot whose run ended or was recorded missed, and the slot after it as the
   * schedule stood when that run was recorded (null: a one-off, nothing after it). Moved
   * forward with `$max` by the write that records `last_run`, so it costs no write of its own.
   */
  fired?: { slot: Date; next: Date | null } | null;
  last_run: { id: Types.ObjectId; status: RunStatus; nominal_at: Date; finished_at: Date | null } | null;
  /**
   * Runs that ended, by outcome, kept with `$inc` as they end (the API adds the active ones,
   * from the run queue, for `runs`). The ledger is the truth: exact on MongoDB, and on FerretDB
   * as long as one process ends a schedule's runs at a time (see above).
   */
  stats: { succeeded: number; failed: number; timed_out: number; missed: number; cancelled: number };
}

const stateSchema = new Schema<ScheduleStateDoc>(
  {
    fired: {
      type: new Schema({ slot: { type: Date, required: true }, next: { type: Date, default: null } }, { _id: false }),
      default: null,
    },
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
      succeeded: { type: Number, default: 0 },
      failed: { type: Number, default: 0 },
      timed_out: { type: Number, default: 0 },
      missed: { type: Number, default: 0 },
      cancelled: { type: Number, default: 0 },
    },
  },
  { versionKey: false, minimize: false },
);
// Read by _id only: the scheduler finds due slots in its in-memory due index (due-index.ts).

export const ScheduleStateModel = model<ScheduleStateDoc>('ScheduleState', stateSchema, 'schedule_state');

/** The states the API read, kept while nothing writes them; every write of a state goes through it. */
export const stateCopies = new Copies<ScheduleStateDoc>();

/** Stores a new schedule's state, batched with the states of other schedules created at once. */
export async function createState(scheduleId: Types.ObjectId): Promise<ScheduleStateDoc> {
  const state: ScheduleStateDoc = {
    _id: scheduleId,
    fired: null,
    last_run: null,
    stats: { succeeded: 0, failed: 0, timed_out: 0, missed: 0, cancelled: 0 },
  };
  await stateCopies.write([scheduleId.toHexString()], () => batchedInsert(ScheduleStateModel, state));
  return state;
}

/** Deletes a schedule's state (the schedule was deleted, or its creation failed). */
export async function deleteState(scheduleId: Types.ObjectId): Promise<void> {
  await stateCopies.write([scheduleId.toHexString()], () => ScheduleStateModel.deleteOne({ _id: scheduleId }));
}

/** The state's fields `nextSlotOf` reads, as a projection. */
export const FIRED_FIELDS = { _id: 1, fired: 1 } as const;

/**
 * The schedule's next slot: the one its last retiming write stored (`next_run_at` on the
 * schedule), unless runs of that slot or later have since ended, in which case the slot after
 * the latest of them. Edits, pauses and resumes set `next_run_at` from the time they are made,
 * which is after every slot fired before, so a write of the schedule always wins over what
 * firing recorded before it; a pause (null) wins outright. While a fired run is still in
 * flight this lags behind the firing process's own cursor by that slot: a reader that fires
 * from it has the ledger refuse the slot again.
 */
export function nextSlotOf(
  s: Pick<ScheduleDoc, 'next_run_at'>,
  state: Pick<ScheduleStateDoc, 'fired'> | null | undefined,
): Date | null {
  const stored = s.next_run_at ?? null;
  const fired = state?.fired;
  if (!stored || !fired || fired.slot.getTime() < stored.getTime()) return stored;
  return fired.next;
}

/** A finished scheduled run's slot and the slot after it, for `fired` (manual runs have none). */
export type FiredSlot = NonNullable<ScheduleStateDoc['fired']>;

/**
 * Moves last_run forward, never back: a slow older run finishing late does not hide a newer one.
 * One write, with the counters (`inc`) and, for a scheduled run, how far firing got (`fired`)
 * in it: that is the only write of the schedule's state a run costs. `$max` compares embedded
 * documents field by field, in order (BSON comparison, on MongoDB and FerretDB alike), so with
 * the slot first the run of the later slot wins, then the later finish; and a guarded write (a
 * read and a write here) would cost one more round trip per finished run. Written through the
 * driver: mongoose would cast the value into the schema's field order, which is not the
 * comparison order. A `last_run` stored in the old order (id first) compares lower, so the next
 * run replaces it. Runs of one schedule ending together in this process write in turn.
 */
export async function recordLastRun(
  scheduleId: Types.ObjectId,
  lastRun: NonNullable<ScheduleStateDoc['last_run']>,
  inc: Record<string, number> = {},
  fired?: FiredSlot,
) {
  const ordered = {
    nominal_at: lastRun.nominal_at,
    finished_at: lastRun.finished_at,
    id: lastRun.id,
    status: lastRun.status,
  };
  const max: Record<string, unknown> = { last_run: ordered };
  if (fired) max.fired = { slot: fired.slot, next: fired.next };
  await stateCopies.write([scheduleId.toHexString()], () =>
    inTurn(ScheduleStateModel, scheduleId, () =>
      batchedUpdate(ScheduleStateModel, scheduleId, {
        $max: max,
        ...(Object.keys(inc).length > 0 ? { $inc: inc } : {}),
      }),
    ),
  );
}
