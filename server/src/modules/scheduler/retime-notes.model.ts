import { Schema, Types, model } from 'mongoose';
import { setBounded } from '../../db/set-bounded.ts';
import { batchedInsert } from '../../db/write-batch.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
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
  await Promise.all(scheduleIds.map((id) => insertNote(new Types.ObjectId(), id, now)));
  scheduleCache.forget(scheduleIds.map(String));
}

/** Batched with the notes of other requests (one command for the schedules created at once). */
const insertNote = (_id: Types.ObjectId, scheduleId: Types.ObjectId, at: Date) =>
  batchedInsert(RetimeNoteModel, { _id, schedule_id: scheduleId, at });

/** Most creations remembered for `createdWith`; the oldest go first. */
const MAX_CREATED = 10_000;
/** Schedules this process created, by the id of the note each left. */
const created = new Map<string, ScheduleDoc>();

/**
 * `noteRetimed` for a schedule this process just created, remembering the document, so that
 * this process's due index applies the note from it (`createdWith`) instead of reading the
 * schedule and its state back: at 200 creations a second those two reads were most of what a
 * creation cost the database (counted). Other processes read it back as for any note. A process
 * whose due index does not follow the notes (no scheduler here, or another holds the lock)
 * remembers nothing, since nothing here would take it.
 */
export async function noteCreated(doc: ScheduleDoc, now = new Date()): Promise<void> {
  const _id = new Types.ObjectId();
  if (scheduleCache.following) setBounded(created, _id.toHexString(), doc, MAX_CREATED);
  try {
    await insertNote(_id, doc._id, now);
  } catch (err) {
    created.delete(_id.toHexString());
    throw err;
  }
}

/** The schedule created here that left note `noteId`, once; undefined for any other note. */
export function createdWith(noteId: Types.ObjectId): ScheduleDoc | undefined {
  const key = noteId.toHexString();
  const doc = created.get(key);
  created.delete(key);
  return doc;
}
