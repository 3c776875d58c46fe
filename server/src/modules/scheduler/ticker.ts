import type { Logger } from 'pino';
import type { Dispatcher } from '../executor/dispatcher.ts';
import { ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';
import { reapPlaces } from '../runs/concurrency.ts';
import { LEASE_MS, reapQueue } from '../runs/lifecycle.ts';
import { enforceTimeLimits } from '../runs/time-limits.ts';
import { SettingsLookup } from '../profiles/lookup.ts';
import { fireDue } from './fire.ts';

export interface TickerOptions {
  /** How far ahead a tick looks for due slots, in ms; must exceed the tick interval (default 1500). */
  lookaheadMs?: number;
  /** Most slots one tick fires (default 5000); the rest are picked up by the next tick. */
  batch?: number;
  clock?: () => Date;
}

/**
 * One tick of the scheduler: find the slots due before the horizon and fire each at its
 * exact instant. Agenda runs this every second under its lock, so one process ticks at a
 * time; correctness against a second ticker rests on the run ledger's unique index.
 */
export class Ticker {
  private readonly lookaheadMs: number;
  private readonly batch: number;
  private readonly clock: () => Date;

  constructor(
    private readonly dispatcher: Dispatcher,
    private readonly log: Logger,
    opts: TickerOptions = {},
  ) {
    this.lookaheadMs = opts.lookaheadMs ?? 1500;
    this.batch = opts.batch ?? 5000;
    this.clock = opts.clock ?? (() => new Date());
  }

  async tick(): Promise<number> {
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
    const horizon = new Date(this.clock().getTime() + this.lookaheadMs);
    const due = await ScheduleStateModel.find({ next_run_at: { $ne: null, $lte: horizon } })
      .sort({ next_run_at: 1 })
      .limit(this.batch)
      .select({ _id: 1, next_run_at: 1 })
      .lean<Pick<ScheduleStateDoc, '_id' | 'next_run_at'>[]>();
    // One lookup per tick: each group and profile is read once, and edits apply from the next tick.
    const ctx = new SettingsLookup();
    const fired = await Promise.all(due.map((s) => this.fireOnTime(s, ctx)));
    return fired.filter(Boolean).length;
  }

  private async fireOnTime(s: Pick<ScheduleStateDoc, '_id' | 'next_run_at'>, ctx: SettingsLookup): Promise<boolean> {
    const wait = (s.next_run_at?.getTime() ?? 0) - this.clock().getTime();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    try {
      const queued = await fireDue(s, this.clock(), ctx);
      for (const id of queued) this.dispatcher.dispatch(id);
      return queued.length > 0;
    } catch (err) {
      this.log.error({ err, scheduleId: s._id.toString() }, 'firing a slot failed; the next tick retries it');
      return false;
    }
  }
}
