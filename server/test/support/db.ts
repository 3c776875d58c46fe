/**
 * One database per test file, on the real server (DESIGN.md, "Tests"). `npm test` starts one
 * server for the whole run and passes it as `CRONY_TEST_MONGODB_URI`; a file run alone
 * (`node --import tsx --test path/to/x.test.ts`) starts its own and stops it in `close()`.
 *
 * ```ts
 * const db = await useTestDatabase();
 * after(() => db.close());
 * ```
 */
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import mongoose from 'mongoose';
import { startDatabase, type DatabaseHandle } from '../../src/db/launcher.ts';
import { poolOptionsFor } from '../../src/db/pool.ts';
import { errorsTrimmed } from '../../src/modules/errors/errors.service.ts';

export interface TestDatabase {
  /** The server's URI with this file's database in the path: usable as MONGODB_URI by a spawned server. */
  uri: string;
  dbName: string;
  /** Drops the database, disconnects mongoose and stops a server started for this file. Idempotent. */
  close(): Promise<void>;
}

/** Connects the global mongoose to a fresh database for this test file and drops it afterwards. */
export async function useTestDatabase(): Promise<TestDatabase> {
  let own: { handle: DatabaseHandle; dataDir: string } | undefined;
  let base = process.env.CRONY_TEST_MONGODB_URI;
  if (!base) {
    const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'crony-test-db-'));
    const handle = await startDatabase({ uri: process.env.MONGODB_URI, dataDir });
    own = { handle, dataDir };
    base = handle.uri;
  }

  const dbName = `t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  try {
    // The pool the server would use, so the tests run within the same bound (db/pool.ts).
    await mongoose.connect(base, { dbName, ...(await poolOptionsFor(base, own?.handle.kind ?? 'external')) });
  } catch (err) {
    await stopOwn(own);
    throw err;
  }

  let closing: Promise<void> | undefined;
  return {
    uri: withDatabase(base, dbName),
    dbName,
    close: () =>
      (closing ??= (async () => {
        try {
          await errorsTrimmed(); // appends trim in the background; not against a closed connection
          await mongoose.connection.dropDatabase();
        } finally {
          await mongoose.disconnect();
          await stopOwn(own);
        }
      })()),
  };
}

async function stopOwn(own: { handle: DatabaseHandle; dataDir: string } | undefined): Promise<void> {
  if (!own) return;
  await own.handle.stop();
  await fs.rm(own.dataDir, { recursive: true, force: true });
}

/**
 * Puts `dbName` in the path of a MongoDB URI, keeping hosts and options. Done on the string
 * because `mongodb://a:1,b:2/` (several hosts) is not a WHATWG URL.
 */
function withDatabase(uri: string, dbName: string): string {
  const match = /^(mongodb(?:\+srv)?:\/\/)([^/?]*)(\/[^?]*)?(\?.*)?$/.exec(uri);
  if (!match) throw new Error(`Not a MongoDB connection string: ${uri}`);
  const [, scheme = '', authority = '', pathPart = '', query = ''] = match;
  const params = new URLSearchParams(query.slice(1));
  // With credentials and no authSource the driver authenticates against the database in the
  // path; keep authenticating where the original URI did (its path database, else admin).
  if (authority.includes('@') && !params.has('authSource')) {
    params.set('authSource', decodeURIComponent(pathPart.slice(1)) || 'admin');
  }
  const search = params.toString();
  return `${scheme}${authority}/${encodeURIComponent(dbName)}${search ? `?${search}` : ''}`;
}
