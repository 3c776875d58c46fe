import type { HttpTarget } from '@crony/shared';
import { Types } from 'mongoose';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { RequestThread } from '../outbound/request-thread.ts';
import { claimable, claimRun, completeRun, heartbeat, HEARTBEAT_MS, type Lease } from '../runs/lifecycle.ts';
import type { ImmediateExecutor } from '../scheduler/fire.ts';
import type { ProgressTokens } from '../runs/progress.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { dropCopy } from '../../db/update-if.ts';
import { watchStop } from '../runs/stop-signals.ts';
import { executeHttp } from './http.executor.ts';
import { targetSignature } from '../hooks/signing.ts';
import { settleWithin } from '../../settle-within.ts';

/** Most freshly fired runs kept in memory waiting for a free slot. */
const MAX_BACKLOG = 50_000;
/**
 * How long a firing waits for a free slot before it records its run queued instead, by default,
 * in ms. A run recorded running costs no claim: no read of the run, no claim record, no guarded
 * write to start it and no update of its queue entry. In a burst of 10,000 on second 0, firings
 * that found every slot busy queued a quarter to three fifths of the runs; waiting for a slot
 * instead took a quarter to a half of the database commands away (census), and a slot frees
 * every few milliseconds there. Short, so that slow targets holding every slot delay other
 * schedules' firings by this much at most.
 */
const RESERVE_WAIT_MS = 250;

export interface DispatcherOptions {
  /**
   * Most HTTP runs this process executes at once (default 300). A slot is held from the start
   * through the outcome's writes, which on a busy embedded database take longer than a quick
   * target's response; runs beyond it are queued and claimed, which costs more writes each.
   */
  concurrency?: number;
  /** How often to look for queued runs (retries, requeued attempts), in ms (default 1000). */
  pollMs?: number;
  /** How long a firing may wait for a free slot (reserve), in ms (default RESERVE_WAIT_MS). */
  reserveWaitMs?: number;
}

/**
 * The server-side executor for HTTP targets. Every `serve` process runs one: it claims queued
 * runs under a lease, keeps the lease alive while the request is in flight, aborts when the
 * lease is taken away (cancelled, or presumed dead and requeued), and reports the outcome.
 * Freshly fired runs are handed over directly: recorded already running when a slot is free or
 * frees up soon (reserve, startRecorded), else queued and claimed as slots free up. Retries and requeued
 * attempts are found by polling.
 */
export class Dispatcher implements ImmediateExecutor {
  readonly owner = `server:${hostname()}:${process.pid}`;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly concurrency: number;
  private readonly pollMs: number;
  private readonly reserveWaitMs: number;
  private timer: NodeJS.Timeout | undefined;
  private accepting = true;
  /** Slots promised to runs a firing is recording as running under this executor (reserve). */
  private reserved = 0;
  /**
   * Freshly fired runs handed over while every slot was busy, taken in order as slots free up.
   * Without it a burst larger than `concurrency` would wait for the next poll, one batch per
   * `pollMs`. Bounded: beyond it runs wait in the queue for polling, as before.
   */
  private backlog: (RunDoc | Types.ObjectId)[] = [];
  private backlogHead = 0;
  /** Firings waiting for a slot for the run they record (reserve), first come first served. */
  private waiting: { grant: (owner: string | null) => void; timer: NodeJS.Timeout }[] = [];

  constructor(
    /** Sends the requests, from a thread of their own, under the server's target policy. */
    private readonly outbound: RequestThread,
    private readonly progress: ProgressTokens,
    private readonly log: Logger,
    opts: DispatcherOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 300;
    this.pollMs = opts.pollMs ?? 1000;
    this.reserveWaitMs = opts.reserveWaitMs ?? RESERVE_WAIT_MS;
  }

  /** Starts polling for queued runs. */
  start(): void {
    const loop = () => {
      this.poll()
        .catch((err: unknown) => this.log.warn({ err }, 'polling for queued runs failed; retrying'))
        .finally(() => {
          if (this.accepting) this.timer = setTimeout(loop, this.pollMs);
        });
    };
    loop();
  }

  /**
   * Runs a just-fired run at once, or as soon as a slot frees up. Given its record as the
   * firing wrote it, the claim does not read it back (claimRun).
   */
  dispatch(run: RunDoc | Types.ObjectId): void {
    if (!this.accepting) return; // polling (here or in another process) picks it up
    if (this.full) {
      if (this.backlog.length - this.backlogHead < MAX_BACKLOG) this.backlog.push(run);
      return;
    }
    const runId = run instanceof Types.ObjectId ? run : run._id;
    this.track(runId, async () => {
      const claimed = await claimRun(run, this.owner);
      if (claimed) await this.execute(claimed.run, claimed.lease);
    });
  }

  /**
   * Takes a slot for an HTTP run the firing will record as already running under this
   * executor: a free one, else (with `wait`) the next to free up within `reserveWaitMs`; null
   * when none did.
   * Every reservation ends in `startRecorded` or `release`.
   */
  async reserve(run: RunDoc, wait = true): Promise<string | null> {
    if (!this.accepting || run.target.type !== 'http') return null;
    if (!this.full) {
      this.reserved++;
      return this.owner;
    }
    if (!wait) return null;
    return new Promise((resolve) => {
      const waiter = {
        grant: resolve,
        timer: setTimeout(() => {
          this.waiting = this.waiting.filter((w) => w !== waiter);
          resolve(null);
        }, this.reserveWaitMs),
      };
      this.waiting.push(waiter);
    });
  }

  /**
   * Executes a reserved run, recorded running under `lease`; also while draining, since the
   * run is already ours: left alone, it would lose an attempt when its lease lapsed.
   */
  startRecorded(run: RunDoc, lease: Lease): void {
    this.reserved--;
    this.track(run._id, () => this.execute(run, lease));
  }

  /** Frees a reservation whose run was not recorded. */
  release(): void {
    this.reserved--;
    this.takeFromBacklog();
  }

  /** Stops taking runs and waits (up to `timeoutMs`) for those in flight. */
  async drain(timeoutMs = 30_000): Promise<void> {
    this.accepting = false;
    this.backlog = []; // still queued in the database: another process, or this one after a restart, runs them
    this.backlogHead = 0;
    for (const w of this.waiting.splice(0)) {
      clearTimeout(w.timer);
      w.grant(null); // recorded queued instead
    }
    clearTimeout(this.timer);
    await settleWithin(this.inflight.values(), timeoutMs);
  }

  /** How many firings wait for a slot for their run now (reserve). */
  get waitingFirings(): number {
    return this.waiting.length;
  }

  /** Every slot is executing a run or promised to one being recorded. */
  private get full(): boolean {
    return this.inflight.size + this.reserved >= this.concurrency;
  }

  private async poll(): Promise<void> {
    const free = this.concurrency - this.inflight.size - this.reserved;
    if (free <= 0 || !this.accepting) return;
    const due = await claimable(free);
    for (const id of due) {
      if (!this.inflight.has(id.toHexString())) this.dispatch(id);
    }
  }

  private track(runId: Types.ObjectId, work: () => Promise<void>): void {
    const key = runId.toHexString();
    if (this.inflight.has(key)) return;
    const p = work()
      .catch((err: unknown) => this.log.error({ err, runId: key }, 'run execution failed'))
      .finally(() => {
        this.inflight.delete(key);
        this.takeFromBacklog();
      });
    this.inflight.set(key, p);
  }

  /** Gives a freed slot to the oldest run waiting in the backlog, else to a waiting firing. */
  private takeFromBacklog(): void {
    while (this.accepting && !this.full && this.backlogHead < this.backlog.length) {
      this.dispatch(this.backlog[this.backlogHead++]!);
    }
    while (this.accepting && !this.full && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      clearTimeout(w.timer);
      this.reserved++;
      w.grant(this.owner);
    }
    if (this.backlogHead > 1024 && this.backlogHead * 2 > this.backlog.length) {
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
  }

  private async execute(run: RunDoc, lease: Lease): Promise<void> {
    const abort = new AbortController();
    // Preempted or over a time limit in this process: stop now, not at the next heartbeat.
    const unwatch = watchStop(run._id.toHexString(), lease.epoch, () => abort.abort());
    const beat = setInterval(() => {
      heartbeat(lease).then(
        (ours) => {
          if (!ours) abort.abort();
        },
        (err: unknown) => this.log.warn({ err, runId: run._id.toHexString() }, 'heartbeat failed'),
      );
    }, HEARTBEAT_MS);
    try {
      const outcome = await executeHttp(
        run.target as HttpTarget,
        this.outbound,
        {
          runId: run._id.toHexString(),
          scheduleId: run.schedule_id.toHexString(),
          nominalAt: run.nominal_at,
          attempt: run.attempt,
          extraHeaders: { ...this.progress.headers(run), ...(await targetSignature(run)) },
        },
        abort.signal,
      );
      // An aborted attempt has no outcome to report: its lease is already gone.
      if (!abort.signal.aborted) await completeRun(lease, outcome);
    } finally {
      clearInterval(beat);
      unwatch();
      dropCopy(RunModel, run._id); // a copy kept for completeRun, if it never came to that
    }
  }
}
