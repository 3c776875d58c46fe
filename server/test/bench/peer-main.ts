/**
 * One peer of the benchmark in its own process (so its memory and event loop are its own):
 * `node --import tsx server/test/bench/peer-main.ts '<json PeerArgs>'`. It seeds one repeating
 * job per schedule, processes them with a no-op handler that notes when it started, and prints
 * one line `RESULT {json SystemFigures}` at the end.
 *
 * - agenda: raw Agenda 6 (`@agendajs/mongo-backend`) on the same database server as Cloud Crony,
 *   one `repeatEvery(cron)` job per schedule.
 * - bullmq: BullMQ job schedulers (`upsertJobScheduler` with the cron pattern) on a local Redis.
 */
import { MongoBackend } from '@agendajs/mongo-backend';
import { Agenda } from 'agenda';
import { Queue, Worker } from 'bullmq';
import { MongoClient, ObjectId } from 'mongodb';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { SystemFigures } from './crony.ts';
import { maxOf, round, summarize } from './stats.ts';
import { buildScenario, slotAtOrBefore, slotsIn, windowFor, type ScenarioName, type Spec } from './workload.ts';

export interface PeerArgs {
  peer: 'agenda' | 'bullmq';
  scenario: ScenarioName;
  n: number;
  seconds: number;
  /** agenda: database server URI (no database name); bullmq: redis port. */
  mongoUri?: string;
  redisPort?: number;
}

const args = JSON.parse(process.argv[2] ?? '{}') as PeerArgs;
const say = (s: string) => process.stderr.write(`[${args.peer}] ${s}\n`);
const { specs } = buildScenario(args.scenario, args.n);
/** index → start times of the handler. */
const starts: number[][] = specs.map(() => []);
const record = (i: number) => starts[i]?.push(Date.now());

const setupStart = Date.now();
const stop = args.peer === 'agenda' ? await startAgenda(specs) : await startBullmq(specs);
const readyAt = Date.now();
const window = windowFor(args.scenario, readyAt, args.seconds);
say(`ready after ${round((readyAt - setupStart) / 1000)} s; window ${new Date(window.from).toISOString()}`);

const eld = monitorEventLoopDelay({ resolution: 10 });
const rss: number[] = [];
const eldP99: number[] = [];
let eldMax = 0;
const sampler = setInterval(() => {
  if (Date.now() < window.from) return void eld.reset();
  rss.push(process.memoryUsage().rss);
  eldP99.push(Math.max(0, eld.percentile(99) - 10e6) / 1e6);
  eldMax = Math.max(eldMax, Math.max(0, eld.max - 10e6) / 1e6);
  eld.reset();
}, 5000);
eld.enable();

const cpuAt = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};
await sleepUntil(window.from);
const cpuStart = cpuAt();
await sleepUntil(window.to);
const cpuEnd = cpuAt();
const expected = specs.map((s) => slotsIn(s, window.from, window.to));
const total = expected.reduce((n, e) => n + e.length, 0);
const deadline = window.to + (args.scenario === 'burst' ? 60_000 : 20_000);
const startedSlots = () =>
  specs.map((spec, i) => {
    const got = new Map<number, number>();
    for (const t of starts[i]!) {
      const slot = slotAtOrBefore(spec, t);
      if (!got.has(slot)) got.set(slot, t);
    }
    return expected[i]!.filter((slot) => got.has(slot)).map((slot) => got.get(slot)! - slot);
  });
while (Date.now() < deadline && startedSlots().reduce((n, l) => n + l.length, 0) < total) await sleep(500);
clearInterval(sampler);
// A burst may drain between two samples: one more, so memory is always reported.
rss.push(process.memoryUsage().rss);
const lateness = startedSlots().flat();

const figures: SystemFigures = {
  slots_expected: total,
  slots_started: lateness.length,
  slots_missed: total - lateness.length,
  start_lateness_ms: summarize(lateness),
  claimable_lateness_ms: null,
  // Every burst slot is the same instant: the last start's lateness is the drain time.
  drain_ms: args.scenario === 'burst' ? maxOf(lateness) : null,
  rss_mib_max: rss.length ? round(Math.max(...rss) / 2 ** 20) : null,
  event_loop_delay_ms: eldP99.length ? { p99: round(Math.max(...eldP99), 2), max: round(eldMax, 2) } : null,
  cpu_cores: round((cpuEnd - cpuStart) / ((window.to - window.from) / 1000), 2),
  setup_s: round((readyAt - setupStart) / 1000),
};
process.stdout.write(`RESULT ${JSON.stringify(figures)}\n`);
// Cleaning up is not measured and may be slow (Agenda waits for its locks): bounded.
await Promise.race([stop(), sleep(10_000)]);
process.exit(0);

async function startAgenda(list: Spec[]): Promise<() => Promise<void>> {
  const client = await MongoClient.connect(args.mongoUri!);
  const db = client.db(`bench_agenda_${args.scenario}_${process.pid}`);
  const agenda = new Agenda({
    backend: new MongoBackend({ mongo: db, collection: 'agenda_jobs' }),
    // As Cloud Crony configures its own Agenda: look for due jobs every second.
    processEvery: 1000,
    maxConcurrency: 200,
    defaultLockLimit: 0,
    defaultLockLifetime: 60_000,
  });
  agenda.define(
    'bench.noop',
    async (job) => {
      record((job.attrs.data as { i: number }).i);
    },
    { concurrency: 200 },
  );
  agenda.on('error', (err: Error) => say(`agenda error: ${err.message}`));
  agenda.on('fail', (err: Error) => say(`agenda job failed: ${err.message}`));
  await agenda.start();
  // One job through Agenda's own API, then the rest as copies of its document: saving them one
  // by one through Agenda takes minutes per thousand on FerretDB, longer than the measurement.
  const first = agenda.create('bench.noop', { i: 0 });
  first.repeatEvery(list[0]!.cron, { timezone: 'UTC', skipImmediate: true });
  await first.save();
  const col = db.collection('agenda_jobs');
  const template = await col.findOne({ name: 'bench.noop' });
  if (!template) throw new Error('agenda did not save the job');
  const now = Date.now();
  for (let from = 1; from < list.length; from += 2000) {
    const docs = [];
    for (let i = from; i < Math.min(list.length, from + 2000); i++) {
      const spec = list[i]!;
      docs.push({
        ...template,
        _id: new ObjectId(),
        data: { i },
        repeatInterval: spec.cron,
        nextRunAt: new Date(slotAtOrBefore(spec, now) + spec.periodMs),
      });
    }
    await col.insertMany(docs, { ordered: false });
  }
  return async () => {
    await agenda.stop();
    await db.dropDatabase().catch(() => {});
    await client.close();
  };
}

async function startBullmq(list: Spec[]): Promise<() => Promise<void>> {
  const connection = { host: '127.0.0.1', port: args.redisPort!, maxRetriesPerRequest: null };
  const queue = new Queue(`bench-${args.scenario}`, { connection });
  await queue.obliterate({ force: true }).catch(() => {});
  for (let from = 0; from < list.length; from += 500) {
    await Promise.all(
      list
        .slice(from, from + 500)
        .map((spec, k) =>
          queue.upsertJobScheduler(
            `s${from + k}`,
            { pattern: spec.cron, tz: 'UTC' },
            { name: 'noop', data: { i: from + k } },
          ),
        ),
    );
  }
  const worker = new Worker(
    `bench-${args.scenario}`,
    async (job) => {
      record((job.data as { i: number }).i);
    },
    { connection, concurrency: 200, removeOnComplete: { count: 1000 }, removeOnFail: { count: 1000 } },
  );
  await worker.waitUntilReady();
  return async () => {
    await worker.close();
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
  };
}

function sleep(ms: number) {
  return new Promise<void>((r) => setTimeout(r, ms));
}

async function sleepUntil(t: number) {
  const wait = t - Date.now();
  if (wait > 0) await sleep(wait);
}
