/**
 * `npm run bench:db-writes -- [--clients N] [--updates N] [--rounds N]`
 *
 * How fast the embedded database (FerretDB as the launcher builds it) takes the write that ends
 * every run: an update by `_id` of a run-sized document, from N clients at once, each sending its
 * next update when the last is answered. Prints, per round, the latency of an update
 * (p50/p99/p99.9/max), updates per second and the database's CPU per update. No Cloud Crony code
 * runs: this isolates the database, where `npm run bench` measures the whole service.
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

const usage = 'usage: npm run bench:db-writes -- [--clients N] [--updates N] [--rounds N]';
let values;
try {
  ({ values } = parseArgs({
    options: {
      clients: { type: 'string', default: '8' },
      updates: { type: 'string', default: '12000' },
      rounds: { type: 'string', default: '2' },
    },
    strict: true,
  }));
} catch (err) {
  console.error(`${(err as Error).message}\n${usage}`);
  process.exit(2);
}
const [clients, updates, rounds] = [values.clients, values.updates, values.rounds].map(Number) as [
  number,
  number,
  number,
];
if (![clients, updates, rounds].every((n) => Number.isInteger(n) && n > 0)) {
  console.error(`--clients, --updates and --rounds take positive integers\n${usage}`);
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
const db = await startDatabase({ dataDir, engine: 'ferretdb', log: (msg) => console.error(`[db] ${msg}`) });
const client = await new MongoClient(db.uri, { maxPoolSize: clients + 2 }).connect();
try {
  console.log(`updates by _id of run-sized documents, ${clients} clients, ${updates} updates a round`);
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
          const doc = docs[next++]!;
          const sent = performance.now();
          const now = new Date();
          await runs.updateOne(
            { _id: doc._id },
            {
              $set: {
                status: 'succeeded',
                finished_at: now,
                duration_ms: 5,
                lease: null,
                http_status: 200,
                updated_at: now,
              },
            },
          );
          latencies.push(performance.now() - sent);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    const cpu = cpuSecondsOf(db.pid?.()) - cpuStart;
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
