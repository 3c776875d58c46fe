import pLimit from 'p-limit';
import type { Logger } from 'pino';
import type { Dispatcher } from '../executor/dispatcher.ts';
import { DueIndex, type Due } from './due-index.ts';
import { reapPlaces } from '../runs/concurrency.ts';
import { LEASE_MS, reapQueue } from '../runs/lifecycle.ts';
import { enforceTimeLimits } from '../runs/time-limits.ts';
import { SettingsLookup } from '../profiles/lookup.ts';
import { fire } from './fire.ts';
import { HeldStarts, startHeld } from './fire-ahead.ts';
import { settleWithin } from '../../settle-within.ts';

export interface TickerOptions {
  /**
   * How long before its instant a slot the HTTP executor can take is recorded, in ms (default
   * AHEAD_MS; 0: at the instant, as every other slot).
   */
  aheadMs?: number;
  /**
   * How far ahead a tick looks for due slots, in ms; must exceed the tick interval plus
   * `aheadMs` (default 1500 + aheadMs).
   */
  lookaheadMs?: number;
  /** Most firings one tick schedules (default 5000); the rest are picked up by the next ticks. */
  batch?: number;
  clock?: () => Date;
}

/**
 * Most slots being fired at once; later ones wait their turn here, earliest first. Without a
 * bound, a burst of thousands of firings advanced in lockstep (each database round trip queued
 * behind everyone's), so almost none finished before nearly all had, and the executor had
 * nothing to run for as long: at 10,000 schedules on one second, nothing started within a minute.
 */
const MAX_FIRINGS_IN_FLIGHT = 64;

/**
 * How long before its instant a slot is recorded when the server's HTTP executor has a free
 * slot for its run (fire-ahead.ts), in ms; the executor starts it at the instant. Recording a
 * run costs a few database round trips (its queue entry, then the run), and at 10,000 per-minute
 * schedules about 170 slots fall due in each second, whose inserts queue behind the writes of
 * the runs ending then: the last of a second's firings started 0.5-0.7 s late (measured). Quartz
 * acquires its triggers ahead of their fire time for the same reason.
 * Not a whole second: cron slots fall on whole seconds, and a lead of 1,000 ms reserved the
 * executor's slots for one second's runs at the instant the runs of the second before started,
 * so at 10,000 schedules it found all 300 taken for about 8% of the slots, which then fired at
 * their instant (p99 271-292 ms); at 750 ms the runs of the second before have ended (p99 33-34
 * ms, in alternating runs). Longer would also hold executor slots idle longer, and move the
 * instant after which an edit no longer withdraws the recorded run further from the slot.
 */
export const AHEAD_MS = 750;

/** How often the ticker prunes old retime notes, in ms. */
const PRUNE_EVERY_MS = 60_000;
/** Housekeeping runs every tick while it is quick, and at least this often when it is not, in ms. */
const MAX_HOUSEKEEPING_EVERY_MS = 10_000;
/** Housekeeping may take at most 1/HOUSEKEEPING_SHARE of the time. */
const HOUSEKEEPING_SHARE = 5;
/**
 * How often the change notes are read between ticks, in ms. A tick is an Agenda job, which
 * waits on lock round trips and on housekeeping; under load ticks came more than the copies'
 * trust window apart (schedule-cache.ts), and the API's lists fell back to reading a tenant's
 * schedules whole, which loaded the database further (measured at 200 lists a second).
 */
const FOLLOW_EVERY_MS = 1000;
/**
 * Between ticks the notes are read only this long after the last tick began: a process that
 * stopped ticking (another took the lock) stops following, as before, and its copies lapse.
 */
const FOLLOW_AFTER_TICK_MS = 10_000;

/**
 * One tick of the scheduler: find the slots due before the horizon and fire each at its
 * exact instant (or record it `aheadMs` before and start it then, AHEAD_MS). Agenda runs this
 * every second under its lock, so one process ticks at a time (firings of a burst may outlast
 * the tick); correctness against a second ticker rests on the run ledger's unique index.
 * Due slots come from the in-memory due index (due-index.ts), not from a scan of the
 * schedules, so a tick costs what falls due, not what is stored.
 */
export class Ticker {
  private readonly aheadMs: number;
  private readonly lookaheadMs: number;
  private readonly batch: number;
  private readonly clock: () => Date;
  private readonly index: DueIndex;
  private prunedAt = 0;
  private housekeptAt = Number.NEGATIVE_INFINITY;
  private housekeepingEveryMs = 0;
  private readonly firingLimit = pLimit(MAX_FIRINGS_IN_FLIGHT);
  /** Firings scheduled and not yet done, by schedule id: a later tick leaves those alone. */
  private readonly firing = new Map<string, Promise<boolean>>();
  private stopping = false;
  private tickedAt = Number.NEGATIVE_INFINITY;
  private follower: NodeJS.Timeout | undefined;
  /** The due index's latest load, logged when it ends. */
  private loading: Promise<void> = Promise.resolve();

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    opts: TickerOptions = {},
  ) {
    this.aheadMs = opts.aheadMs ?? AHEAD_MS;
    this.lookaheadMs = opts.lookaheadMs ?? 1500 + this.aheadMs;
    this.batch = opts.batch ?? 5000;
    this.clock = opts.clock ?? (() => new Date());
    this.index = new DueIndex(this.clock);
  }

  /**
   * Looks after the queue (at most a fifth of the time), then schedules the firing of every
   * slot due before the horizon, each at its instant, and returns how many it scheduled. It does
   * not wait for them: a burst's firings run past the tick, at most MAX_FIRINGS_IN_FLIGHT at a
   * time, while the next ticks schedule what falls due after them.
   */
  async tick(): Promise<number> {
    this.tickedAt = performance.now();
    this.follower ??= setInterval(() => this.followBetweenTicks(), FOLLOW_EVERY_MS).unref();
    // Reaping and time limits read the run queue, which FerretDB scans whole. With a deep queue
    // (a large burst being worked off) that scan is slow, and doing it every second took the
    // database from the claims that would shorten the queue; so it runs at most a fifth of
    // the time: every tick while it is quick, up to every 10 s while it is slow.
    const now = this.clock().getTime();
    if (now - this.housekeptAt >= this.housekeepingEveryMs) {
      const started = performance.now();
      await this.houseKeeping();
      this.housekeptAt = now;
      this.housekeepingEveryMs = Math.min(
        MAX_HOUSEKEEPING_EVERY_MS,
        (performance.now() - started) * HOUSEKEEPING_SHARE,
      );
    }
    // A load (the first tick, a takeover) goes on in the background; ticks fire from what it has read.
    const synced = await this.index.refresh();
    if (synced.load) {
      const began = performance.now();
      this.loading = synced.load.then(
        (schedules) =>
          this.log.info(
            { schedules, ms: Math.round(performance.now() - began) },
            'scheduler loaded the next slots of all schedules',
          ),
        (err: unknown) =>
          this.log.error({ err }, 'loading the next slots of all schedules failed; the next tick loads again'),
      );
    }
    if (this.clock().getTime() - this.prunedAt > PRUNE_EVERY_MS) {
      this.prunedAt = this.clock().getTime();
      await DueIndex.prune(this.clock());
    }
    const horizon = new Date(this.clock().getTime() + this.lookaheadMs);
    const due = this.index.due(horizon, this.batch).filter((s) => !this.firing.has(s._id.toHexString()));
    if (this.stopping) return 0;
    // One lookup per tick: each group and profile is read once, and edits apply from the next tick.
    const ctx = new SettingsLookup();
    for (const s of due) {
      const key = s._id.toHexString();
      this.firing.set(
        key,
        this.fireOnTime(s, ctx).finally(() => this.firing.delete(key)),
      );
    }
    return due.length;
  }

  /** Resolves once the due index's load under way, if any, has ended (it outlasts the tick that began it). */
  loaded(): Promise<void> {
    return this.loading;
  }

  /** Fires no more slots and waits (up to `timeoutMs`) for the firings under way. */
  async drain(timeoutMs = 10_000): Promise<void> {
    this.stopping = true;
    clearInterval(this.follower);
    await settleWithin(this.firing.values(), timeoutMs);
  }

  /** Reads the notes unless a read began within the last FOLLOW_EVERY_MS (the tick's, usually). */
  private followBetweenTicks(): void {
    if (this.stopping || performance.now() - this.tickedAt > FOLLOW_AFTER_TICK_MS) return;
    this.index.keepFollowing(FOLLOW_EVERY_MS).catch((err: unknown) => {
      this.log.warn({ err }, 'reading the change notes between ticks failed; the next tick reads them');
    });
  }

  private async houseKeeping(): Promise<void> {
    const reaped = await reapQueue(this.clock());
    if (reaped.requeued + reaped.released + reaped.repaired > 0) {
      this.log.warn(
        reaped,
        'reclaimed runs from executors that stopped (requeued, released) and repaired queue entries',
      );
    }
    const limited = await enforceTimeLimits(this.clock());
    if (limited.missed + limited.timed_out > 0) this.log.info(limited, 'enforced run deadlines and runtime limits');
    await reapPlaces(this.clock(), LEASE_MS);
  }

  /**
   * Fires the slot at its instant; a slot whose run the HTTP executor can take now is recorded
   * `aheadMs` before it instead, and started at the instant (`recordAhead`, `startAtSlot`).
   */
  private async fireOnTime(s: Due, ctx: SettingsLookup): Promise<boolean> {
    const slot = s.next_run_at!.getTime();
    if (this.aheadMs > 0 && slot > this.clock().getTime()) {
      await this.sleepUntil(slot - this.aheadMs);
      // In the firing limit while it records, not while it waits for the instant. A turn that
      // comes after the instant (a second's firings waited in line) fires the slot at once,
      // rather than queueing it a second time.
      const ahead = await this.firingLimit(async () => {
        if (this.stopping) return false;
        const late = this.clock().getTime() - slot;
        return late >= 0 ? this.fireNow(s, ctx, late) : this.recordAhead(s, ctx);
      });
      if (typeof ahead === 'boolean') return ahead;
      if (ahead) return this.startAtSlot(s, ahead);
    }
    await this.sleepUntil(slot);
    const wokeAt = this.clock().getTime();
    // Not yet started when the process stops: its slot stays due, for the next tick anywhere.
    return this.firingLimit(() =>
      this.stopping ? false : this.fireNow(s, ctx, Math.max(0, this.clock().getTime() - wokeAt)),
    );
  }

  private async sleepUntil(t: number): Promise<void> {
    const wait = t - this.clock().getTime();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }

  /**
   * Records the slot before its instant, as a run already running under the HTTP executor, if
   * the schedule allows it (`mayFireAhead`) and the executor has a free slot now; undefined
   * when it did not (the slot then fires at its instant). The cursor moves on at once, as after
   * any firing.
   */
  private async recordAhead(s: Due, ctx: SettingsLookup): Promise<{ held: HeldStarts; next: Date } | undefined> {
    const first = this.index.at(s._id);
    // Changed since the tick scheduled it (a note applied meanwhile): left to the instant.
    if (first?.getTime() !== s.next_run_at!.getTime()) return undefined;
    const held = new HeldStarts(this.dispatcher);
    try {
      const { next } = await fire({ _id: s._id, next_run_at: first }, this.clock(), ctx, {
        executor: held,
        ahead: true,
      });
      if (!next) return undefined; // not recorded ahead
      this.index.advance(s._id, first, next);
      return { held, next };
    } catch (err) {
      this.log.warn({ err, scheduleId: s._id.toString() }, 'recording a slot ahead failed; it fires at its instant');
      await startHeld(held, this.dispatcher, false).catch(() => undefined); // takes back what was recorded
      return undefined;
    }
  }

  /**
   * At the slot's instant, starts the runs recorded ahead. As for any slot, the notes are read
   * first: a pause, an edit or a delete acknowledged before the instant changed the schedule's
   * entry, and the recorded run is withdrawn, so the slot fires (or not) as the schedule now
   * stands. The entry is the cursor the ahead firing left, `next`, unless a note changed it.
   */
  private async startAtSlot(s: Due, { held, next }: { held: HeldStarts; next: Date }): Promise<boolean> {
    const slot = s.next_run_at!.getTime();
    await this.sleepUntil(slot);
    let unchanged = true;
    try {
      await this.index.followSince(slot);
      unchanged = this.index.at(s._id)?.getTime() === next.getTime();
    } catch (err) {
      // The cursor has moved on: a withdrawn run would not fire again. The record stands.
      this.log.warn(
        { err, scheduleId: s._id.toString() },
        'reading the change notes failed; the slot starts as recorded',
      );
    }
    try {
      return await startHeld(held, this.dispatcher, unchanged);
    } catch (err) {
      this.log.error(
        { err, scheduleId: s._id.toString() },
        'starting a slot recorded ahead failed; its attempt is ended when its lease lapses',
      );
      return false;
    }
  }

  private async fireNow(s: Due, ctx: SettingsLookup, waitedMs: number): Promise<boolean> {
    try {
      // Writes acknowledged before the slot (a pause, a retime, a delete) are in the index once
      // it has read the notes since the slot; the slot fired is the one it holds then.
      const slot = s.next_run_at!;
      await this.index.followSince(slot.getTime());
      const first = this.index.at(s._id);
      if (!first || first.getTime() > this.clock().getTime()) return false;
      const current = { _id: s._id, next_run_at: first };
      // Runs the dispatcher has room for start as they are recorded; the rest queue for it.
      const { queued, next } = await fire(current, this.clock(), ctx, { waitedMs, executor: this.dispatcher });
      // The firing wrote no cursor: the entry is the cursor, moved on unless a note changed it meanwhile.
      if (next !== undefined) this.index.advance(s._id, first, next);
      for (const run of queued) this.dispatcher.dispatch(run);
      return queued.length > 0;
    } catch (err) {
      this.log.error({ err, scheduleId: s._id.toString() }, 'firing a slot failed; the next tick retries it');
      return false;
    }
  }
}
