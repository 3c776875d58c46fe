import type { Types } from 'mongoose';
import { SharedRead } from '../../db/shared-read.ts';
import { claimableEntries, SCAN_BOUND } from '../runs/lifecycle.ts';
import { dispatchOrder } from '../runs/dispatch-order.ts';
import { isLimited } from '../runs/limits.ts';
import type { QueueNotice } from '../runs/queue-notices.ts';
import type { QueueDoc } from '../runs/queue.model.ts';

/**
 * How long one read of a tenant's claimable command runs serves its lease requests, in ms. This
 * process's own queueing joins the list as it happens (`notice`); what it cannot see (runs
 * queued by another process, a profile's limit raised) waits for the next read, at most this
 * long, as retries wait for the HTTP executor's poll (1 s).
 */
export const LIST_MS = 1000;
/** How often a waiting lease request looks for work when nothing wakes it (protocol.service.ts), in ms. */
export const LOOK_MS = 250;

interface Candidates {
  /** When the read began (clock ms). */
  readAt: number;
  /** Entries in dispatch order; a request takes its run out, so no other request gets it. */
  entries: QueueDoc[];
}

export interface LeaseCandidatesOptions {
  clock?: () => number;
  /** Reads the tenant's claimable command runs (default: claimableEntries). */
  read?: (tenantId: Types.ObjectId) => Promise<QueueDoc[]>;
}

/**
 * The command runs a tenant's workers may lease, read once for many lease requests.
 *
 * Why: each lease request scanned the run queue (on FerretDB any filter but `_id` reads every
 * entry) and then raced the tenant's other waiting slots for the same first entry. Measured
 * with one worker of two slots running no-op commands: a lease took 92 ms, of which 56 ms per
 * scan, and more than a quarter of the claims lost the race (27 ms each). Now requests take
 * their candidates from one list per tenant, each a different run, in dispatch order; requests
 * that find no list, or one older than LIST_MS, share one read (SharedRead).
 *
 * The runs this process queues are offered to the list as they are queued (`notice`, from
 * runs/queue-notices.ts), at their place in dispatch order, and wake the requests waiting for
 * them; so the list is trusted for LIST_MS, also when it has nothing for a request. With a list
 * kept 250 ms and read again whenever it had nothing, a queue of 300 command runs was scanned
 * 161 times for 300 commands, a quarter of the database's time (`bench/results/session18`).
 *
 * What that costs: a run this process did not announce can be taken after runs of the list of
 * a lower priority, or wait, for at most LIST_MS. A candidate may be stale (taken by another
 * process, cancelled, its profile full by now): the claim decides, and the caller takes the next.
 */
export class LeaseCandidates {
  private readonly lists = new Map<string, Candidates>();
  /** One shared read per tenant whose workers asked: kept, a few objects each. */
  private readonly reads = new Map<string, SharedRead<Candidates>>();
  /** Runs offered while the tenant's read is under way: the read may have missed them. */
  private readonly offeredDuringRead = new Map<string, QueueDoc[]>();
  /** Lease requests waiting for work, per tenant (`nextChance`). */
  private readonly waiting = new Map<string, Set<() => void>>();
  /**
   * Runs taken and not yet settled: a read while their claim is under way still finds them
   * queued, and another request would take them only to lose the claim (measured: one claim in
   * six, before these were left out).
   */
  private readonly claiming = new Set<string>();
  private readonly clock: () => number;
  private readonly read: (tenantId: Types.ObjectId) => Promise<QueueDoc[]>;

  constructor(opts: LeaseCandidatesOptions = {}) {
    this.clock = opts.clock ?? Date.now;
    this.read = opts.read ?? ((tenantId) => claimableEntries({ targetType: 'command', tenantId }));
  }

  /**
   * The id of the next run for a worker of the tenant carrying `labels`, which no other request
   * of this process gets until the caller has `settled` its claim; null when there is none now.
   */
  async take(tenantId: Types.ObjectId, labels: Record<string, string>): Promise<Types.ObjectId | null> {
    const key = tenantId.toHexString();
    const held = this.lists.get(key);
    const list = held && this.clock() - held.readAt < LIST_MS ? held : await this.fresh(key, tenantId);
    return this.takeFrom(list, labels);
  }

  /** The claim of a run `take` returned is decided (won or lost): a later read may offer it again. */
  settled(id: Types.ObjectId): void {
    this.claiming.delete(id.toHexString());
  }

  /** Resolves when a run of the tenant is offered or a place frees up, or after `ms`. */
  nextChance(tenantId: Types.ObjectId, ms: number): Promise<void> {
    const key = tenantId.toHexString();
    return new Promise((resolve) => {
      const set = this.waiting.get(key) ?? new Set();
      this.waiting.set(key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiting.get(key) === set) this.waiting.delete(key);
        resolve();
      };
      const timer = setTimeout(done, ms);
      set.add(done);
    });
  }

  /** A change this process made to the queue (runs/queue-notices.ts). */
  notice(n: QueueNotice): void {
    if (n.kind === 'place_freed') {
      // Which of the tenant's waiting runs may start now is the read's to decide (dispatchable).
      this.lists.delete(n.tenantId.toHexString());
      this.wake(n.tenantId.toHexString());
      return;
    }
    const entry = n.entry;
    const key = entry.tenant_id.toHexString();
    const wait = entry.available_at.getTime() - Date.now();
    if (wait > 0) {
      // A retry after its backoff (at most a day, RetryPolicy): offered when it is due, as a
      // read would find it then. Wall-clock time, as the entry's available_at is.
      setTimeout(() => this.notice(n), wait).unref();
      return;
    }
    if (isLimited(entry)) {
      // Whether it may start, or preempt, depends on its profile's places: the next read decides.
      this.lists.delete(key);
    } else {
      const held = this.lists.get(key);
      if (held) insertInOrder(held.entries, entry);
      this.offeredDuringRead.get(key)?.push(entry);
    }
    this.wake(key);
  }

  /** Wakes the tenant's waiting lease requests, to look at what changed for them (a drain). */
  interrupt(tenantId: Types.ObjectId): void {
    this.wake(tenantId.toHexString());
  }

  private wake(key: string): void {
    for (const done of [...(this.waiting.get(key) ?? [])]) done();
  }

  private takeFrom(list: Candidates, labels: Record<string, string>): Types.ObjectId | null {
    const i = list.entries.findIndex((e) => !this.claiming.has(e._id.toHexString()) && carries(labels, e.labels));
    const found = i < 0 ? null : list.entries.splice(i, 1)[0]!._id;
    if (found) this.claiming.add(found.toHexString());
    return found;
  }

  /** A list read after this call; requests asking while one is read share the next. */
  private fresh(key: string, tenantId: Types.ObjectId): Promise<Candidates> {
    let shared = this.reads.get(key);
    if (!shared) {
      shared = new SharedRead(async () => {
        const readAt = this.clock();
        const offered: QueueDoc[] = [];
        this.offeredDuringRead.set(key, offered);
        let entries: QueueDoc[];
        try {
          entries = await this.read(tenantId);
        } finally {
          this.offeredDuringRead.delete(key);
        }
        for (const e of offered) insertInOrder(entries, e);
        const list = { readAt, entries };
        this.lists.set(key, list);
        return list;
      });
      this.reads.set(key, shared);
    }
    return shared.get();
  }
}

/** Puts `entry` at its place in dispatch order, unless the list has it; a list keeps what one read may return. */
function insertInOrder(entries: QueueDoc[], entry: QueueDoc): void {
  if (entries.some((e) => e._id.equals(entry._id))) return;
  const at = entries.findIndex((e) => dispatchOrder(entry, e) < 0);
  entries.splice(at < 0 ? entries.length : at, 0, entry);
  if (entries.length > SCAN_BOUND) entries.pop(); // the last waits for a read
}

/** Whether a worker with `labels` carries every label a run requires. */
function carries(labels: Record<string, string>, required: Record<string, string> | undefined): boolean {
  return Object.entries(required ?? {}).every(([k, v]) => labels[k] === v);
}
