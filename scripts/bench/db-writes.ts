/**
 * `npm run bench:db-writes -- [--clients N] [--updates N] [--rounds N] [--batch N] [--db-pprof HOST:PORT]`
 *
 * How fast the embedded database (FerretDB as the launcher builds it) takes the write that ends
 * every run: an update by `_id` of a run-sized document, from N clients at once, each sending its
 * next command when the last is answered; with `--batch N`, N updates a command (a `bulkWrite`,
 * as the scheduler sends them, db/write-batch.ts). Prints, per round, the latency of a command
 * (p50/p99/p99.9/max), updates per second and the database's CPU per update, and says so if any
 * update was not applied. `--db-pprof` serves FerretDB's Go profiler. No Cloud Crony code runs:
 * this isolates the database, where `npm run bench` measures the whole service.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { Types } from 'mongoose';
import { startDatabase } from '../../server/src/db/launcher.ts';
import { bornRunning } from '../../server/src/modules/runs/lifecycle.ts';
import { newRun } from '../../server/src/modules/runs/new-run.ts';
import type { RunDoc } from '../../server/src/modules/runs/run.model.ts';
import type { ScheduleDoc } from '../../server/src/modules/schedules/schedule.model.ts';
import { cpuSecondsOf } from '../../server/test/bench/child.ts';
import { nearestRank, round } from '../../server/test/bench/stats.ts';

const usage =
  'usage: npm run bench:db-writes -- [--clients N] [--updates N] [--rounds N] [--batch N] [--db-pprof HOST:PORT]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      clients: { type: 'string', default: '8' },
      updates: { type: 'string', default: '12000' },
      rounds: { type: 'string', default: '2' },
      batch: { type: 'string', default: '1' },
      'db-pprof': { type: 'string' },
    },
    strict: true,
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const [clients, updates, rounds, batch] = [values.clients, values.updates, values.rounds, values.batch].map(Number) as [
  number,
  number,
  number,
  number,
];
if (![clients, updates, rounds, batch].every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`--clients, --updates, --rounds and --batch take positive integers\n${usage}`);
  process.exit(2);
}

/**
 * The i-th run as the scheduler stores a slot it starts at once: recorded by `newRun`, running
 * under a lease (`bornRunning`), as the firing inserts it.
 */
function runningRun(i: number): RunDoc {
  const at = new Date(Date.UTC(2026, 0, 1) + i * 1000);
  const schedule = {
    _id: new Types.ObjectId(),
    tenant_id: new Types.ObjectId(),
    name: `bench-${i}`,
    target: { type: 'http', url: 'http://127.0.0.1:4444/hit', method: 'POST', timeout_ms: 10_000 },
    retry: null,
    group_id: null,
  } as unknown as ScheduleDoc;
  const recorded = newRun(
    schedule,
    { key: at.toISOString(), nominalAt: at, trigger: 'schedule', nextSlotAt: new Date(at.getTime() + 60_000) },
    { status: 'queued' },
    at,
  );
  return bornRunning(recorded, 'bench:1', at).run;
}

const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'crony-db-writes-'));
const db = await startDatabase({
  dataDir,
  engine: 'ferretdb',
  pprofAddr: values['db-pprof'],
  log: (msg) => console.error(`[db] ${msg}`),
});
const client = await new MongoClient(db.uri, { maxPoolSize: clients + 2 }).connect();
try {
  console.log(
    `updates by _id of run-sized documents, ${clients} clients, ${batch} a command, ${updates} updates a round`,
  );
  for (let r = 1; r <= rounds; r++) {
    const runs = client.db('bench').collection(`runs_${r}`);
    const docs = Array.from({ length: updates }, (_, i) => runningRun(i));
    for (let i = 0; i < docs.length; i += 100) await runs.insertMany(docs.slice(i, i + 100));
    // The launcher indexes `_id` for FerretDB's lookups a moment after a collection appears.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    const latencies: number[] = [];
    let next = 0;
    const cpuStart = cpuSecondsOf(db.pid?.());
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (next < docs.length) {
          const some = docs.slice(next, next + batch);
          next += some.length;
          const sent = performance.now();
          const now = new Date();
          const $set = {
            status: 'succeeded',
            finished_at: now,
            duration_ms: 5,
            lease: null,
            http_status: 200,
            updated_at: now,
          };
          // One by one as a plain updateOne, as the figures of earlier rounds were measured.
          if (batch === 1) await runs.updateOne({ _id: some[0]!._id }, { $set });
          else
            await runs.bulkWrite(
              some.map((d) => ({ updateOne: { filter: { _id: d._id }, update: { $set } } })),
              { ordered: false },
            );
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSecondsOf(db.pid?.()) - cpuStart;
    const written = await runs.countDocuments({ status: 'succeeded' });
    if (written !== updates) console.log(`round ${r}: only ${written} of ${updates} documents were updated`);
    latencies.sort((a, b) => a - b);
    const at = (p: number) => round(nearestRank(latencies, p));
    console.log(
      `round ${r}: p50 ${at(50)} ms, p99 ${at(99)} ms, p99.9 ${at(99.9)} ms, max ${at(100)} ms; ` +
        `${Math.round(updates / seconds)} updates/s; database CPU ${round((cpu / updates) * 1000, 3)} ms per update`,
    );
  }
} finally {
  await client.close();
  await db.stop();
  await fs.rm(dataDir, { recursive: true, force: true });
}
