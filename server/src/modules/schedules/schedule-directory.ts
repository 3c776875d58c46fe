import { Types } from 'mongoose';
import type { ScheduleDoc } from './schedule.model.ts';

/** What the directory keeps of a schedule: the fields a list filters on. */
export type Listed = Pick<ScheduleDoc, '_id' | 'tenant_id' | 'name' | 'paused' | 'group_id'> & {
  /** Only `labels` is read (command targets have them); a projection may leave out the rest. */
  target?: object | null;
};

/** The projection that reads a `Listed`. */
export const LISTED_FIELDS = { _id: 1, tenant_id: 1, name: 1, paused: 1, group_id: 1, 'target.labels': 1 } as const;

/** A list's filters, as `GET /v1/schedules` takes them (all optional, all must match). */
export interface ListFilter {
  /** Name contains, case-insensitive. */
  q?: string;
  paused?: boolean;
  groupId?: Types.ObjectId;
  /** A command target label: [key, value]. */
  label?: [string, string];
}

interface Entry {
  id: string;
  /** Lower-cased, for `q`. */
  name: string;
  paused: boolean;
  group: string | null;
  labels: Record<string, string> | null;
}

/**
 * Every schedule's id, by tenant and in id order, with the fields a list filters on, in this
 * process's memory, so that a page of `GET /v1/schedules` reads the 50 schedules it shows
 * instead of the whole collection. FerretDB 1.x pushes no filter but `_id` alone down to
 * SQLite: the page's query read every schedule of every tenant (about 200 µs a document, so
 * 0.3 s a page at 1,000 schedules and most of a minute at 100,000).
 *
 * It is loaded in the due index's pass over the schedules (due-index.ts) and follows the
 * change notes with it, which every write of a schedule leaves; this process's own writes
 * apply at once (`put`, `remove`), so a schedule created here is listed here at once. It is
 * trusted only once loaded (`complete`) and while the notes are followed
 * (`scheduleCache.following`: a process whose ticker runs); otherwise lists query the database.
 */
export class ScheduleDirectory {
  /** Tenant id → its schedules, ascending by id. */
  private tenants = new Map<string, Entry[]>();
  /** Schedule id → tenant id. */
  private tenantOf = new Map<string, string>();
  /** Whether it holds every schedule: loaded, and no load begun since. */
  private whole = false;

  /** Whether it holds every schedule, so that a list may be answered from it. */
  get complete(): boolean {
    return this.whole;
  }

  /** A pass over all schedules began: nothing is listed from here until it ends (`load`). */
  unload(): void {
    this.tenants = new Map();
    this.tenantOf = new Map();
    this.whole = false;
  }

  /** Everything anew, from a pass over all schedules. */
  load(docs: Iterable<Listed>): void {
    const tenants = new Map<string, Entry[]>();
    const tenantOf = new Map<string, string>();
    for (const doc of docs) {
      const tenant = doc.tenant_id.toHexString();
      const entries = tenants.get(tenant) ?? [];
      entries.push(entryOf(doc));
      tenants.set(tenant, entries);
      tenantOf.set(doc._id.toHexString(), tenant);
    }
    for (const entries of tenants.values()) entries.sort((a, b) => (a.id < b.id ? -1 : 1));
    this.tenants = tenants;
    this.tenantOf = tenantOf;
    this.whole = true;
  }

  /** A schedule as it is now stored (created or edited). */
  put(doc: Listed): void {
    const id = doc._id.toHexString();
    this.remove(id);
    const tenant = doc.tenant_id.toHexString();
    const entries = this.tenants.get(tenant) ?? [];
    entries.splice(firstAfter(entries, id), 0, entryOf(doc));
    this.tenants.set(tenant, entries);
    this.tenantOf.set(id, tenant);
  }

  /** A schedule that is gone. */
  remove(id: string): void {
    const tenant = this.tenantOf.get(id);
    if (tenant === undefined) return;
    this.tenantOf.delete(id);
    const entries = this.tenants.get(tenant)!;
    const i = firstAfter(entries, id) - 1;
    if (entries[i]?.id === id) entries.splice(i, 1);
    if (entries.length === 0) this.tenants.delete(tenant);
  }

  /**
   * Up to `limit` ids of the tenant's schedules that match `filter`, newest first (or oldest
   * first with `asc`), after the cursor id `after` in that order.
   */
  page(
    tenantId: Types.ObjectId,
    filter: ListFilter,
    { after, asc, limit }: { after: Types.ObjectId | null; asc: boolean; limit: number },
  ): Types.ObjectId[] {
    const entries = this.tenants.get(tenantId.toHexString()) ?? [];
    const q = filter.q?.toLowerCase();
    const group = filter.groupId?.toHexString();
    const matches = (e: Entry) =>
      (q === undefined || e.name.includes(q)) &&
      (filter.paused === undefined || e.paused === filter.paused) &&
      (group === undefined || e.group === group) &&
      (filter.label === undefined || e.labels?.[filter.label[0]] === filter.label[1]);
    const found: Types.ObjectId[] = [];
    const cursor = after?.toHexString();
    if (asc) {
      for (let i = cursor ? firstAfter(entries, cursor) : 0; i < entries.length && found.length < limit; i++) {
        if (matches(entries[i]!)) found.push(new Types.ObjectId(entries[i]!.id));
      }
    } else {
      const from = cursor ? firstAfter(entries, cursor) - 1 : entries.length - 1;
      for (let i = cursor && entries[from]?.id === cursor ? from - 1 : from; i >= 0 && found.length < limit; i--) {
        if (matches(entries[i]!)) found.push(new Types.ObjectId(entries[i]!.id));
      }
    }
    return found;
  }
}

function entryOf(doc: Listed): Entry {
  return {
    id: doc._id.toHexString(),
    name: doc.name.toLowerCase(),
    paused: doc.paused,
    group: doc.group_id?.toHexString() ?? null,
    labels: (doc.target as { labels?: Record<string, string> } | null | undefined)?.labels ?? null,
  };
}

/** The index of the first entry whose id is greater than `id` (entries ascend by id). */
function firstAfter(entries: Entry[], id: string): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (entries[mid]!.id <= id) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The process's directory, fed by its ticker's due index and its own writes. */
export const scheduleDirectory = new ScheduleDirectory();
