import mongoose from 'mongoose';
import { isFerretdbBuild } from './pool.ts';

let idOnly: Promise<boolean> | undefined;

/**
 * Whether the database is FerretDB, which answers filters on `_id` alone and applies updates
 * as a read and a write: then one `crony serve` process writes (README, Operations).
 */
export function idOnlyFilters(): Promise<boolean> {
  idOnly ??= (async () => {
    const db = mongoose.connection.db;
    if (!db) return false;
    return isFerretdbBuild(await db.admin().command({ buildInfo: 1 }));
  })();
  return idOnly;
}
