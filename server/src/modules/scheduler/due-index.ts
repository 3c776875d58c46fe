import { Types } from 'mongoose';
import {
  creationOf,
  forgetCreation,
  mayBeUnsettled,
  NOTE_TTL_MS,
  RetimeNoteModel,
  type RetimeNoteDoc,
} from './retime-notes.model.ts';
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

export interface DueIndexOptions {
  /** Schedules read per batch in a load (default 5000). */
  loadBatch?: number;
  /**
   * Called with each batch of a load read and not yet applied; tests use it to write while a
   * batch is in hand.
   */
  beforeBatch?: () => Promise<void>;
}

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
 * A full load (the first refresh, or one after the notes went unread for too long) fills the
 * index while it reads, and the notes are followed meanwhile: a schedule enters the index once
 * its batch is read, unless a note re-read it since the load began (that read is the later
 * one). A schedule's slot fires once its schedule is in; the directory is listed from once
 * the load ends.
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
  /**
   * While a full load is under way (`refresh`): the schedules notes re-read since it began, as
   * re-read (null: gone), which the load's pass leaves as they are; null when none is.
   */
  private touched: Map<string, Read | null> | null = null;
  private readonly clock: () => Date;
  private readonly loadBatch: number;
  private readonly beforeBatch: (() => Promise<void>) | undefined;

  constructor(clock: () => Date = () => new Date(), opts: DueIndexOptions = {}) {
    this.clock = clock;
    this.loadBatch = opts.loadBatch ?? 5000;
    this.beforeBatch = opts.beforeBatch;
  }

  get size(): number {
    return this.next.size;
  }

  /**
   * Brings the index up to date: applies the notes since the last refresh, or begins a full
   * load (`load`, which resolves with the number of schedules once every one is in). A load
   * goes on after this returns, and the index fires from what it has loaded so far: at 100,000
   * schedules the pass takes tens of seconds (FerretDB decodes every document whole), and a
   * ticker that waited for it started the first minute tens of seconds behind.
   */
  refresh(): Promise<{ applied: number; load: Promise<number> | null }> {
    return this.inTurn(async () => {
      const now = this.clock().getTime();
      if (!this.touched && now - this.followedFrom > NOTE_TTL_MS / 2) {
        return { applied: 0, load: (await this.beginLoad(now)).done };
      }
      return { applied: await this.catchUp(now), load: null };
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

  /**
   * Reads a schedule's next slot by `_id` and updates its entry; returns whether the schedule
   * is there and the slot read, if any.
   */
  async reread(id: Types.ObjectId): Promise<{ exists: boolean; next: Date | null }> {
    const [s, state] = await Promise.all([
      findById<Read>(ScheduleModel, id, SCHEDULE_FIELDS),
      findById<ScheduleStateDoc>(ScheduleStateModel, id, FIRED_FIELDS),
    ]);
    if (s) scheduleDirectory.put(s);
    else scheduleDirectory.remove(id.toHexString());
    this.touched?.set(id.toHexString(), s);
    const next = s ? nextSlotOf(s, state) : null; // deleted: nothing to fire
    this.set(id, next);
    return { exists: s !== null, next };
  }

  /** Drops notes older than NOTE_TTL_MS; one process's ticker calls it now and then. */
  static async prune(now: Date): Promise<void> {
    await RetimeNoteModel.deleteMany({ at: { $lt: new Date(now.getTime() - NOTE_TTL_MS) } });
  }

  /**
   * Starts a full load (in the chain of note reads): the notes present now count as seen, and
   * the index starts empty and fills as the schedules are read (`stream`), outside the chain,
   * so that note reads, and the firings waiting for them, go on meanwhile. Returns the load's
   * completion, wrapped: an async function returning a promise would wait for it.
   */
  private async beginLoad(now: number): Promise<{ done: Promise<number> }> {
    // Notes first: a write that lands during the scan leaves a note this list does not have,
    // and a read of the notes re-reads that schedule.
    const { fresh, present } = await this.unseenNotes();
    // A creation's note can come before its schedule, which the pass might then miss: such
    // notes stay unread, and the reads of the notes during the load apply them. A creation made
    // here and stored is read by the pass, as any schedule stored before it.
    for (const n of fresh) {
      if (!mayBeUnsettled(n, now)) continue;
      if (creationOf(n._id)?.stored) forgetCreation(n._id);
      else present.delete(n._id.toHexString());
    }
    this.seen = present;
    this.next = new Map();
    this.followedFrom = now;
    // Copies read from here on follow the notes (catchUp forgets those a note names); the
    // directory is listed from again when the load ends (finishLoad).
    scheduleCache.forgetAll();
    scheduleCache.followed();
    scheduleDirectory.unload();
    const touched = new Map<string, Read | null>();
    this.touched = touched;
    const done = this.stream(touched).catch((err: unknown) => {
      // A partial index must not pass for a loaded one: the next refresh loads again.
      this.touched = null;
      this.followedFrom = Number.NEGATIVE_INFINITY;
      throw err;
    });
    return { done };
  }

  /**
   * The load's pass: every state with a `fired`, then every schedule, batch by batch, each
   * entering the index as it is read, unless a note re-read it since the load began (that read
   * is the later one). Returns how many schedules were read.
   */
  private async stream(touched: Map<string, Read | null>): Promise<number> {
    // States first: only those with a `fired` are kept meanwhile.
    const fired = new Map<string, ScheduleStateDoc>();
    let states = 0;
    for await (const st of ScheduleStateModel.collection.find(
      {},
      { projection: FIRED_FIELDS, batchSize: this.loadBatch },
    )) {
      states++;
      if (st.fired) fired.set(st._id.toHexString(), st as unknown as ScheduleStateDoc);
    }
    // Schedules that all fit in the process's copies are read whole and kept (scheduleCache),
    // so that the first firings read none of them; beyond that only the fields needed here.
    // (At 100,000 a pass for the copies slowed the first minute down; this pass is made anyway.)
    // Every schedule has one state, so the states counted tell how many there are without a
    // count, which FerretDB answers with a scan; keepAll stops at the capacity regardless.
    const whole = states <= scheduleCache.capacity;
    const listed: Read[] = [];
    const options = whole ? { batchSize: this.loadBatch } : { projection: SCHEDULE_FIELDS, batchSize: this.loadBatch };
    const cursor = ScheduleModel.collection.find({}, options);
    try {
      while (await cursor.hasNext()) {
        const batch = cursor.readBufferedDocuments() as unknown as Read[];
        await this.beforeBatch?.();
        for (const s of batch) {
          const key = s._id.toHexString();
          listed.push(s);
          if (touched.has(key)) continue;
          const at = nextSlotOf(s, fired.get(key));
          if (at) this.next.set(key, at.getTime());
        }
      }
    } finally {
      await cursor.close();
    }
    await this.inTurn(async () => this.finishLoad(touched, listed, whole));
    return listed.length;
  }

  /**
   * Ends a load (in the chain of note reads): the directory and, when every schedule was read
   * whole, the copies take what the pass read, except the schedules notes re-read since it
   * began, which they take as re-read. A copy a firing kept meanwhile may be replaced by the
   * pass's older read: a write between the two left a note, which the read of the notes that
   * every firing waits for applies first.
   */
  private finishLoad(touched: Map<string, Read | null>, listed: Read[], whole: boolean): void {
    this.touched = null;
    const read = listed.filter((s) => !touched.has(s._id.toHexString()));
    const reread = [...touched.values()].filter((s): s is Read => s !== null);
    scheduleDirectory.load([...read, ...reread]);
    if (whole) scheduleCache.keepAll(read as unknown as ScheduleDoc[]);
  }

  /**
   * Applies the notes not seen yet (`now`: when the read starts); returns how many schedules
   * they named. The notes count as seen only once every re-read succeeded: after a failed one
   * the next read applies them again. So does a creation's note whose schedule is not stored
   * yet (retime-notes.model.ts, `noteCreated`).
   */
  private async catchUp(now: number): Promise<number> {
    const { fresh, present } = await this.unseenNotes();
    const bySchedule = new Map<string, RetimeNoteDoc[]>();
    for (const n of fresh) {
      const key = n.schedule_id.toHexString();
      const notes = bySchedule.get(key);
      if (notes) notes.push(n);
      else bySchedule.set(key, [n]);
    }
    if (bySchedule.size > 0) scheduleCache.forget(bySchedule.keys());
    const unread = await Promise.all(
      [...bySchedule].map(([id, notes]) => this.apply(new Types.ObjectId(id), notes, now)),
    );
    for (const n of unread.flat()) present.delete(n._id.toHexString());
    this.seen = present;
    this.followedFrom = now;
    scheduleCache.followed();
    return bySchedule.size;
  }

  /** Applies one schedule's new notes; returns those to read again. */
  private async apply(id: Types.ObjectId, notes: RetimeNoteDoc[], now: number): Promise<RetimeNoteDoc[]> {
    // A creation made here, and nothing since: the document is what a read would give, and its
    // state is empty (had another process fired its first slot already, the ledger refuses
    // that slot here, as for any entry loaded too early).
    const creation = notes.length === 1 ? creationOf(notes[0]!._id) : undefined;
    if (creation && creation.stored === undefined) return notes; // its writes are still out
    for (const n of notes) forgetCreation(n._id); // also where other notes make it unusable
    if (creation?.stored) {
      const { doc } = creation;
      scheduleDirectory.put(doc);
      this.touched?.set(doc._id.toHexString(), doc);
      this.set(doc._id, nextSlotOf(doc, null));
      return [];
    }
    const { exists } = await this.reread(id);
    // A creation here that failed is not looked for again; one elsewhere may not be stored yet.
    return exists || creation ? [] : notes.filter((n) => mayBeUnsettled(n, now));
  }

  /** Runs `work` after the reads of the notes before it (whether they failed or not). */
  private inTurn<T>(work: () => Promise<T>): Promise<T> {
    const done = this.chain.then(work, work);
    this.chain = done.catch(() => undefined);
    return done;
  }

  /** The notes in the collection not applied yet, and the keys of all of them (the next `seen`). */
  private async unseenNotes(): Promise<{ fresh: RetimeNoteDoc[]; present: Set<string> }> {
    const notes = await RetimeNoteModel.find({})
      .select({ _id: 1, schedule_id: 1, at: 1, created: 1 })
      .lean<RetimeNoteDoc[]>();
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
