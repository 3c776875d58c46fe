import { Types } from 'mongoose';
import { NOTE_TTL_MS, RetimeNoteModel, type RetimeNoteDoc } from './retime-notes.model.ts';
import { findById } from '../../db/by-ids.ts';
import { scheduleCache } from './schedule-cache.ts';
import { ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';

type Due = Pick<ScheduleStateDoc, '_id' | 'next_run_at'>;

/**
 * Every schedule's next slot, in this process's memory, so that a tick finds what is due
 * without reading `schedule_state`. FerretDB 1.x pushes no range filter down to SQLite: the
 * scan `next_run_at <= horizon` read every schedule on every tick (about 40 µs a document),
 * and at 100k schedules a tick took longer than the second it had.
 *
 * The index is a hint, never the truth: the ticker re-reads a schedule's state by `_id` before
 * it fires a slot, and sets the entry from what it read. An entry that is too early (a pause, a
 * delete, another process fired the slot) costs one read at that time; an entry that is too late
 * or missing would delay a slot, so every write to a schedule leaves a note
 * (retime-notes.model.ts) that the next refresh applies. Applying a note also drops the
 * process's copy of the schedule (schedule-cache.ts).
 */
export class DueIndex {
  private next = new Map<string, number>();
  /** Notes already applied; forgotten once pruned from the collection. */
  private seen = new Set<string>();
  private syncedAt: number | undefined;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  get size(): number {
    return this.next.size;
  }

  /** Brings the index up to date: the notes since the last refresh, or a full load. */
  async refresh(): Promise<{ loaded: boolean; applied: number }> {
    const now = this.clock().getTime();
    if (this.syncedAt === undefined || now - this.syncedAt > NOTE_TTL_MS / 2) {
      await this.load(now);
      return { loaded: true, applied: 0 };
    }
    const fresh = await this.unseenNotes();
    this.syncedAt = now;
    const ids = [...new Set(fresh.map((n) => n.schedule_id.toHexString()))];
    if (ids.length > 0) scheduleCache.forget(ids);
    await Promise.all(ids.map((id) => this.reread(new Types.ObjectId(id))));
    scheduleCache.followed();
    return { loaded: false, applied: ids.length };
  }

  /** Slots at or before `horizon`, earliest first, at most `limit`. */
  due(horizon: Date, limit: number): Due[] {
    const h = horizon.getTime();
    const found: [string, number][] = [];
    for (const entry of this.next) if (entry[1] <= h) found.push(entry);
    found.sort((a, b) => a[1] - b[1]);
    return found.slice(0, limit).map(([id, at]) => ({ _id: new Types.ObjectId(id), next_run_at: new Date(at) }));
  }

  /** The ids of the schedules that have a next slot. */
  ids(): IterableIterator<string> {
    return this.next.keys();
  }

  /** Records what the database says of a schedule's next slot (null or absent: nothing to fire). */
  set(id: Types.ObjectId, at: Date | null | undefined): void {
    if (at) this.next.set(id.toHexString(), at.getTime());
    else this.next.delete(id.toHexString());
  }

  /** Reads a schedule's state by `_id`, updates its entry, and returns it. */
  async reread(id: Types.ObjectId): Promise<Due | null> {
    const st = await findById<Due>(ScheduleStateModel, id, { _id: 1, next_run_at: 1 });
    this.set(id, st?.next_run_at);
    return st;
  }

  /** Drops notes older than NOTE_TTL_MS; one process's ticker calls it now and then. */
  static async prune(now: Date): Promise<void> {
    await RetimeNoteModel.deleteMany({ at: { $lt: new Date(now.getTime() - NOTE_TTL_MS) } });
  }

  private async load(now: number): Promise<void> {
    // Notes first: a write that lands during the scan leaves a note this list does not have,
    // and the next refresh re-reads that schedule.
    await this.unseenNotes();
    const next = new Map<string, number>();
    for await (const st of ScheduleStateModel.find({})
      .select({ _id: 1, next_run_at: 1 })
      .lean<Due>()
      .cursor({ batchSize: 5000 })) {
      if (st.next_run_at) next.set(st._id.toHexString(), st.next_run_at.getTime());
    }
    this.next = next;
    this.syncedAt = now;
    scheduleCache.forgetAll();
    scheduleCache.followed();
  }

  private async unseenNotes(): Promise<RetimeNoteDoc[]> {
    const notes = await RetimeNoteModel.find({}).select({ _id: 1, schedule_id: 1 }).lean<RetimeNoteDoc[]>();
    const present = new Set<string>();
    const fresh: RetimeNoteDoc[] = [];
    for (const n of notes) {
      const key = n._id.toHexString();
      present.add(key);
      if (!this.seen.has(key)) fresh.push(n);
    }
    this.seen = present;
    return fresh;
  }
}
