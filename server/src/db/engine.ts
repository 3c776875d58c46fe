import mongoose from 'mongoose';
import type { Document } from 'mongodb';
import { patchNames } from './ferretdb-source.ts';
import { isFerretdbBuild } from './pool.ts';

let info: Promise<Document | null> | undefined;
let idOnly: Promise<boolean> | undefined;

/** The database's `buildInfo`, asked once (null before the connection is up). */
function buildInfo(): Promise<Document | null> {
  info ??= (async () => {
    const db = mongoose.connection.db;
    return db ? db.admin().command({ buildInfo: 1 }) : null;
  })();
  return info;
}

/**
 * Whether the database is FerretDB, which answers filters on `_id` alone and applies updates
 * as a read and a write: then one `crony serve` process writes (README, Operations).
 */
export function idOnlyFilters(): Promise<boolean> {
  // A promise kept, so awaiting it takes one turn: copies.ts tracks a read after this await,
  // and a write issued right after the read must find it tracked (copies.test.ts).
  idOnly ??= buildInfo().then((i) => !!i && isFerretdbBuild(i));
  return idOnly;
}

/**
 * What is wrong with the database for Cloud Crony, from its `buildInfo`, or null: a FerretDB
 * before 2.x that was not built with every one of `required`, the patches in server/ferretdb/patches.
 * FerretDB 1.24 as released hangs on the update commands the scheduler sends (patch 0002), and
 * the launcher's build names its patches in `buildInfo` (patch 0008). Other servers are not
 * FerretDB 1.x, and need none.
 */
export function ferretdbPatchProblem(info: Document, required: readonly string[]): string | null {
  // 2.x is another engine (PostgreSQL); builds from a module copy, as the launcher's, say "unknown".
  if (!isFerretdbBuild(info) || /^v?([2-9]|\d{2,})\./.test(String(info.ferretdbVersion))) return null;
  const built = Array.isArray(info.cronyPatches) ? (info.cronyPatches as unknown[]).map(String) : [];
  const missing = required.filter((name) => !built.includes(name));
  if (missing.length === 0) return null;
  return (
    `The database (FerretDB, version ${String(info.ferretdbVersion)}) was not built with Cloud Crony's ` +
    `patches (server/ferretdb/patches; missing: ${missing.join(', ')}). Cloud Crony needs them: FerretDB ` +
    `1.24 as released hangs on the scheduler's update commands. Build it with \`node --import tsx server/src/db/launcher.ts --ensure\` ` +
    `(the binary goes to .cache/ferretdb/), or leave MONGODB_URI unset to use the embedded database.`
  );
}

/** Refuses a database Cloud Crony cannot run on (ferretdbPatchProblem), with what to do about it. */
export async function requireUsableDatabase(): Promise<void> {
  const i = await buildInfo();
  const problem = i && ferretdbPatchProblem(i, patchNames());
  if (problem) throw new Error(problem);
}
