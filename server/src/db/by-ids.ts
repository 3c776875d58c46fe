import type { Model, Types } from 'mongoose';

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
  const docs = await Promise.all(
    ids.map((_id) => {
      const q = model.findById(_id);
      return (projection ? q.select(projection) : q).lean<T>();
    }),
  );
  return docs.filter((d): d is NonNullable<typeof d> => d !== null) as T[];
}
