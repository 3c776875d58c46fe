import { Types } from 'mongoose';
import { createdWith, NOTE_TTL_MS, RetimeNoteModel, type RetimeNoteDoc } from './retime-notes.model.ts';
import { findById } from '../../db/by-ids.ts';
import { scheduleCache } from './schedule-cache.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { LISTED_FIELDS, scheduleDirectory, type Listed } from '../schedules/schedule-directory.ts';
import { FIRED_FIELDS, nextSlotOf, ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';

/** A schedule and the slot the caller holds as its next (the ticker fires from it). */
export interface Due {
  _id: Types.ObjectId;
  next_run_at: Date | null;
}

/**
 * What the index reads of a schedule besides its state: its next slot, and what the schedule
 * directory keeps (schedule-directory.ts), which follows the notes with the index.
 */
const SCHEDULE_FIELDS = { ...LISTED_FIELDS, next_run_at: 1 } as const;
type Read = Listed & Pick<ScheduleDoc, 'next_run_at'>;

/**
 * Every schedule's next slot, in this process's memory, so that a tick finds what is due
 * without reading `schedule_state`. FerretDB 1.x pushes no range filter down to SQLite: the
 * scan `next_run_at <= horizon` read every schedule on every tick (about 40 µs a document),
 * and at 100k schedules a tick took longer than the second it had.
 *
 * The index follows the database through change notes (retime-notes.model.ts): every write to
 * a schedule by someone other than this scheduler leaves one, and applying a note re-reads that
 * schedule's next slot and drops the process's copy of the schedule (schedule-cache.ts); the
 * schedule directory (schedule-directory.ts) is kept the same way. Before a
 * slot fires, the ticker waits for a read of the notes that started at or after the slot
 * (`followSince`), so a pause, retime or delete acknowledged before a slot stops that slot, for
 * one read of the notes per instant instead of one read of the state per firing.
 *
 * Firings write nothing to the schedule's state: the entry a firing leaves here is the
 * scheduler's cursor. What the database holds (`nextSlotOf`: the slot the last edit stored on
 * the schedule, or the slot after the latest run that ended, from its state) lags behind it by
 * the runs still in flight, so an entry loaded or re-read from it can be too early, as can one
 * whose slot another process fired. Its firing then records nothing (the ledger's unique
 * index) and moves the entry on.
 */
export class DueIndex {
  private next = new Map<string, number>();
  /** Notes already applied; forgotten once pruned from the collection. */
  private seen = new Set<string>();
  /** When the last read of the notes that was applied in full started (clock ms); never: -∞. */
  private followedFrom = Number.NEGATIVE_INFINITY;
  /** Reads of the notes run one at a time, in order: `seen` is theirs. */
  private chain: Promise<unknown> = Promise.resolve();
  /** A catch-up queued behind the chain and not yet started, which new callers join. */
  private queued: Promise<void> | null = null;

  constructor(private readonly clock: () => Date = () => new Date()) {}

  get size(): number {
    return this.next.size;
  }

  /** Brings the index up to date: the notes since the last refresh, or a full load. */
  refresh(): Promise<{ loaded: boolean; applied: number }> {
    return this.inTurn(async () => {
      const now = this.clock().getTime();
      if (now - this.followedFrom > NOTE_TTL_MS / 2) {
        await this.load(now);
        return { loaded: true, applied: 0 };
      }
      return { loaded: false, applied: await this.catchUp(now) };
    });
  }

  /**
   * Resolves once the notes were read by a read that started at or after `t` (clock ms) and
   * applied. Called at a slot's instant, so a write acknowledged before the slot is in the
   * index when it fires. Firings of the same instant share one read.
   */
  followSince(t: number): Promise<void> {
    if (this.followedFrom >= t) return Promise.resolve();
    // A queued read starts after this call, which comes at or after `t`: it covers the caller.
    this.queued ??= this.inTurn(async () => {
      this.queued = null;
      await this.catchUp(this.clock().getTime());
    });
    return this.queued;
  }

  /**
   * Reads the notes unless a read began within the last `ms`; only while the index is loaded
   * and recent enough to catch up (a load is `refresh`'s, the ticker's, to make).
   */
  keepFollowing(ms: number): Promise<void> {
    const now = this.clock().getTime();
    if (now - this.followedFrom > NOTE_TTL_MS / 2) return Promise.resolve();
    return this.followSince(now - ms);
  }

  /** The slot the index holds for a schedule, if any. */
  at(id: Types.ObjectId): Date | undefined {
    const t = this.next.get(id.toHexString());
    return t === undefined ? undefined : new Date(t);
  }

  /** Slots at or before `horizon`, earliest first, at most `limit`. */
  due(horizon: Date, limit: number): Due[] {
    const h = horizon.getTime();
    const found: [string, number][] = [];
    for (const entry of this.next) if (entry[1] <= h) found.push(entry);
    found.sort((a, b) => a[1] - b[1]);
    return found.slice(0, limit).map(([id, at]) => ({ _id: new Types.ObjectId(id), next_run_at: new Date(at) }));
  }

  /** Records what the database says of a schedule's next slot (null or absent: nothing to fire). */
  set(id: Types.ObjectId, at: Date | null | undefined): void {
    if (at) this.next.set(id.toHexString(), at.getTime());
    else this.next.delete(id.toHexString());
  }

  /**
   * Moves a schedule's cursor on after a firing of `from`, unless its entry changed meanwhile:
   * a note applied while the slot was being fired (an edit that retimed it) holds what the
   * database now says, which a firing computed from the schedule as it was must not overwrite.
   * The compare-and-set the database did while firings wrote the state, now done here.
   */
  advance(id: Types.ObjectId, from: Date, to: Date | null): void {
    if (this.next.get(id.toHexString()) === from.getTime()) this.set(id, to);
  }

  /** Reads a schedule's next slot by `_id` and updates its entry; returns the slot read, if any. */
  async reread(id: Types.ObjectId): Promise<Date | null> {
    const [s, state] = await Promise.all([
      findById<Read>(ScheduleModel, id, SCHEDULE_FIELDS),
      findById<ScheduleStateDoc>(ScheduleStateModel, id, FIRED_FIELDS),
    ]);
    if (s) scheduleDirectory.put(s);
    else scheduleDirectory.remove(id.toHexString());
    const next = s ? nextSlotOf(s, state) : null; // deleted: nothing to fire
    this.set(id, next);
    return next;
  }

  /** Drops notes older than NOTE_TTL_MS; one process's ticker calls it now and then. */
  static async prune(now: Date): Promise<void> {
    await RetimeNoteModel.deleteMany({ at: { $lt: new Date(now.getTime() - NOTE_TTL_MS) } });
  }

  private async load(now: number): Promise<void> {
    // Notes first: a write that lands during the scan leaves a note this list does not have,
    // and the next refresh re-reads that schedule.
    const { present } = await this.unseenNotes();
    // Two passes, states first: only the states with a `fired` are kept meanwhile.
    const fired = new Map<string, ScheduleStateDoc>();
    let states = 0;
    for await (const st of ScheduleStateModel.collection.find({}, { projection: FIRED_FIELDS, batchSize: 5000 })) {
      states++;
      if (st.fired) fired.set(st._id.toHexString(), st as unknown as ScheduleStateDoc);
    }
    // Schedules that all fit in the process's copies are read whole and kept (scheduleCache),
    // so that the first firings read none of them; beyond that only the fields needed here.
    // (At 100,000 a pass for the copies slowed the first minute down; this pass is made anyway.)
    // Every schedule has one state, so the states counted tell how many there are without a
    // count, which FerretDB answers with a scan; keepAll stops at the capacity regardless.
    const whole = states <= scheduleCache.capacity;
    const next = new Map<string, number>();
    const listed: Read[] = [];
    const options = whole ? { batchSize: 5000 } : { projection: SCHEDULE_FIELDS, batchSize: 5000 };
    for await (const doc of ScheduleModel.collection.find({}, options)) {
      const s = doc as unknown as Read;
      const key = s._id.toHexString();
      const at = nextSlotOf(s, fired.get(key));
      if (at) next.set(key, at.getTime());
      listed.push(s);
    }
    scheduleDirectory.load(listed);
    this.next = next;
    this.seen = present;
    this.followedFrom = now;
    scheduleCache.forgetAll();
    scheduleCache.followed();
    if (whole) scheduleCache.keepAll(listed as unknown as ScheduleDoc[]);
  }

  /**
   * Applies the notes not seen yet (`now`: when the read starts); returns how many schedules
   * they named. The notes count as seen only once every re-read succeeded: after a failed one
   * the next read applies them again.
   */
  private async catchUp(now: number): Promise<number> {
    const { fresh, present } = await this.unseenNotes();
    // Every note's creation is taken (createdWith), also where other notes make it unusable.
    const notes = new Map<string, { count: number; created: ScheduleDoc | undefined }>();
    for (const n of fresh) {
      const key = n.schedule_id.toHexString();
      const seen = notes.get(key);
      const created = createdWith(n._id);
      notes.set(key, { count: (seen?.count ?? 0) + 1, created: seen?.created ?? created });
    }
    if (notes.size > 0) scheduleCache.forget(notes.keys());
    await Promise.all(
      [...notes].map(([id, { count, created }]) => {
        // A creation made here, and nothing since: the document is what a read would give, and
        // its state is empty (had another process fired its first slot already, the ledger
        // refuses that slot here, as for any entry loaded too early).
        const doc = count === 1 ? created : undefined;
        if (!doc) return this.reread(new Types.ObjectId(id));
        scheduleDirectory.put(doc);
        this.set(doc._id, nextSlotOf(doc, null));
      }),
    );
    this.seen = present;
    this.followedFrom = now;
    scheduleCache.followed();
    return notes.size;
  }

  /** Runs `work` after the reads of the notes before it (whether they failed or not). */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const done = this.chain.then(work, work);
    this.chain = done.catch(() => undefined);
    return done;
  }

  /** The notes in the collection not applied yet, and the keys of all of them (the next `seen`). */
  private async unseenNotes(): Promise<{ fresh: RetimeNoteDoc[]; present: Set<string> }> {
    const notes = await RetimeNoteModel.find({}).select({ _id: 1, schedule_id: 1 }).lean<RetimeNoteDoc[]>();
    const present = new Set<string>();
    const fresh: RetimeNoteDoc[] = [];
    for (const n of notes) {
      const key = n._id.toHexString();
      present.add(key);
      if (!this.seen.has(key)) fresh.push(n);
    }
    return { fresh, present };
  }
}
