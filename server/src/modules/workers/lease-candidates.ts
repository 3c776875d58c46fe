import type { Types } from 'mongoose';
import { SharedRead } from '../../db/shared-read.ts';
import { claimableEntries } from '../runs/lifecycle.ts';
import type { QueueDoc } from '../runs/queue.model.ts';

/**
 * How long one read of a tenant's claimable command runs serves its lease requests, in ms; also
 * how often a waiting request looks for work (protocol.service.ts), so a run queued meanwhile
 * waits no longer for a waiting worker than it did when every look read the queue.
 */
export const FRESH_MS = 250;

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
 * that find no list, or one older than FRESH_MS, share one read (SharedRead).
 *
 * What that costs: a run queued, requeued or freed to start after the list was read can be
 * taken after runs of that list of a lower priority, for at most FRESH_MS. A candidate may be
 * stale (taken by another process, cancelled, its profile full by now): the claim decides, as
 * before, and the caller takes the next. A request that finds nothing for its labels in a list
 * it did not read itself reads again, so work queued since is not missed.
 */
export class LeaseCandidates {
  private readonly lists = new Map<string, Candidates>();
  /** One shared read per tenant whose workers asked: kept, a few objects each. */
  private readonly reads = new Map<string, SharedRead<Candidates>>();
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
    if (held && this.clock() - held.readAt < FRESH_MS) {
      const found = this.takeFrom(key, held, labels);
      if (found) return found;
    }
    return this.takeFrom(key, await this.fresh(key, tenantId), labels);
  }

  /** The claim of a run `take` returned is decided (won or lost): a later read may offer it again. */
  settled(id: Types.ObjectId): void {
    this.claiming.delete(id.toHexString());
  }

  private takeFrom(key: string, list: Candidates, labels: Record<string, string>): Types.ObjectId | null {
    const i = list.entries.findIndex((e) => !this.claiming.has(e._id.toHexString()) && carries(labels, e.labels));
    const found = i < 0 ? null : list.entries.splice(i, 1)[0]!._id;
    if (found) this.claiming.add(found.toHexString());
    // An emptied list is read again by the next request: dropping it keeps the map to tenants with work.
    if (list.entries.length === 0 && this.lists.get(key) === list) this.lists.delete(key);
    return found;
  }

  /** A list read after this call; requests asking while one is read share the next. */
  private fresh(key: string, tenantId: Types.ObjectId): Promise<Candidates> {
    let shared = this.reads.get(key);
    if (!shared) {
      shared = new SharedRead(async () => {
        const readAt = this.clock();
        const list = { readAt, entries: await this.read(tenantId) };
        this.lists.set(key, list);
        return list;
      });
      this.reads.set(key, shared);
    }
    return shared.get();
  }
}

/** Whether a worker with `labels` carries every label a run requires. */
function carries(labels: Record<string, string>, required: Record<string, string> | undefined): boolean {
  return Object.entries(required ?? {}).every(([k, v]) => labels[k] === v);
}
