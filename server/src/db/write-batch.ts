import type { AnyBulkWriteOperation, Document, MongoBulkWriteError, UpdateFilter } from 'mongodb';
import type { Model, Types } from 'mongoose';
import { findByIds } from './by-ids.ts';
import { laneWrite, userIsWaiting } from './write-lane.ts';

/**
 * Single-document inserts, deletes by `_id` and updates by `_id` that are issued in the same
 * turn of the event loop, coalesced into one bulk command per collection.
 *
 * Why: when a burst of slots falls due, hundreds of firings, claims and completions each write
 * one document to the same collection at once. Sent one by one, each write pays the client's
 * per-command cost (measured: more than half of the scheduler's CPU in a burst went to the
 * mongodb driver, mongoose and BSON) and, on FerretDB, a transaction of its own. One
 * `insertMany` of 50 documents costs about what 13 single inserts do there (measured: 1,880
 * single inserts/s against 6,950 documents/s in batches of 100); deletes by `_id` in one
 * `bulkWrite` cost half; updates, see batchedUpdate.
 *
 * Each caller still gets its own outcome: a document refused by the database (a duplicate
 * key, say) fails only its caller's promise, with the database's error code, so the callers'
 * duplicate-key logic is unchanged. Writes are unordered within a batch, which is what the
 * callers asked for anyway (each awaits its own write before the next that depends on it).
 */

/**
 * Most documents per command. Set when commands of 100 statements stalled FerretDB 1.24; the
 * cause was its update commands (batchedUpdate). With that patched, 100 a command was tried at
 * 10,000 runs due at once and was not consistently faster (bench/results/REPORT.md,
 * twenty-fifth round).
 */
const MAX_BATCH = 50;

/** A write the database refused for one document (MongoDB's write error, per document). */
export class DocumentWriteError extends Error {
  constructor(
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'DocumentWriteError';
  }
}

interface Pending<T, R> {
  item: T;
  /** Added by work a user waits for: the batch then skips the lane (write-lane.ts). */
  urgent: boolean;
  settle: (err: Error | null, result?: R) => void;
}

/** Writes of single documents made in one turn of the event loop, sent as one command; R: what each caller learns. */
class Coalescer<T, R = void> {
  private pending: Pending<T, R>[] = [];
  private scheduled = false;

  /** `send` answers one result per item, in order (nothing when the callers learn nothing). */
  constructor(private readonly send: (items: T[]) => Promise<R[] | void>) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.pending.push({
        item,
        urgent: userIsWaiting(),
        settle: (err, result) => (err ? reject(err) : resolve(result as R)),
      });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not a microtask: the writes of a whole burst of firings are issued
        // across several promise turns before the event loop moves on.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    const batch = this.pending;
    this.pending = [];
    this.scheduled = false;
    for (let i = 0; i < batch.length; i += MAX_BATCH) void this.sendChunk(batch.slice(i, i + MAX_BATCH));
  }

  private async sendChunk(chunk: Pending<T, R>[]): Promise<void> {
    try {
      const results = await laneWrite(
        () => this.send(chunk.map((p) => p.item)),
        chunk.some((p) => p.urgent),
      );
      chunk.forEach((p, i) => p.settle(null, results?.[i]));
    } catch (err) {
      const failed = perDocumentErrors(err);
      if (!failed) {
        for (const p of chunk) p.settle(err as Error);
        return;
      }
      chunk.forEach((p, i) => p.settle(failed.get(i) ?? null));
    }
  }
}

/** The per-document errors of an unordered bulk write, by index; null when the whole command failed. */
function perDocumentErrors(err: unknown): Map<number, Error> | null {
  const bulk = err as Partial<MongoBulkWriteError>;
  if (!bulk || bulk.writeErrors === undefined) return null;
  const list = Array.isArray(bulk.writeErrors) ? bulk.writeErrors : [bulk.writeErrors];
  if (list.length === 0) return null;
  return new Map(list.map((e) => [e.index, new DocumentWriteError(e.code, e.errmsg ?? 'write failed')]));
}

const inserters = new WeakMap<Model<never>, Coalescer<Document>>();
const deleters = new WeakMap<Model<never>, Coalescer<Types.ObjectId>>();
const updaters = new WeakMap<Model<never>, Coalescer<ByIdUpdate, boolean>>();

interface ByIdUpdate {
  id: Types.ObjectId;
  update: UpdateFilter<Document>;
}

/**
 * Inserts `doc` as is (no mongoose casting or defaults: pass a complete document), batched with
 * other inserts into the same collection. Rejects like insertOne would, with the code of the
 * database's error (so isDuplicateKey works).
 */
export function batchedInsert<T>(model: Model<T>, doc: T): Promise<void> {
  const key = model as unknown as Model<never>;
  let c = inserters.get(key);
  if (!c) {
    c = new Coalescer<Document>(async (docs) => {
      await model.collection.insertMany(docs, { ordered: false });
    });
    inserters.set(key, c);
  }
  return c.add(doc as Document);
}

/**
 * A new document of `model` as mongoose's own inserts store it (cast, defaults, timestamps and
 * version key), validated: what `batchedInsert` takes for a document a user sent. Rejects
 * with mongoose's ValidationError, as `create` does. `create` would also run save hooks; the
 * only ones here are mongoose's timestamps, set the same way (a timestamp given is kept).
 */
export async function buildNew<T>(model: Model<T>, fields: Partial<T>): Promise<T> {
  const doc = new model(fields);
  await doc.validate();
  const versionKey = model.schema.get('versionKey');
  if (typeof versionKey === 'string') doc.set(versionKey, 0);
  (doc as unknown as { initializeTimestamps?: () => void }).initializeTimestamps?.();
  return doc.toObject() as T;
}

/** Deletes the document `_id`, batched with other deletes from the same collection. */
export function batchedDelete<T>(model: Model<T>, id: Types.ObjectId): Promise<void> {
  const key = model as unknown as Model<never>;
  let c = deleters.get(key);
  if (!c) {
    c = new Coalescer<Types.ObjectId>(async (ids) => {
      // One deleteOne by _id per document: FerretDB deletes these without reading them, in one
      // statement (patch 0007), where an `_id: { $in }` filter reads each document first.
      const ops: AnyBulkWriteOperation[] = ids.map((_id) => ({ deleteOne: { filter: { _id } } }));
      await model.collection.bulkWrite(ops, { ordered: false });
    });
    deleters.set(key, c);
  }
  return c.add(id);
}

/**
 * Updates the document `_id`, found by `_id` alone, batched with other updates of the same
 * collection into one `update` command of up to MAX_BATCH statements; true when the document was
 * there. The update is sent through the driver as given (no casting, no timestamps).
 *
 * On the embedded FerretDB the statements of one command are written in one transaction
 * (server/ferretdb/patches/0002): measured with `npm run bench:db-writes`, 50 statements a
 * command at 0.66 ms of the database's CPU per update against 0.90-1.01 ms one by one, and up
 * to 2,500 updates a second against 1,300-1,500. Unpatched, FerretDB 1.24 held every
 * statement's read, a connection of its SQLite pool of 100, until the command ended, and
 * commands whose statements added up to about 100 waited for each other forever: only the
 * launcher's build may be sent these.
 *
 * The command answers how many documents matched in all, not which: when fewer matched than
 * were sent (some were deleted meanwhile), they are looked up by `_id` in one read, and one
 * deleted since its update counts as not there.
 */
export function batchedUpdate<T>(
  model: Model<T>,
  id: Types.ObjectId,
  update: UpdateFilter<Document>,
): Promise<boolean> {
  const key = model as unknown as Model<never>;
  let c = updaters.get(key);
  if (!c) {
    c = new Coalescer<ByIdUpdate, boolean>(async (items) => {
      const ops: AnyBulkWriteOperation[] = items.map((u) => ({
        updateOne: { filter: { _id: u.id }, update: u.update },
      }));
      const res = await model.collection.bulkWrite(ops, { ordered: false });
      if (res.matchedCount === items.length) return items.map(() => true);
      const there = await findByIds<{ _id: Types.ObjectId }>(
        model,
        items.map((u) => u.id),
        { _id: 1 },
      );
      const ids = new Set(there.map((d) => d._id.toHexString()));
      return items.map((u) => ids.has(u.id.toHexString()));
    });
    updaters.set(key, c);
  }
  return c.add({ id, update });
}
