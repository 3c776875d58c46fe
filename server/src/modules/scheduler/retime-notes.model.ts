import { Schema, Types, model } from 'mongoose';
import { scheduleCache } from './schedule-cache.ts';

/**
 * A note that a schedule or its `next_run_at` was written by someone other than the scheduler
 * (created, edited, paused, retimed, resumed, deleted), for the due index (due-index.ts) and the
 * schedule copies (schedule-cache.ts) of every scheduler process. Writers add one after their
 * write and before they answer. The index reads the whole collection each tick, and again
 * after each slot's instant before firing it: a schedule created now fires at its first slot,
 * and a pause, edit or delete acknowledged before a slot applies to that slot. Notes are pruned
 * after NOTE_TTL_MS (FerretDB 1.x has no TTL index); an index that did not look for longer than
 * half of that reloads instead of catching up.
 * (The collection keeps its first name, `schedule_retimes`, from when only retimes left notes.)
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

/**
 * Tells every scheduler that these schedules were written (call after the write). This
 * process drops its own copies at once, so that its next read or list shows the write; the
 * others drop theirs when they read the note.
 */
export async function noteRetimed(scheduleIds: readonly Types.ObjectId[], now = new Date()): Promise<void> {
  if (scheduleIds.length === 0) return;
  await RetimeNoteModel.collection.insertMany(
    scheduleIds.map((id) => ({ _id: new Types.ObjectId(), schedule_id: id, at: now })),
    { ordered: false },
  );
  scheduleCache.forget(scheduleIds.map(String));
}
