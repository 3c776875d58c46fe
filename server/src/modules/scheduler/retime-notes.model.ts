import { Schema, Types, model } from 'mongoose';
import { setBounded } from '../../db/set-bounded.ts';
import { batchedInsert } from '../../db/write-batch.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { scheduleCache } from './schedule-cache.ts';

/**
 * A note that a schedule or its `next_run_at` was written by someone other than the scheduler
 * (created, edited, paused, retimed, resumed, deleted), for the due index (due-index.ts) and the
 * schedule copies (schedule-cache.ts) of every scheduler process. Writers add one after their
 * write and before they answer; a creation adds its note beside its writes (`noteCreated`). The
 * index reads the whole collection each tick, and again after each slot's instant before firing
 * it: a schedule created now fires at its first slot, and a pause, edit or delete acknowledged
 * before a slot applies to that slot. Notes are pruned after NOTE_TTL_MS (FerretDB 1.x has no
 * TTL index); an index that did not look for longer than half of that reloads instead of
 * catching up.
 * (The collection keeps its first name, `schedule_retimes`, from when only retimes left notes.)
 */
export interface RetimeNoteDoc {
  _id: Types.ObjectId;
  schedule_id: Types.ObjectId;
  at: Date;
  /** Left by a creation, beside the schedule's insert: a reader may see it before the schedule. */
  created?: boolean;
}

export const NOTE_TTL_MS = 5 * 60_000;

const noteSchema = new Schema<RetimeNoteDoc>(
  {
    schedule_id: { type: Schema.Types.ObjectId, required: true },
    at: { type: Date, required: true },
    created: { type: Boolean },
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
  await Promise.all(scheduleIds.map((id) => insertNote({ _id: new Types.ObjectId(), schedule_id: id, at: now })));
  scheduleCache.forget(scheduleIds.map(String));
}

/** Batched with the notes of other requests (one command for the schedules created at once). */
const insertNote = (note: RetimeNoteDoc) => batchedInsert(RetimeNoteModel, note);

/**
 * How long a reader looks again for the schedule a creation's note names, in ms. The note is
 * written beside the schedule, so it can be read first; until then the reader leaves the note
 * unread and reads it again next time. A creation's writes take milliseconds (tens at the
 * p99 under load): this bounds only the reads spent on a creation that failed.
 */
export const CREATION_SETTLES_MS = 30_000;

/** Whether a reader that found no schedule for `note` at `now` should read the note again. */
export function mayBeUnsettled(note: Pick<RetimeNoteDoc, 'created' | 'at'>, now: number): boolean {
  return note.created === true && now - note.at.getTime() < CREATION_SETTLES_MS;
}

/** A creation this process noted: its document, and whether its writes stored it (undefined: still out). */
export interface Creation {
  doc: ScheduleDoc;
  stored: boolean | undefined;
}

/** Most creations remembered for `creationOf`; the oldest go first. */
const MAX_CREATED = 10_000;
/** Creations this process noted, by the id of the note each left. */
const created = new Map<string, Creation>();

/**
 * The note of a schedule being created (`stored`: whether the schedule and its state were
 * stored; it never rejects), written beside those writes rather than after them: a creation
 * waits for one round trip to the database instead of two, and each of its round trips waits
 * for FerretDB's writer and for this process's event loop in the busy part of each second
 * (bench/results/REPORT.md, thirtieth round).
 *
 * So a reader can see the note before the schedule. This process's due index applies the note
 * from the document once `stored` says it was stored (`creationOf`), without reading it back:
 * at 200 creations a second those reads were most of what a creation cost the database
 * (counted). Other processes read it back, and one that finds no schedule yet reads the note
 * again (`mayBeUnsettled`). A process whose due index does not follow the notes (no scheduler
 * here, or another holds the lock) remembers nothing, since nothing here would take it.
 */
export async function noteCreated(doc: ScheduleDoc, stored: Promise<boolean>, now = new Date()): Promise<void> {
  const _id = new Types.ObjectId();
  const key = _id.toHexString();
  if (scheduleCache.following) {
    const creation: Creation = { doc, stored: undefined };
    setBounded(created, key, creation, MAX_CREATED);
    void stored.then((ok) => (creation.stored = ok));
  }
  try {
    await insertNote({ _id, schedule_id: doc._id, at: now, created: true });
  } catch (err) {
    created.delete(key);
    throw err;
  }
}

/** The creation made here that left note `noteId`, if this process remembers it. */
export function creationOf(noteId: Types.ObjectId): Creation | undefined {
  return created.get(noteId.toHexString());
}

/** Forgets the creation that left note `noteId` (its note was applied). */
export function forgetCreation(noteId: Types.ObjectId): void {
  created.delete(noteId.toHexString());
}
