/**
 * How a guarded update ("update this document if it is still in the state I read") is done.
 * On MongoDB the conditions go into the filter: an atomic compare-and-set, for free. FerretDB
 * 1.x only pushes a filter down to its SQLite index when it is `_id` alone; `_id` plus any other
 * field scans the whole collection, which made every run update cost a pass over the run
 * ledger. There the document is read by `_id`, the conditions are checked in memory (with
 * sift, the matcher mongoose uses), and the write goes by `_id`, in the document's turn
 * (`inTurn`), so that within this process the check and the write are one step. FerretDB
 * applies updates as a read and a separate write anyway, so this gives up no atomicity there;
 * between processes it is not a compare-and-set, and what must be exclusive is decided by
 * unique indexes (who fired a slot, who claimed an attempt). Which of the two applies:
 * `idOnlyFilters` (engine.ts).
 */
import type { Model, Types, UpdateQuery } from 'mongoose';
import * as siftModule from 'sift';
import { findById } from './by-ids.ts';
import { idOnlyFilters } from './engine.ts';
import { PerDocument } from './per-document.ts';
import { setBounded } from './set-bounded.ts';
import { batchedUpdate } from './write-batch.ts';
import { laneWrite } from './write-lane.ts';

// sift is CommonJS: under Node's ESM interop its matcher is the `default` export's `default`.
type Matcher = (query: Record<string, unknown>) => (doc: unknown) => boolean;
const interop = siftModule.default as unknown as Matcher & { default?: Matcher };
const sift: Matcher = interop.default ?? interop;

/** This process's guarded writes and the writes that must not interleave with them, per document. */
const turns = new PerDocument();

const keyOf = (model: Pick<Model<unknown>, 'collection'>, id: Types.ObjectId | string) =>
  // String(): some collections key their documents by string (the hook queue).
  `${model.collection.collectionName}:${String(id)}`;

/**
 * Copies of documents this process stored and will write again from its copy, without reading
 * them back first: a run born running here, or claimed here, until its executor reports the
 * outcome. A guarded write of the document made meanwhile in this process (a heartbeat, a
 * progress report, a cancel) lets the copy go, and the writer reads the document as before.
 * What another process writes is not seen here, which is why the conditions of a write from a
 * copy must hold on the copy (FerretDB) or in the filter (MongoDB), as for any guarded write
 * (README, Operations: one process on FerretDB).
 *
 * Bounded: a run claimed here whose result goes to another process (MongoDB, several
 * processes) never takes its copy, so at MAX_COPIES the oldest tenth is let go. A copy let go
 * costs its writer one read, nothing else.
 */
const copies = new Map<string, unknown>();
export const MAX_COPIES = 10_000;

/** Keeps `doc`, as this process stored it or is about to, for one later `takeCopy`. */
export function keepCopy(model: Pick<Model<unknown>, 'collection'>, doc: { _id: Types.ObjectId }): void {
  const key = keyOf(model, doc._id);
  copies.delete(key); // kept again: it goes to the end of the line
  setBounded(copies, key, doc, MAX_COPIES);
}

/** The kept copy of the document, unless a write let it go; either way it is let go. */
export function takeCopy<T>(model: Pick<Model<unknown>, 'collection'>, id: Types.ObjectId): T | null {
  const key = keyOf(model, id);
  const copy = copies.get(key);
  copies.delete(key);
  return (copy as T | undefined) ?? null;
}

/** The kept copy of the document, left for its `takeCopy`; null when there is none. */
export function peekCopy<T>(model: Pick<Model<unknown>, 'collection'>, id: Types.ObjectId): T | null {
  return (copies.get(keyOf(model, id)) as T | undefined) ?? null;
}

/** Lets a kept copy go unused (its document was not stored, or its writer gave up). */
export function dropCopy(model: Pick<Model<unknown>, 'collection'>, id: Types.ObjectId): void {
  copies.delete(keyOf(model, id));
}

/**
 * Runs `work` in the document's turn: after the writes this process queued for it before, and
 * before those queued after. On FerretDB a guarded write is a read, a check and a write, and
 * the server applies any update as a read and a write of the whole document: two writes of one
 * document in flight at once can both pass their checks, or one can write back what the other
 * changed (a heartbeat read before a run ended wrote it back as running). In turn, this
 * process's own writes cannot; writers in other processes still can, which only MongoDB rules
 * out (README, Operations).
 */
export async function inTurn<R>(
  model: Pick<Model<unknown>, 'collection'>,
  id: Types.ObjectId | string,
  work: () => Promise<R>,
): Promise<R> {
  // MongoDB applies each update atomically and updateIf checks in its filter: no turn needed.
  if (!(await idOnlyFilters())) return work();
  return turns.run(keyOf(model, id), work);
}

/** Updates the document `id` if it matches `conditions`; true when it did. */
export async function updateIf<T>(
  model: Model<T>,
  id: Types.ObjectId,
  conditions: Record<string, unknown>,
  update: UpdateQuery<T>,
): Promise<boolean> {
  if (!(await idOnlyFilters())) {
    copies.delete(keyOf(model, id));
    const res = await model.updateOne({ _id: id, ...conditions } as never, update);
    return res.modifiedCount === 1 || res.matchedCount === 1;
  }
  return inTurn(model, id, async () => {
    // In the turn, not before it: a claim holding the turn keeps its copy as it leaves, and
    // this write, which comes after, must let that copy go.
    copies.delete(keyOf(model, id));
    const current = await findById(model, id);
    if (!current || !sift(conditions)(current)) return false;
    const res = await laneWrite(() => model.updateOne({ _id: id } as never, update));
    return res.matchedCount === 1;
  });
}

/**
 * updateIf for a document the caller read in the document's turn (`inTurn`), which it still
 * holds: no write of this process can have changed it since. On FerretDB the conditions are
 * checked on that copy rather than on a second read: one round trip shorter and no less
 * atomic. On MongoDB the conditions stay in the filter, an atomic compare-and-set.
 *
 * The update is sent through the driver as given: no casting, no timestamps, so it must hold
 * values in their stored form and set `updated_at` itself. This is the write that ends every
 * run, and mongoose casting its attempts array into subdocuments and back was a tenth of the
 * scheduler's CPU in a burst (profiled). Keys left undefined in `$set` are dropped, as mongoose
 * does, rather than stored as null.
 */
export async function updateIfJustRead<T>(
  model: Model<T>,
  current: { _id: Types.ObjectId },
  conditions: Record<string, unknown>,
  update: { $set: Record<string, unknown> },
): Promise<boolean> {
  const $set = Object.fromEntries(Object.entries(update.$set).filter(([, v]) => v !== undefined));
  copies.delete(keyOf(model, current._id));
  if (!(await idOnlyFilters())) {
    const res = await model.collection.updateOne({ _id: current._id, ...conditions }, { $set });
    return res.matchedCount === 1;
  }
  if (!sift(conditions)(current)) return false;
  // By `_id` alone, so with the other writes of the moment in one command (write-batch.ts).
  return batchedUpdate(model, current._id, { $set });
}
