import type { Types } from 'mongoose';
import { findByIds } from '../../db/by-ids.ts';
import { setBounded } from '../../db/set-bounded.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';

/** Most schedules kept; the oldest go first (a burst's schedules are read again within the minute). */
const MAX_CACHED_SCHEDULES = 25_000;
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
  private readonly docs = new Map<string, ScheduleDoc>();
  /** Moves on with every forget: a read that overlapped one is not kept (it may predate the edit). */
  private generation = 0;
  private followedAt = Number.NEGATIVE_INFINITY;
  /** Reads from the database in flight while copies were trusted, by id, with the generation they began in. */
  private readonly reading = new Map<string, { generation: number; doc: Promise<ScheduleDoc | null> }>();

  /** The schedule, from this process's copy when one is trusted, else from the database (`getMany`). */
  async get(id: Types.ObjectId): Promise<ScheduleDoc | null> {
    const [doc] = await this.getMany([id]);
    return doc ?? null;
  }

  /**
   * The schedules with these ids that exist, in no particular order: from this process's copies
   * when they are trusted, the rest read in one command (`findByIds`). While copies would be
   * trusted, an id that has none joins a read of it already in flight, if no forget came since
   * that read began (what it returns is what would be kept): at 100,000 schedules, the lists
   * that came while the first read of a page not yet kept was out each read the page again.
   */
  async getMany(ids: readonly Types.ObjectId[]): Promise<ScheduleDoc[]> {
    const live = this.live();
    const found: ScheduleDoc[] = [];
    const joined: Promise<ScheduleDoc | null>[] = [];
    const missing: Types.ObjectId[] = [];
    for (const id of ids) {
      const key = id.toHexString();
      const doc = live ? this.docs.get(key) : undefined;
      const pending = live ? this.reading.get(key) : undefined;
      if (doc) found.push(doc);
      else if (pending?.generation === this.generation) joined.push(pending.doc);
      else missing.push(id);
    }
    if (missing.length > 0) joined.push(...this.read(missing, live));
    if (joined.length === 0) return found; // all from copies: a firing's usual case, no await more
    for (const doc of await Promise.all(joined)) if (doc) found.push(doc);
    return found;
  }

  /** Reads these schedules, keeping what was read unless a forget overlapped the read; one promise per id. */
  private read(ids: readonly Types.ObjectId[], live: boolean): Promise<ScheduleDoc | null>[] {
    const generation = this.generation;
    const keys = ids.map((id) => id.toHexString());
    const read = findByIds<ScheduleDoc>(ScheduleModel, ids).then((docs) => {
      if (live && generation === this.generation && this.live()) {
        for (const doc of docs) this.keep(doc._id.toHexString(), doc);
      }
      return new Map(docs.map((doc) => [doc._id.toHexString(), doc]));
    });
    const entries = keys.map((key) => ({ generation, doc: read.then((docs) => docs.get(key) ?? null) }));
    if (live) keys.forEach((key, i) => this.reading.set(key, entries[i]!));
    void read
      .finally(() => keys.forEach((key, i) => this.reading.get(key) === entries[i] && this.reading.delete(key)))
      .catch(() => {}); // the callers get the error through `entries`
    return entries.map((entry) => entry.doc);
  }

  /** How many schedules are kept at most: the due index reads them whole up to this many. */
  readonly capacity = MAX_CACHED_SCHEDULES;

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
      if (kept >= MAX_CACHED_SCHEDULES) break;
      this.keep(doc._id.toHexString(), doc);
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
    this.generation++;
    for (const id of ids) {
      this.docs.delete(id);
    }
  }

  /** Notes may have been missed (a reload of the due index): every copy is dropped. */
  forgetAll(): void {
    this.generation++;
    this.docs.clear();
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
    if (this.docs.size > 0) this.forgetAll(); // edits made meanwhile were not followed
    return false;
  }

  private keep(key: string, doc: ScheduleDoc): void {
    setBounded(this.docs, key, doc, MAX_CACHED_SCHEDULES);
  }
}

/** The process's cache, fed by its ticker's due index. */
export const scheduleCache = new ScheduleCache();
