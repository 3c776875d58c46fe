import type { Model, Types } from 'mongoose';

/**
 * A document by `_id`, as stored (lean), or null. Read through the driver, not a mongoose
 * query: the schedulers' hot paths read by `_id` several times per run, and building, casting
 * and executing a mongoose query for each was a fifth of the scheduler's CPU in a burst
 * (profiled); an `_id` that is already an ObjectId needs none of that.
 */
export async function findById<T>(
  model: Pick<Model<unknown>, 'collection'>,
  id: Types.ObjectId,
  projection?: Record<string, 0 | 1>,
): Promise<T | null> {
  return (await model.collection.findOne({ _id: id }, projection ? { projection } : {})) as T | null;
}

/** Most ids in one command: the embedded FerretDB answers an `$in` of up to 1,000 from its `_id` index. */
const IDS_PER_READ = 1000;

/**
 * Documents by `_id`, in no particular order, missing ones left out: one command of
 * `{ _id: { $in: ids } }` per 1,000 ids. MongoDB and FerretDB 2.x answer it from the `_id`
 * index, and so does the embedded FerretDB 1.24 with patch 0009 (server/ferretdb/patches); as
 * released, it read the whole collection for any filter but `_id` alone, and a page's 50
 * schedules were read as 50 commands.
 */
export async function findByIds<T>(
  model: Pick<Model<unknown>, 'collection'>,
  ids: readonly Types.ObjectId[],
  projection?: Record<string, 0 | 1>,
): Promise<T[]> {
  const reads: Promise<unknown[]>[] = [];
  for (let from = 0; from < ids.length; from += IDS_PER_READ) {
    const some = ids.slice(from, from + IDS_PER_READ);
    // One more than can match: all in the first batch, which then ends the cursor (a full batch
    // leaves it open, FerretDB's as MongoDB's, and the driver asks again to find nothing more).
    reads.push(
      model.collection
        .find({ _id: { $in: some } }, { batchSize: some.length + 1, ...(projection ? { projection } : {}) })
        .toArray(),
    );
  }
  return (await Promise.all(reads)).flat() as T[];
}
