/**
 * `npm run bench`: Cloud Crony against raw Agenda 6 and BullMQ on this machine, in one run,
 * on loopback. See README.md, "Benchmarks", for what each figure means.
 *
 * Each scenario runs the systems one after the other (never at once, so none measures the
 * others' load): Cloud Crony as a real `crony serve` process on a fresh database of the shared
 * database server, then each peer in its own process (peer-main.ts). Every wait has a deadline.
 */
import { Redis } from 'ioredis';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findExecutable, freePort, startDatabase, type DatabaseHandle } from '../../src/db/launcher.ts';
import { cleanEnv, cpuSecondsOf, sleep, startChild, type Child } from './child.ts';
import { runCronyScenario, type SystemFigures } from './crony.ts';
import type { PeerArgs } from './peer-main.ts';
import { ratios, type BenchReport, type PeerName, type ScenarioReport } from './report.ts';
import { round } from './stats.ts';
import { buildScenario, scenariosFor, SIZES, type ScenarioName, type Size } from './workload.ts';

export interface BenchOptions {
  size: Size;
  /** Length of the measured window of the spread and mixed scenarios, in s (default 60: every per-minute schedule fires once). */
  seconds?: number;
  peers?: PeerName[];
  /** Open-loop API rate, requests/s (default 200), for `apiSeconds` s (default 10) per route. */
  apiRate?: number;
  apiSeconds?: number;
  /** Sandboxed no-op commands to time on one worker (default 200). */
  commands?: number;
  /** Only these scenarios of the size (default: all of them). */
  scenarios?: ScenarioName[];
  /** A directory to tally Cloud Crony's database commands per scenario into (`--census`). */
  census?: string;
  /** A directory for the `crony serve` processes' CPU profiles (`--cpu-prof`, Node's `.cpuprofile`). */
  cpuProf?: string;
  /** Serve FerretDB's Go profiler on this loopback address (`--db-pprof`). */
  dbPprof?: string;
  log?: (s: string) => void;
}

/** Longest a peer may take from spawn to its result, beyond its window. */
const PEER_EXTRA_MS = 15 * 60_000;

export async function runBench(opts: BenchOptions): Promise<BenchReport> {
  const log = opts.log ?? (() => {});
  const seconds = opts.seconds ?? 60;
  const peers = opts.peers ?? ['agenda', 'bullmq'];
  const n = SIZES[opts.size];
  const started = Date.now();
  const loadStart = os.loadavg()[0]!;
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'crony-bench-'));
  const db = await startDatabase({
    dataDir: path.join(tmp, 'db'),
    log,
    ...(opts.dbPprof ? { pprofAddr: opts.dbPprof } : {}),
  });
  let redis: { port: number; child: Child } | { skipped: string } | undefined;
  try {
    log(`database: ${db.kind} at ${db.uri}`);
    if (peers.includes('bullmq')) redis = await startRedis(tmp, log);
    const scenarios: ScenarioReport[] = [];
    for (const [i, name] of scenariosFor(opts.size)
      .filter((s) => !opts.scenarios || opts.scenarios.includes(s))
      .entries()) {
      const { description } = buildScenario(name, n);
      await untilDatabaseQuiet(db, log);
      const dbPid = db.pid?.();
      const crony = await runCronyScenario({
        dbUri: db.uri,
        ...(dbPid === undefined ? {} : { dbPid }),
        scenario: name,
        n,
        seconds,
        tmp,
        log,
        ...(opts.census ? { census: opts.census } : {}),
        ...(opts.cpuProf ? { cpuProf: opts.cpuProf } : {}),
        ...(i === 0
          ? {
              extras: {
                apiRate: opts.apiRate ?? 200,
                apiSeconds: opts.apiSeconds ?? 10,
                commands: opts.commands ?? 200,
              },
            }
          : {}),
      });
      const report: ScenarioReport = {
        name,
        description,
        schedules: n,
        crony: crony.figures,
        crony_extras: crony.extras,
        peers: {},
        ratios: {},
      };
      for (const peer of peers) {
        const args: PeerArgs = { peer, scenario: name, n, seconds };
        if (peer === 'agenda') args.mongoUri = db.uri;
        if (peer === 'bullmq') {
          if (!redis || 'skipped' in redis) {
            report.peers.bullmq = { skipped: redis && 'skipped' in redis ? redis.skipped : 'not started' };
            continue;
          }
          args.redisPort = redis.port;
        }
        await untilDatabaseQuiet(db, log); // BullMQ uses its own Redis, but shares the CPUs
        log(`${peer} ${name}: ${description}`);
        const figures = await runPeer(args, seconds, log);
        report.peers[peer] = figures;
        if (!('skipped' in figures)) report.ratios[peer] = ratios(crony.figures, figures);
      }
      scenarios.push(report);
    }
    return {
      version: 1,
      size: opts.size,
      schedules: n,
      seconds,
      started_at: new Date(started).toISOString(),
      finished_at: new Date().toISOString(),
      duration_s: round((Date.now() - started) / 1000),
      machine: {
        cpus: os.cpus().length,
        load_start: round(loadStart, 2),
        load_end: round(os.loadavg()[0]!, 2),
        node: process.versions.node,
        database: db.kind === 'ferretdb' ? 'FerretDB 1.24.2 (SQLite)' : db.kind,
      },
      scenarios,
    };
  } finally {
    if (redis && !('skipped' in redis)) await redis.child.stop();
    await db.stop();
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

/** Below this share of a core the database server counts as idle. */
const QUIET_CORES = 0.2;
/** The longest wait for it to go idle, in ms; past it the next system is measured anyway. */
const QUIET_DEADLINE_MS = 10 * 60_000;

/**
 * Waits until the database server is idle before the next system is measured. Work a phase left
 * behind (requests the API load gave up on, a peer's last queries) kept FerretDB busy for minutes
 * after the phase ended, and the next system was measured on a busy machine: a medium burst
 * started 1,738 slots after the API load and 3,091 without it.
 */
async function untilDatabaseQuiet(db: DatabaseHandle, log: (s: string) => void): Promise<void> {
  const started = Date.now();
  while (Date.now() - started < QUIET_DEADLINE_MS) {
    const pid = db.pid?.();
    if (pid === undefined) return;
    const before = cpuSecondsOf(pid);
    await sleep(2000);
    const cores = (cpuSecondsOf(pid) - before) / 2;
    if (cores < QUIET_CORES) {
      const waited = (Date.now() - started) / 1000;
      if (waited > 3) log(`database idle after ${round(waited)} s`);
      return;
    }
  }
  log(`database still busy after ${QUIET_DEADLINE_MS / 60_000} minutes; measuring anyway`);
}

async function runPeer(
  args: PeerArgs,
  seconds: number,
  log: (s: string) => void,
): Promise<SystemFigures | { skipped: string }> {
  const child = startChild(
    process.execPath,
    ['--import', 'tsx', 'server/test/bench/peer-main.ts', JSON.stringify(args)],
    cleanEnv({}),
  );
  child.proc.stderr?.on('data', (b: Buffer) => {
    for (const line of b.toString().split('\n'))
      if (line.trim()) log(`[${args.peer}] ${line.replace(/^\[\w+\] /, '')}`);
  });
  let result: SystemFigures | undefined;
  child.onLine((line) => {
    if (line.startsWith('RESULT ')) result = JSON.parse(line.slice(7)) as SystemFigures;
  });
  const timer = setTimeout(() => child.proc.kill('SIGKILL'), seconds * 1000 + PEER_EXTRA_MS);
  const code = await child.exited;
  clearTimeout(timer);
  if (result) return result;
  return { skipped: `the ${args.peer} peer failed (exit ${code}): ${child.tail().slice(-14).join(' | ')}` };
}

async function startRedis(
  tmp: string,
  log: (s: string) => void,
): Promise<{ port: number; child: Child } | { skipped: string }> {
  const bin = await findExecutable('redis-server');
  if (!bin) return { skipped: 'redis-server is not installed (Debian package redis-server)' };
  const port = await freePort();
  const dir = path.join(tmp, 'redis');
  await fs.mkdir(dir, { recursive: true });
  const child = startChild(
    bin,
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--dir',
      dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--maxmemory-policy',
      'noeviction',
    ],
    cleanEnv({}),
  );
  const client = new Redis({
    port,
    host: '127.0.0.1',
    lazyConnect: true,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => {}); // refused until redis listens: retried below
  const deadline = Date.now() + 15_000;
  try {
    while (Date.now() < deadline) {
      try {
        await client.connect();
        await client.ping();
        log(`redis: 127.0.0.1:${port}`);
        return { port, child };
      } catch {
        client.disconnect();
        await sleep(200);
      }
    }
  } finally {
    client.disconnect();
  }
  await child.stop();
  return { skipped: `redis-server did not answer within 15 s: ${child.tail().slice(-3).join(' | ')}` };
}

export type { ScenarioName };
