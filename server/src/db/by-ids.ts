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

/**
 * Documents by `_id`, in no particular order, missing ones left out. FerretDB 1.x answers a
 * filter from its index only when it is `_id` alone, so `{ _id: { $in: ids } }` reads the whole
 * collection; a page's worth of reads by `_id` costs what the page holds instead. On MongoDB
 * both are index reads.
 */
export async function findByIds<T>(
  model: Model<T>,
  ids: readonly Types.ObjectId[],
  projection?: Record<string, 0 | 1>,
): Promise<T[]> {
  const docs = await Promise.all(ids.map((id) => findById<T>(model, id, projection)));
  return docs.filter((d) => d !== null) as T[];
}
