import type { CreateIndexesOptions, IndexSpecification } from 'mongodb';
import mongoose from 'mongoose';
import { isNamespaceNotFound } from './errors.ts';
import { idOnlyFilters } from './engine.ts';

/**
 * Brings every model's indexes in line with its schema, as mongoose's `syncIndexes` does; on
 * FerretDB it keeps only the unique ones (and `_id`).
 *
 * FerretDB 1.24's SQLite backend hands SQLite no filter but one on `_id`, and sorts in memory:
 * a secondary index serves no read there. Every insert and every update of a document
 * maintains it all the same (an update rewrites the document, so each index entry is removed and
 * added again). Measured on 20,000 run documents, with the runs' four non-unique indexes
 * dropped: updates by `_id` went at 1,540 a second instead of 1,260, with 10–15% less of the
 * database's CPU each. The unique indexes stay: they are rules (one run per slot, one token per
 * hash), not speed-ups.
 */
export async function syncIndexes(): Promise<void> {
  const conn = mongoose.connection;
  if (!(await idOnlyFilters())) {
    await conn.syncIndexes();
    return;
  }
  for (const model of Object.values(conn.models)) {
    // Where mongoose builds the schema's indexes itself on connecting (autoIndex, on by default;
    // `crony serve` turns it off), wait for that first, or it could add back an index dropped here.
    await model.init();
    const kept = new Set<string>();
    for (const [fields, options] of model.schema.indexes()) {
      if (!options?.unique) continue;
      kept.add(JSON.stringify(fields));
      // mongoose's `unique` may carry an error message ([true, msg]); the driver takes a boolean.
      await model.collection.createIndex(
        fields as IndexSpecification,
        {
          ...options,
          unique: true,
        } as CreateIndexesOptions,
      );
    }
    const present = await model.collection.indexes().catch((err: unknown) => {
      if (isNamespaceNotFound(err)) return []; // a collection not created yet has none
      throw err;
    });
    // As mongoose's syncIndexes does, an index the schema no longer declares goes too.
    for (const ix of present) {
      const stays = ix.name === '_id_' || (ix.unique && kept.has(JSON.stringify(ix.key)));
      if (ix.name && !stays) await model.collection.dropIndex(ix.name);
    }
  }
}
