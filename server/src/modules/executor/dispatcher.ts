import type { HttpTarget } from '@crony/shared';
import { Types } from 'mongoose';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { TargetPolicy } from '../outbound/policy.ts';
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

export interface DispatcherOptions {
  /**
   * Most HTTP runs this process executes at once (default 300). A slot is held from the start
   * through the outcome's writes, which on a busy embedded database take longer than a quick
   * target's response; runs beyond it are queued and claimed, which costs more writes each.
   */
  concurrency?: number;
  /** How often to look for queued runs (retries, requeued attempts), in ms (default 1000). */
  pollMs?: number;
}

/**
 * The server-side executor for HTTP targets. Every `serve` process runs one: it claims queued
 * runs under a lease, keeps the lease alive while the request is in flight, aborts when the
 * lease is taken away (cancelled, or presumed dead and requeued), and reports the outcome.
 * Freshly fired runs are handed over directly: recorded already running when a slot is free
 * (reserve, startRecorded), else queued and claimed as slots free up. Retries and requeued
 * attempts are found by polling.
 */
export class Dispatcher implements ImmediateExecutor {
  readonly owner = `server:${hostname()}:${process.pid}`;
  private readonly inflight = new Map<string, Promise<void>>();
  private readonly concurrency: number;
  private readonly pollMs: number;
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

  constructor(
    private readonly policy: TargetPolicy,
    private readonly progress: ProgressTokens,
    private readonly log: Logger,
    opts: DispatcherOptions = {},
  ) {
    this.concurrency = opts.concurrency ?? 300;
    this.pollMs = opts.pollMs ?? 1000;
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
   * executor, while one is free. Every reservation ends in `startRecorded` or `release`.
   */
  reserve(run: RunDoc): string | null {
    if (!this.accepting || run.target.type !== 'http' || this.full) return null;
    this.reserved++;
    return this.owner;
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
    clearTimeout(this.timer);
    await settleWithin(this.inflight.values(), timeoutMs);
  }

  /** Every slot is executing a run or promised to one being recorded. */
  private get full(): boolean {
    return this.inflight.size + this.reserved >= this.concurrency;
  }

  private async poll(): Promise<void> {
    const free = this.concurrency - this.inflight.size - this.reserved;
    if (free <= 0 || !this.accepting) return;
    const due = await claimable({ targetType: 'http' }, free);
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

  private takeFromBacklog(): void {
    while (this.accepting && !this.full && this.backlogHead < this.backlog.length) {
      this.dispatch(this.backlog[this.backlogHead++]!);
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
        this.policy,
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
