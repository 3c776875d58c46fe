import { MongoClient, type Document } from 'mongodb';
import type { DatabaseKind } from './launcher.ts';

/** Whether a server's `buildInfo` answer is FerretDB's. */
export const isFerretdbBuild = (info: Document): boolean => 'ferretdbVersion' in info;

/**
 * Most connections, so most commands in flight, a process keeps to FerretDB. FerretDB 1.24 runs
 * an update as a read whose SQLite connection it holds while it takes a second one for the
 * write, from a pool of 100 per database: once 100 updates hold their reads, none can write, and
 * the database stops answering for good. Measured (`bench/results/session21/ferretdb-pool/`):
 * 200 and 300 single updates in flight through as many driver connections hung within
 * seconds; through 48 or 32 connections the same 300 went on at about 3,000 a second. With
 * fewer than 100 in flight in all, some update always finds a connection for its write, so 48
 * per process keeps even two processes clear of it. In the benchmark at 10,000 schedules, 48
 * changed neither the burst nor the spread against the driver's default of 100.
 */
export const FERRETDB_MAX_POOL = 48;

/**
 * The driver's pool bound for the database at `uri`: FERRETDB_MAX_POOL on FerretDB, the
 * driver's own default (100) on MongoDB; none when the URI sets `maxPoolSize` itself. A URI
 * given by the operator (`kind` external) is asked what it is.
 */
export async function poolOptionsFor(uri: string, kind: DatabaseKind): Promise<{ maxPoolSize?: number }> {
  if (/[?&]maxPoolSize=/i.test(uri) || kind === 'mongod') return {};
  if (kind === 'ferretdb') return { maxPoolSize: FERRETDB_MAX_POOL };
  const probe = await MongoClient.connect(uri, { serverSelectionTimeoutMS: 10_000, maxPoolSize: 1 });
  try {
    return isFerretdbBuild(await probe.db('admin').command({ buildInfo: 1 })) ? { maxPoolSize: FERRETDB_MAX_POOL } : {};
  } finally {
    await probe.close();
  }
}
