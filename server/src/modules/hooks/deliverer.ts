import type { HttpHook } from '@crony/shared';
import type { Logger } from 'pino';
import { isDuplicateKey } from '../../db/errors.ts';
import { updateIf } from '../../db/update-if.ts';
import { OutboundError } from '../outbound/http-client.ts';
import type { RequestThread } from '../outbound/request-thread.ts';
import {
  DeliveryModel,
  HookClaimModel,
  HookQueueModel,
  type DeliveryDoc,
  type HookQueueDoc,
} from './delivery.model.ts';
import { recordHookFailed } from './hook-failed.ts';
import { signatureHeaders } from './signing.ts';
import { settleWithin } from '../../settle-within.ts';

/** Waits before tries 2, 3, 4 and 5 of a delivery, in ms; after the 5th failure it is given up. */
export const HOOK_RETRY_DELAYS_MS = [1_000, 5_000, 30_000, 120_000];

/** How old a queue entry without its delivery must be before it is taken for a crash's leftover, in ms. */
const ORPHAN_GRACE_MS = 60_000;

export interface DelivererOptions {
  /** How often to look for due deliveries, in ms (default 1000). */
  pollMs?: number;
  /** Waits between tries, in ms; its length + 1 is the number of tries (default HOOK_RETRY_DELAYS_MS). */
  retryDelaysMs?: readonly number[];
  /** Most deliveries in flight at once (default 20). */
  concurrency?: number;
}

/**
 * Works the hook queue: POSTs each due event to its hook, signed, through the SSRF-guarded
 * client, and retries failures with backoff. Durable: the queue lives in the database, so a
 * restart resumes where it stopped; several processes may run one (a delivery try is claimed
 * by inserting `<id>:<epoch>` into hook_claims). Progress events of one run share a lane and
 * go out one at a time in order. A delivery that is given up on, for an error hook, is added to
 * the schedule's `errors` as `hook_failed` (which sends nothing, so hooks never loop).
 */
export class Deliverer {
  private readonly inflight = new Set<Promise<void>>();
  private readonly pollMs: number;
  private readonly delays: readonly number[];
  private readonly concurrency: number;
  private timer: NodeJS.Timeout | undefined;
  private accepting = true;

  constructor(
    /** Sends the deliveries, from a thread of their own, under the server's target policy. */
    private readonly outbound: RequestThread,
    private readonly log: Logger,
    opts: DelivererOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 1000;
    this.delays = opts.retryDelaysMs ?? HOOK_RETRY_DELAYS_MS;
    this.concurrency = opts.concurrency ?? 20;
  }

  start(): void {
    const loop = () => {
      this.poll()
        .catch((err: unknown) => this.log.warn({ err }, 'polling the hook queue failed; retrying'))
        .finally(() => {
          if (this.accepting) this.timer = setTimeout(loop, this.pollMs);
        });
    };
    loop();
  }

  async drain(timeoutMs = 10_000): Promise<void> {
    this.accepting = false;
    clearTimeout(this.timer);
    await settleWithin(this.inflight, timeoutMs);
  }

  /** One pass: releases lapsed locks, then starts the due deliveries that head their lane. */
  async poll(now = new Date()): Promise<void> {
    const free = this.concurrency - this.inflight.size;
    if (!this.accepting || free <= 0) return;
    const due = await HookQueueModel.find({ available_at: { $lte: now } })
      .sort({ available_at: 1 })
      .limit(200)
      .lean<HookQueueDoc[]>();
    if (due.length === 0) return;
    const lanes = [...new Set(due.map((e) => e.lane))];
    const heads = new Map<string, HookQueueDoc>();
    for (const e of await HookQueueModel.find({ lane: { $in: lanes } }).lean<HookQueueDoc[]>()) {
      const head = heads.get(e.lane);
      if (!head || e.seq < head.seq) heads.set(e.lane, e);
    }
    let started = 0;
    for (const e of due) {
      if (started >= free) break;
      if (e.locked_until) {
        // Held by a deliverer; if its lock lapsed, the process died mid-try: release it.
        if (e.locked_until < now) {
          await updateIf(
            HookQueueModel,
            e._id as never,
            { epoch: e.epoch },
            { $set: { epoch: e.epoch + 1, locked_until: null } },
          );
        }
        continue;
      }
      if (heads.get(e.lane)?._id !== e._id) continue; // an earlier event of the lane goes first
      const claimed = await this.claim(e, now);
      if (!claimed) continue;
      started++;
      const p = this.deliver(claimed.entry, claimed.delivery).catch((err: unknown) =>
        this.log.warn({ err, delivery: e._id }, 'hook delivery failed unexpectedly; it will be retried'),
      );
      this.inflight.add(p);
      void p.finally(() => this.inflight.delete(p));
    }
  }

  private async claim(
    e: HookQueueDoc,
    now: Date,
  ): Promise<{ entry: HookQueueDoc; delivery: DeliveryDoc & { target: HttpHook } } | null> {
    const delivery = await DeliveryModel.findById(e._id).lean<DeliveryDoc>();
    if (!delivery) {
      // The entry is written just before its delivery: a young one may be mid-write; an old one
      // is the leftover of a crash between the two writes.
      if (e.available_at.getTime() < now.getTime() - ORPHAN_GRACE_MS) await HookQueueModel.deleteOne({ _id: e._id });
      return null;
    }
    if (delivery.status !== 'pending' || delivery.target.type !== 'http') {
      await HookQueueModel.deleteOne({ _id: e._id }); // superseded, or already done
      return null;
    }
    try {
      await HookClaimModel.create({ _id: `${e._id}:${e.epoch}`, at: now });
    } catch (err) {
      if (isDuplicateKey(err)) return null;
      throw err;
    }
    const lockedUntil = new Date(now.getTime() + delivery.target.timeout_ms + 30_000);
    await HookQueueModel.updateOne({ _id: e._id }, { $set: { locked_until: lockedUntil } });
    return { entry: { ...e, locked_until: lockedUntil }, delivery: { ...delivery, target: delivery.target } };
  }

  private async deliver(entry: HookQueueDoc, d: DeliveryDoc & { target: HttpHook }): Promise<void> {
    const body = JSON.stringify(d.event);
    const started = new Date();
    let httpStatus: number | null = null;
    let error: string | null = null;
    try {
      const res = await this.outbound.request({
        url: d.target.url,
        method: 'POST',
        headers: {
          ...d.target.headers,
          'content-type': 'application/json',
          ...(await signatureHeaders(d.tenant_id, d._id, body, started)),
        },
        body,
        timeoutMs: d.target.timeout_ms,
        maxBodyBytes: 512,
      });
      httpStatus = res.status;
      if (res.status < 200 || res.status >= 300) error = `the hook answered HTTP ${res.status}`;
    } catch (err) {
      if (!(err instanceof OutboundError)) throw err;
      error = err.message;
    }
    const finished = new Date();
    const attempts = [
      ...d.attempts,
      { at: started, http_status: httpStatus, latency_ms: finished.getTime() - started.getTime(), error },
    ];
    const done = error === null;
    const givenUp = !done && attempts.length > this.delays.length;
    const nextAt = done || givenUp ? null : new Date(finished.getTime() + this.delays[attempts.length - 1]!);
    await DeliveryModel.updateOne(
      { _id: d._id },
      { $set: { attempts, status: done ? 'succeeded' : givenUp ? 'failed' : 'pending', next_attempt_at: nextAt } },
    );
    if (nextAt) {
      await HookQueueModel.updateOne(
        { _id: entry._id },
        { $set: { available_at: nextAt, epoch: entry.epoch + 1, locked_until: null } },
      );
    } else {
      await HookQueueModel.deleteOne({ _id: entry._id });
    }
    await HookClaimModel.deleteOne({ _id: `${entry._id}:${entry.epoch}` });
    if (givenUp && d.hook === 'error_hook') {
      await recordHookFailed(d, {
        message: `the error hook ${d.target.url} could not be delivered after ${attempts.length} tries: ${error}`,
        worker: null,
        at: finished,
      });
    }
  }
}
