import { Schema, Types, model } from 'mongoose';

/**
 * A note that a schedule's `next_run_at` was set by someone other than the scheduler (created,
 * retimed, resumed), for the due index (due-index.ts) of every scheduler process. Writers add
 * one after their write and before they answer; the index reads the whole collection each tick,
 * so a schedule created now fires at its first slot. Only writes that can make a schedule due
 * sooner need a note: a pause or a delete is found when the index re-reads the schedule's state
 * at its next slot. Notes are pruned after NOTE_TTL_MS (FerretDB 1.x has no TTL index); an index
 * that did not look for longer than half of that reloads instead of catching up.
 */
export interface RetimeNoteDoc {
  _id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  at: Date;
}

export const NOTE_TTL_MS = 5 * 60_000;

const noteSchema = new Schema<RetimeNoteDoc>(
  {
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
  },
  { versionKey: false },
);

export const RetimeNoteModel = model<RetimeNoteDoc>('RetimeNote', noteSchema, 'schedule_retimes');

/** Tells every scheduler that these schedules' next slots were set (call after the write). */
export async function noteRetimed(scheduleIds: readonly Types.ObjectId[], now = new Date()): Promise<void> {
  if (scheduleIds.length === 0) return;
  await RetimeNoteModel.collection.insertMany(
    scheduleIds.map((id) => ({ _id: new Types.ObjectId(), schedule_id: id, at: now })),
    { ordered: false },
  );
}
