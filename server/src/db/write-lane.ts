import { AsyncLocalStorage } from 'node:async_hooks';
import pLimit from 'p-limit';
import { idOnlyFilters } from './engine.ts';
import { FERRETDB_MAX_POOL } from './pool.ts';

/**
 * On FerretDB the scheduler's writes go to the database a few at a time, in the order they
 * were made, while the writes of a request that a user waits for go at once.
 *
 * Why: slots fall due on whole seconds, so each second's firings, and soon after the ends of
 * their runs, reach the database together. FerretDB makes one SQLite write at a time, and a
 * request's write that arrived meanwhile waited for all of them. At 10,000 per-minute
 * schedules, with 200 creations a second over the API, a creation that began in the first
 * 100–300 ms of a second took a median 233–276 ms, one that began in its last 300 ms 5 ms
 * (bench/results/REPORT.md, twenty-third round). With the scheduler's writes held to
 * LANE_WIDTH in flight, a user's write waits behind at most those. (At 100,000 stored the
 * spread's p99 rose with the lane from about 50 ms to about 200 ms, within the 1 s asked; the
 * lists there were slow for another reason, their first page read cold: REPORT.md,
 * twenty-fourth round.)
 *
 * Which writes a user waits for is known from where they start: the API marks each request
 * it serves for a user (`forUser`, http/app.ts), and the mark follows the request's work
 * through every await (AsyncLocalStorage). Work the scheduler, the executors and the workers'
 * protocol start is unmarked.
 *
 * MongoDB writes different documents side by side: there every write goes at once.
 */

/** Connections of the driver's pool the scheduler's writes leave free, for reads (not laned) and users' writes. */
const LEFT_FREE = 8;

/**
 * Most of the scheduler's writes in flight at once: the driver's connections to FerretDB
 * (pool.ts, 48) but LEFT_FREE, so in FerretDB a user's write waits behind at most 40 write
 * commands, in turn (server/ferretdb/patches). A command may carry up to 50 documents
 * (write-batch.ts), each encoded before its turn (patch 0004), so a turn is the SQLite writes
 * alone. A narrower lane costs throughput: with 16, 10,000 runs due at once drained in
 * 22.2–23.9 s against 20.5–22.2 s, and the worker's commands went half as fast, since FerretDB
 * decodes and encodes documents for many writes at once while only the SQLite write itself
 * takes turns.
 */
export const LANE_WIDTH = FERRETDB_MAX_POOL - LEFT_FREE;

const userWaiting = new AsyncLocalStorage<true>();
const lane = pLimit(LANE_WIDTH);

/** Runs `work` as work a user waits for: the writes it makes, now or after any await, skip the lane. */
export function forUser<R>(work: () => R): R {
  return userWaiting.run(true, work);
}

/** Whether the code running now works for a user's request (`forUser`). */
export function userIsWaiting(): boolean {
  return userWaiting.getStore() === true;
}

/**
 * Sends one write: at once if a user waits for it (`urgent`; by default whether the caller
 * works for a user) or the database is MongoDB, else in its turn in the lane. `write` must be
 * that one database command and nothing that waits for another write: a lane full of writes
 * waiting for the lane would never move.
 */
export async function laneWrite<R>(write: () => Promise<R>, urgent = userIsWaiting()): Promise<R> {
  if (urgent || !(await idOnlyFilters())) return write();
  return lane(write);
}
