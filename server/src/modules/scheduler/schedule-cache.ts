import { Types } from 'mongoose';
import { findByIds } from '../../db/by-ids.ts';
import { Copies } from '../../db/copies.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';

/**
 * How long after the last change-note refresh the copies are still trusted, in ms. The ticker
 * refreshes every second; a process whose ticker stopped (another took the scheduler lock, or
 * it is stopping) falls back to reading the database.
 */
const FOLLOW_WINDOW_MS = 3_000;

/**
 * The schedules this process fired lately, so that firing a slot and ending its run do not
 * each read the schedule again: at a few hundred runs a second those two reads were a fifth of
 * the database commands per run (measured).
 *
 * A copy is trusted only while this process follows the change notes (retime-notes.model.ts):
 * every write to a schedule leaves a note, and the due index forgets the copy when it applies
 * the note. The ticker has the notes read after a slot's instant before it fires the slot, so
 * an edit acknowledged before a slot applies to it, as a pause, retime or delete does.
 * Copies are shared by every caller (and runs take their target from them): never change one.
 */
export class ScheduleCache {
  private followedAt = Number.NEGATIVE_INFINITY;
  /**
   * The copies (`db/copies.ts`; the oldest go first, and a burst's schedules are read again
   * within the minute), trusted while the notes are followed. A note's forget drops the
   * schedule's copy and keeps a read of it in flight from being kept (it may predate the edit);
   * a caller that asks while a read is out, with no forget of it since, joins that read: at
   * 100,000 schedules, the lists that came while the first read of a page not yet kept was out
   * each read the page again.
   */
  private readonly copies = new Copies<ScheduleDoc>(() => this.live());

  /** The schedule, from this process's copy when one is trusted, else from the database (`getMany`). */
  async get(id: Types.ObjectId): Promise<ScheduleDoc | null> {
    const [doc] = await this.getMany([id]);
    return doc ?? null;
  }

  /**
   * The schedules with these ids that exist, in no particular order: from this process's copies
   * when they are trusted, the rest read in one command (`findByIds`).
   */
  getMany(ids: readonly Types.ObjectId[]): Promise<ScheduleDoc[]> {
    return this.copies.read(
      ids.map((id) => id.toHexString()),
      async (keys) => {
        const docs = await findByIds<ScheduleDoc>(
          ScheduleModel,
          keys.map((key) => new Types.ObjectId(key)),
        );
        return new Map(docs.map((doc) => [doc._id.toHexString(), doc]));
      },
    );
  }

  /** How many schedules are kept at most: the due index reads them whole up to this many. */
  readonly capacity = this.copies.capacity;

  /**
   * Keeps the schedules the due index read whole in its pass, as it begins to follow the notes
   * (`DueIndex.load`; returns how many it kept), so that the first firings after a start or a
   * takeover need not read them by `_id` (counted in the first minute of the 10,000 spread:
   * 0.04–0.07 reads per run with a separate pass after the load, none with this). A write made
   * during the pass leaves a note the next refresh applies, which drops the copy, as it does
   * the pass's slot.
   */
  keepAll(docs: Iterable<ScheduleDoc>): number {
    let kept = 0;
    for (const doc of docs) {
      if (kept >= this.capacity) break;
      this.copies.keep(doc._id.toHexString(), doc);
      kept++;
    }
    return kept;
  }

  /** The change notes were read up to now (the due index's refresh). */
  followed(): void {
    this.followedAt = performance.now();
  }

  /** These schedules changed: their copies are dropped. */
  forget(ids: Iterable<string>): void {
    this.copies.forget(ids);
  }

  /** Notes may have been missed (a reload of the due index): every copy is dropped. */
  forgetAll(): void {
    this.copies.forget('all');
  }

  /**
   * Whether this process follows the change notes now (its ticker read them lately), so that
   * what it holds from them, these copies and the schedule directory, can be trusted.
   */
  get following(): boolean {
    return performance.now() - this.followedAt <= FOLLOW_WINDOW_MS;
  }

  private live(): boolean {
    if (this.following) return true;
    this.forgetAll(); // edits made meanwhile were not followed (nothing is read meanwhile)
    return false;
  }
}

/** The process's cache, fed by its ticker's due index. */
export const scheduleCache = new ScheduleCache();
