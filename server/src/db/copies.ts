import { setBounded } from './set-bounded.ts';
import { idOnlyFilters } from './engine.ts';

/** Most documents one `Copies` keeps; the oldest go first. */
const MAX_COPIES = 25_000;

/**
 * Copies of documents that the API reads on every request and that change seldom (a schedule's
 * state, when a run ends; a profile or a token, when a user edits it), so that answering a
 * request does not read them again each time: at 200 lists a second, reading a page's 50 states
 * and the settings by `_id` was more than FerretDB answers beside the scheduler (measured: the
 * lists timed out).
 *
 * Every write of such a document goes through `write`, which drops the copies it names before
 * and after it; a read that overlapped a write of a document does not keep what it read, which
 * may predate the write. That makes the copies exact only where this process makes every
 * write: on FerretDB, where one `crony serve` process is run (README, Operations). On MongoDB,
 * where several may share the database, nothing is kept and every read goes to the database.
 */
export class Copies<T> {
  /** How many documents are kept at most. */
  readonly capacity = MAX_COPIES;

  private readonly docs = new Map<string, T>();
  /**
   * Writes begun or ended while reads were in flight: key (ALL: every document) → sequence
   * number of the latest.
   */
  private readonly touched = new Map<string, number>();
  /** Writes in flight, by key (ALL: of every document). */
  private readonly writing = new Map<string, number>();
  /** Reads from the database in flight, by key: readers of the same key may join them. */
  private readonly pending = new Map<string, Pending<T>>();
  private seq = 0;
  private reads = 0;

  /**
   * `trusted`: whether copies may be used now; when not, every read goes to the database and
   * nothing is kept. By default, on FerretDB (above); the schedule copies trust the change
   * notes instead (schedule-cache.ts).
   */
  constructor(private readonly trusted: () => boolean | Promise<boolean> = idOnlyFilters) {}

  /**
   * Runs `write`, which writes the documents with these keys (`'all'`: any number of them, as
   * an update by a filter does), dropping their copies before and after it.
   */
  async write<R>(keys: readonly string[] | 'all', write: () => Promise<R>): Promise<R> {
    const names = keys === 'all' ? [ALL] : keys;
    for (const key of names) this.writing.set(key, (this.writing.get(key) ?? 0) + 1);
    this.touch(names);
    try {
      return await write();
    } finally {
      this.touch(names);
      for (const key of names) {
        const left = this.writing.get(key)! - 1;
        if (left === 0) this.writing.delete(key);
        else this.writing.set(key, left);
      }
    }
  }

  /**
   * The documents with these keys (missing ones left out), from the copies where kept, the rest
   * through `readMissing` (documents by key), whose answers are kept unless a write of them
   * overlapped the read. A key already being read, with no write of it since that read began,
   * joins that read: at 200 lists a second, the same page's states were read by many requests
   * at once.
   */
  async read(keys: readonly string[], readMissing: (keys: string[]) => Promise<Map<string, T>>): Promise<T[]> {
    const trusted = this.trusted();
    if (!(typeof trusted === 'boolean' ? trusted : await trusted)) return [...(await readMissing([...keys])).values()];
    const found: T[] = [];
    const joined: Promise<T | undefined>[] = [];
    const missing: string[] = [];
    for (const key of keys) {
      const doc = this.docs.get(key);
      const pending = this.pending.get(key);
      if (doc) found.push(doc);
      else if (pending && this.untouchedSince(key, pending.from)) joined.push(pending.docs.then((m) => m.get(key)));
      else missing.push(key);
    }
    if (missing.length > 0) {
      const read = this.fetch(missing, readMissing);
      joined.push(...missing.map((key) => read.then((m) => m.get(key))));
    }
    if (joined.length === 0) return found; // all kept: no await more (a firing's usual case)
    for (const doc of await Promise.all(joined)) if (doc) found.push(doc);
    return found;
  }

  /**
   * These documents were written elsewhere (another process, learned from a note): their
   * copies go, and reads of them in flight keep nothing.
   */
  forget(keys: Iterable<string> | 'all'): void {
    this.touch(keys === 'all' ? [ALL] : [...keys]);
  }

  /** The document kept under `key`, else `readMissing`'s, or null (`read` for one key). */
  async readOne(key: string, readMissing: () => Promise<T | null>): Promise<T | null> {
    const [doc] = await this.read([key], async () => {
      const d = await readMissing();
      return new Map(d ? [[key, d]] : []);
    });
    return doc ?? null;
  }

  /**
   * Reads `keys` from the database, keeping what was read unless a write of it overlapped the
   * read; later readers of these keys may join it meanwhile (`pending`).
   */
  private fetch(keys: string[], readMissing: (keys: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>> {
    const entry = { from: ++this.seq } as Pending<T>;
    for (const key of keys) this.pending.set(key, entry);
    this.reads++;
    entry.docs = (async () => {
      try {
        const read = await readMissing(keys);
        for (const [key, doc] of read) if (this.untouchedSince(key, entry.from)) this.keep(key, doc);
        return read;
      } finally {
        for (const key of keys) if (this.pending.get(key) === entry) this.pending.delete(key);
        // `touched` only matters to reads in flight; with none, it is let go.
        if (--this.reads === 0) this.touched.clear();
      }
    })();
    return entry.docs;
  }

  /** No write of the document, nor of every document, began or ended since `from`, and none is in flight. */
  private untouchedSince(key: string, from: number): boolean {
    return [key, ALL].every((k) => !this.writing.has(k) && (this.touched.get(k) ?? 0) < from);
  }

  private touch(keys: readonly string[]): void {
    for (const key of keys) {
      if (key === ALL) this.docs.clear();
      else this.docs.delete(key);
      if (this.reads > 0) this.touched.set(key, ++this.seq);
    }
  }

  /** Keeps a document read some other way (a pass over the whole collection). */
  keep(key: string, doc: T): void {
    setBounded(this.docs, key, doc, MAX_COPIES);
  }
}

interface Pending<T> {
  /** The sequence number when the read began. */
  from: number;
  docs: Promise<Map<string, T>>;
}

/** The key `write` takes for every document at once (an update by a filter). */
const ALL = '\0all';
