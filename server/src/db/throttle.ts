import type { Collection, Document } from 'mongodb';
import type { Types } from 'mongoose';
import { isDuplicateKey } from './errors.ts';

/**
 * Remembers, per key, when this process last wrote a value that many requests refresh (a
 * worker's heartbeat, an API token's last use), so that it is written at most once per
 * interval per key in a process, decided without reading anything. The map holds only keys
 * written within the last interval, and never more than `maxKeys` of them (the oldest go
 * first); a key dropped early may be written once sooner than the interval, which costs a
 * write, never a wrong answer.
 */
export class WriteThrottle {
  /** Key → when this process last wrote it (ms), in the order of those writes. */
  private readonly last = new Map<string, number>();

  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 10_000,
  ) {}

  /** True when `key` is due for a write at `now` (ms); the write is then noted as made. */
  take(key: string, now: number): boolean {
    const at = this.last.get(key);
    // Either way round: a clock set back does not stop the writes for the time it went back.
    if (at !== undefined && Math.abs(now - at) < this.intervalMs) return false;
    this.last.delete(key); // set again below, so it moves to the end: the map stays in write order
    this.last.set(key, now);
    this.prune(now);
    return true;
  }

  /** Forgets the write `take` noted for `key` at `now` when it failed, so the next request tries again. */
  release(key: string, now: number): void {
    if (this.last.get(key) === now) this.last.delete(key);
  }

  /**
   * Sets `field` to `now` on the document `id` of `collection` (created if missing; `$max`, so a
   * slower earlier write never moves it back) when this process has not done so within the
   * interval. Two first writes at once can both insert on FerretDB: the loser's duplicate key
   * means the value is written. A failed write is forgotten, so the next call tries again.
   */
  async writeLatest(collection: Collection<Document>, id: Types.ObjectId, field: string, now: Date): Promise<void> {
    const key = id.toHexString();
    if (!this.take(key, now.getTime())) return;
    try {
      await collection.updateOne({ _id: id }, { $max: { [field]: now } }, { upsert: true });
    } catch (err) {
      if (isDuplicateKey(err)) return;
      this.release(key, now.getTime());
      throw err;
    }
  }

  /** Keys noted (for tests). */
  get size(): number {
    return this.last.size;
  }

  /** Drops, oldest first, keys whose interval has passed and any beyond `maxKeys`. */
  private prune(now: number): void {
    for (const [key, at] of this.last) {
      if (this.last.size <= this.maxKeys && now - at < this.intervalMs) break;
      this.last.delete(key);
    }
  }
}
