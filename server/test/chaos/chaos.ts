/**
 * Fault injection against the run ledger's promises (DESIGN.md, "Semantics"): several schedules
 * fire every second or two while server processes and the database are SIGKILLed and restarted
 * at seeded random times; afterwards the expected slots are recomputed here, independently of
 * the server's slot code, and the `runs` collection is checked against them.
 *
 * Everything runs on loopback: its own FerretDB on a fixed port (so a restarted database is
 * found again by the servers), `servers` × `crony serve` on that database, and an HTTP receiver
 * that records what the targets are sent. Every wait has a deadline; the processes and the
 * temporary directory are removed whatever happens.
 *
 * Used by `npm run chaos` (scripts/chaos.ts) and, briefly, by `chaos.test.ts`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient, ObjectId } from 'mongodb';
import { ensureFerretdbBinary, freePort, waitForPing } from '../../src/db/launcher.ts';

export interface ChaosOptions {
  /** Length of the fault phase, in seconds (faults start after setup and stop after this). */
  seconds: number;
  /** Seed of the PRNG that picks fault times, kinds and victims: the same seed replays the same plan. */
  seed: number;
  /** `crony serve` processes sharing the database (default 2). */
  servers?: number;
  /**
   * Make the first two faults one server kill and one database kill (in seeded order), even if
   * the fault phase is too short for them; the rest stay random. Default false.
   */
  guaranteeBoth?: boolean;
  /** Progress lines (setup steps, each fault with its time). Default: silent. */
  log?: (s: string) => void;
  /** Aborts the run early; processes and files are still cleaned up. */
  signal?: AbortSignal;
}

export type ChaosEventKind =
  | 'kill-server'
  | 'restart-server'
  | 'server-exited'
  | 'kill-db'
  | 'restart-db'
  | 'db-exited'
  | 'recovered'
  | 'not-recovered';

export interface ChaosEvent {
  /** Seconds since the fault phase began (negative during setup). */
  t: number;
  at: string;
  kind: ChaosEventKind;
  target: string;
  detail?: string;
}

export interface Violations {
  /** (1) Expected slots without a run record (a `missed` record counts as present). */
  missing: number;
  /** (2) Extra records for a (schedule, slot) that already has one. */
  duplicates: number;
  /** (3) Runs not in a final state after the drain. */
  notFinal: number;
  /** (4) Runs leased/running whose lease lapsed (or that have none): nobody will ever finish them. */
  staleLeases: number;
  /** (5) `missed` runs without a reason. */
  missedWithoutReason: number;
  /**
   * Scheduled records off the schedule's grid or for a slot after its pause was acknowledged,
   * and `every` schedules whose stored anchor is not created_at's second (the contract's grid).
   */
  unexpected: number;
  /** Active runs still there when the drain deadline passed. */
  notDrained: number;
  /** Processes that died without being killed, or did not come back healthy in time. */
  notRecovered: number;
}

export interface ScheduleFigures {
  name: string;
  when: string;
  misfire_policy: string;
  concurrency_policy: string;
  expected: number;
  records: number;
  succeeded: number;
  failed: number;
  missed: number;
}

export interface ChaosReport {
  seed: number;
  seconds: number;
  servers: number;
  /** Start of the fault phase. */
  started_at: string;
  /** When every schedule was paused: slots up to T_end − 3 s are expected. */
  t_end: string;
  events: ChaosEvent[];
  figures: {
    schedules: number;
    slots_expected: number;
    records: number;
    executed: number;
    failed: number;
    timed_out: number;
    cancelled: number;
    missed_by_reason: Record<string, number>;
    /** Records that needed more than one attempt (retries after failures and after lapsed leases). */
    retried_runs: number;
    /** Requests the receiver got. */
    deliveries: number;
    /** Slots the target answered with success more than once (at-least-once after a kill): not a violation. */
    re_executions: number;
    /** Runs recorded as succeeded for which the receiver never answered 2xx. */
    succeeded_without_delivery: number;
    /** Slots the receiver answered 2xx whose record says `missed`. */
    delivered_but_missed: number;
    max_lateness_ms: number | null;
    /** Longest time between two consecutive ledger writes of new records: how long the scheduler stood still. */
    max_fire_gap_ms: number | null;
    /** Lateness of the first run started after each recovery (a restarted server healthy, or every server healthy again after a database restart). */
    recovery_lateness: { t: number; after: string; lateness_ms: number | null }[];
    max_recovery_lateness_ms: number | null;
    server_kills: number;
    db_kills: number;
    /** Time from T_end until no run was queued, leased or running. */
    drain_ms: number | null;
    /** Wall time from the start of the fault phase to the checks, and CPU time the database and the servers used in it (Linux). */
    wall_s: number;
    db_cpu_s: number;
    servers_cpu_s: number;
  };
  per_schedule: ScheduleFigures[];
  violations: Violations;
  violation_count: number;
  /** The first offending records of each check, for the report. */
  offending: { check: keyof Violations; detail: string; record?: unknown }[];
  /** The last warn/error lines each server and the database printed. */
  process_log_tail: string[];
  /** Each kind of warn/error line the processes printed, with how often. */
  process_log_counts: Record<string, number>;
}

/** Run states nobody will move on from. */
const FINAL = new Set(['succeeded', 'failed', 'timed_out', 'cancelled', 'missed']);
const ACTIVE = ['queued', 'leased', 'running'];

/** Slots this close to T_end may legitimately be unfired when the pause lands. */
const END_MARGIN_MS = 3_000;
// Deadlines: a session of N seconds takes at most about N + 420 s, however broken the servers.
const SERVER_READY_MS = 30_000;
const DB_READY_MS = 30_000;
/** After a database restart, how long the servers get to report healthy again. */
const RECOVERY_MS = 30_000;
/** After the fault phase, how long the scheduler gets to record the latest slot of each schedule. */
const CATCHUP_MS = 60_000;
/** How long the scheduler must stay caught up before the schedules are paused. */
const SETTLED_MS = 5_000;
const DRAIN_MS = 90_000;
/** For one API call (setup) or for all pause calls together, retries included. */
const API_DEADLINE_MS = 45_000;
/** For one HTTP request to the API: a server under load may answer slowly. */
const API_REQUEST_MS = 15_000;
const STOP_GRACE_MS = 5_000;
const OFFENDING_PER_CHECK = 10;

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

// ─── the schedules under test ──────────────────────────────────────────────────────────────

type Timing = { kind: 'cron'; everySeconds: number } | { kind: 'every'; intervalMs: number };

interface Behaviour {
  /** Answer 500 to attempt 1 of every slot, so retries are exercised. */
  failFirstAttempt?: boolean;
  /** Hold the response this long, so runs overlap (concurrency_policy) and kills hit runs in flight. */
  delayMs?: number;
}

interface Spec {
  key: string;
  body: Record<string, unknown>;
  timing: Timing;
  behaviour: Behaviour;
}

const RETRY = { max_attempts: 3, initial_interval: '1s', backoff_coefficient: 2, max_interval: '5s' };

function specs(): Spec[] {
  const base = { timezone: 'UTC', catchup_window: '1h', retry: RETRY };
  return [
    {
      key: 'sec-run-all',
      body: { ...base, cron: '*/1 * * * * *', misfire_policy: 'run_all', concurrency_policy: 'allow' },
      timing: { kind: 'cron', everySeconds: 1 },
      behaviour: {},
    },
    {
      key: '2sec-run-once',
      body: { ...base, cron: '*/2 * * * * *', misfire_policy: 'run_once', concurrency_policy: 'allow' },
      timing: { kind: 'cron', everySeconds: 2 },
      behaviour: {},
    },
    {
      key: 'every-2s-skip',
      body: { ...base, every: '2s', misfire_policy: 'skip', concurrency_policy: 'allow' },
      timing: { kind: 'every', intervalMs: 2_000 },
      behaviour: {},
    },
    {
      key: 'sec-forbid',
      body: { ...base, cron: '*/1 * * * * *', misfire_policy: 'run_all', concurrency_policy: 'forbid' },
      timing: { kind: 'cron', everySeconds: 1 },
      behaviour: { delayMs: 1_200 },
    },
    {
      key: '2sec-flaky',
      body: { ...base, cron: '*/2 * * * * *', misfire_policy: 'run_all', concurrency_policy: 'allow' },
      timing: { kind: 'cron', everySeconds: 2 },
      behaviour: { failFirstAttempt: true },
    },
  ];
}

interface Created {
  spec: Spec;
  id: string;
  createdAt: number;
  /** When the first pause request was sent: the schedule may have stopped from then on. */
  pauseSentAt?: number;
  /** When the pause was acknowledged: no slot after this may have a record. */
  pausedAt?: number;
}

/** The schedule's slots in (created_at, until], in ms since the epoch, computed from the contract alone. */
export function expectedSlots(timing: Timing, createdAt: number, until: number): number[] {
  const out: number[] = [];
  if (timing.kind === 'cron') {
    // `*/N` in the seconds field (N divides 60): whole seconds whose epoch second is a multiple of N.
    const step = timing.everySeconds * 1000;
    for (let t = Math.floor(createdAt / step) * step + step; t <= until; t += step) out.push(t);
  } else {
    const anchor = Math.floor(createdAt / 1000) * 1000;
    for (let t = anchor + timing.intervalMs; t <= until; t += timing.intervalMs) if (t > createdAt) out.push(t);
  }
  return out;
}

function onGrid(timing: Timing, createdAt: number, t: number): boolean {
  if (timing.kind === 'cron') return t % (timing.everySeconds * 1000) === 0;
  const anchor = Math.floor(createdAt / 1000) * 1000;
  return t > anchor && (t - anchor) % timing.intervalMs === 0;
}

function describeTiming(t: Timing): string {
  return t.kind === 'cron' ? `cron */${t.everySeconds} s` : `every ${t.intervalMs / 1000} s`;
}

// ─── seeded randomness ─────────────────────────────────────────────────────────────────────

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ─── processes ─────────────────────────────────────────────────────────────────────────────

/**
 * What the processes complained about: the last `perSource` lines of each (so one chatty
 * process does not hide another), and how often each kind of message came.
 */
class ProcessLog {
  private seq = 0;
  private readonly tails = new Map<string, { seq: number; line: string }[]>();
  readonly counts = new Map<string, number>();
  constructor(private readonly perSource: number) {}

  push(source: string, line: string): void {
    const tail = this.tails.get(source) ?? [];
    tail.push({ seq: this.seq++, line: `[${source}] ${clip(line)}` });
    if (tail.length > this.perSource) tail.shift();
    this.tails.set(source, tail);
    const kind = `[${source.replace(/ .*/, '')}] ${summarize(line)}`;
    this.counts.set(kind, (this.counts.get(kind) ?? 0) + 1);
  }

  lines(): string[] {
    return [...this.tails.values()]
      .flat()
      .sort((a, b) => a.seq - b.seq)
      .map((e) => e.line);
  }
}

/** A pino line as "msg: error type and message", anything else as its start. */
function summarize(line: string): string {
  try {
    const j = JSON.parse(line) as { msg?: string; err?: { type?: string; message?: string } };
    const err = j.err ? `: ${j.err.type ?? ''} ${(j.err.message ?? '').slice(0, 120)}` : '';
    return `${j.msg ?? ''}${err}`;
  } catch {
    return line.replace(/^time=\S+ /, '').slice(0, 160);
  }
}

/**
 * A child process that can be killed and started again under the same name. An exit nobody
 * asked for is reported through `onUnexpectedExit`.
 */
class Proc {
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  private expectingExit = false;
  /** CPU time of this name's earlier processes, in seconds. */
  private cpuOfEarlier = 0;

  constructor(
    readonly name: string,
    private readonly spec: () => { command: string; args: string[]; env?: NodeJS.ProcessEnv },
    private readonly onLine: (line: string) => void,
    private readonly onUnexpectedExit: (how: string) => void,
  ) {}

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    const { command, args, env } = this.spec();
    const child = spawn(command, args, { cwd: repoRoot, env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.expectingExit = false;
    live.add(child);
    for (const stream of [child.stdout, child.stderr]) {
      let pending = '';
      stream.on('data', (chunk: Buffer) => {
        pending += chunk.toString('utf8');
        const lines = pending.split('\n');
        pending = lines.pop() ?? '';
        for (const line of lines) if (line.trim()) this.onLine(line);
      });
    }
    this.exited = new Promise<void>((resolve) => {
      child.once('exit', (code, signal) => {
        live.delete(child);
        if (!this.expectingExit) this.onUnexpectedExit(signal ?? `exit code ${code}`);
        resolve();
      });
      child.once('error', (err) => {
        live.delete(child);
        if (!this.expectingExit) this.onUnexpectedExit(`spawn error: ${err.message}`);
        resolve();
      });
    });
  }

  /** CPU seconds used by every process started under this name (Linux only; 0 elsewhere). */
  cpuSeconds(): number {
    return this.cpuOfEarlier + (this.running ? cpuSecondsOf(this.pid) : 0);
  }

  /** SIGKILL and wait until it is gone. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.cpuOfEarlier += cpuSecondsOf(this.pid);
    this.expectingExit = true;
    this.child?.kill('SIGKILL');
    await withDeadline(this.exited, STOP_GRACE_MS);
  }

  /** SIGTERM, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.cpuOfEarlier += cpuSecondsOf(this.pid);
    this.expectingExit = true;
    this.child?.kill('SIGTERM');
    if (!(await withDeadline(this.exited, STOP_GRACE_MS))) {
      this.child?.kill('SIGKILL');
      await withDeadline(this.exited, STOP_GRACE_MS);
    }
  }
}

/** User + system CPU time of a live process from /proc, in seconds; 0 where there is no /proc. */
function cpuSecondsOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    // Fields after the command name (which may contain spaces): utime and stime are 14 and 15.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
/** USER_HZ: 100 on every Linux the tests run on. */
const CLOCK_TICKS = 100;

/** Children still alive, killed if the harness itself exits without cleaning up. */
const live = new Set<ChildProcess>();
const killLive = (): void => {
  for (const child of live) child.kill('SIGKILL');
};

// ─── the receiver ──────────────────────────────────────────────────────────────────────────

interface Delivery {
  key: string;
  scheduleId: string | undefined;
  slot: string | undefined;
  attempt: string | undefined;
  runId: string | undefined;
  status: number;
  receivedAt: number;
}

async function startReceiver(behaviours: Map<string, Behaviour>) {
  const deliveries: Delivery[] = [];
  const header = (req: http.IncomingMessage, name: string): string | undefined => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const key = (req.url ?? '').replace(/^\/t\//, '');
      const behaviour = behaviours.get(key) ?? {};
      const attempt = header(req, 'x-crony-attempt');
      const status = behaviour.failFirstAttempt && attempt === '1' ? 500 : 200;
      deliveries.push({
        key,
        scheduleId: header(req, 'x-crony-schedule-id'),
        slot: header(req, 'x-crony-nominal-time'),
        attempt,
        runId: header(req, 'x-crony-run-id'),
        status,
        receivedAt: Date.now(),
      });
      const answer = () => {
        if (!res.destroyed) res.writeHead(status, { 'content-type': 'text/plain' }).end(`chaos ${status}`);
      };
      if (behaviour.delayMs) setTimeout(answer, behaviour.delayMs);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: (key: string) => `http://127.0.0.1:${port}/t/${key}`,
    deliveries,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ─── the harness ───────────────────────────────────────────────────────────────────────────

interface RunRecord {
  _id: ObjectId;
  schedule_id: ObjectId;
  slot: string;
  trigger?: string;
  status: string;
  reason?: string | null;
  nominal_at: Date;
  attempt?: number;
  started_at?: Date | null;
  finished_at?: Date | null;
  lease?: { id?: string; epoch?: number; owner?: string; expires_at?: Date } | null;
  created_at?: Date;
  max_attempts?: number;
  available_at?: Date | null;
  error?: { code: string; message: string } | null;
  attempts?: {
    attempt: number;
    status: string;
    started_at: Date | null;
    finished_at: Date | null;
    executor: string | null;
    error: { code: string } | null;
  }[];
}

class Aborted extends Error {}

/** Runs one chaos session and returns what it saw; never throws for violations, only for a broken setup. */
export async function runChaos(opts: ChaosOptions): Promise<ChaosReport> {
  const log = opts.log ?? (() => {});
  const serverCount = opts.servers ?? 2;
  const rng = mulberry32(opts.seed);
  const between = (lo: number, hi: number) => lo + (hi - lo) * rng();
  const signal = opts.signal;
  const checkAbort = () => {
    if (signal?.aborted) throw new Aborted('aborted');
  };
  const pause = (ms: number) => sleep(ms, signal).then(checkAbort);

  const events: ChaosEvent[] = [];
  const violations: Violations = {
    missing: 0,
    duplicates: 0,
    notFinal: 0,
    staleLeases: 0,
    missedWithoutReason: 0,
    unexpected: 0,
    notDrained: 0,
    notRecovered: 0,
  };
  const offending: ChaosReport['offending'] = [];
  const offend = (check: keyof Violations, detail: string, record?: unknown) => {
    violations[check]++;
    if (offending.filter((o) => o.check === check).length < OFFENDING_PER_CHECK) {
      offending.push({ check, detail, ...(record !== undefined ? { record } : {}) });
    }
  };
  const processLog = new ProcessLog(40);

  let phaseStart = Date.now();
  let phase = 'setup';
  const event = (kind: ChaosEventKind, target: string, detail?: string) => {
    const now = Date.now();
    const e: ChaosEvent = {
      t: Math.round((now - phaseStart) / 100) / 10,
      at: new Date(now).toISOString(),
      kind,
      target,
      ...(detail ? { detail } : {}),
    };
    events.push(e);
    log(`${e.t >= 0 ? '+' : ''}${e.t.toFixed(1)}s ${kind} ${target}${detail ? ` (${detail})` : ''}`);
  };

  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'crony-chaos-'));
  process.on('exit', killLive);
  let receiver: Awaited<ReturnType<typeof startReceiver>> | undefined;
  let mongo: MongoClient | undefined;
  const servers: { proc: Proc; port: number; url: string }[] = [];
  let db: Proc | undefined;

  try {
    // ── setup: database, receiver, servers, tenant, schedules ──
    const binary = await ensureFerretdbBinary(log);
    const dbPort = await freePort();
    const dbUri = `mongodb://127.0.0.1:${dbPort}/`;
    db = new Proc(
      'db',
      () => ({
        command: binary,
        args: ['-listen-addr', `127.0.0.1:${dbPort}`, '-sqlite-dir', path.join(tmp, 'db'), '-log-level', 'warn'],
      }),
      (line) => {
        // FerretDB logs every error answer (e.g. "collection already exists") at warn level.
        if (!/Response (header|message)/.test(line)) processLog.push('db', line);
      },
      (how) => {
        event('db-exited', 'db', how);
        if (phase !== 'stopping') offend('notRecovered', `the database exited on its own (${how})`);
      },
    );
    const startDb = async () => {
      const deadline = Date.now() + DB_READY_MS;
      for (;;) {
        db!.start();
        if (await waitForPing(dbUri, dbPort, Math.min(deadline, Date.now() + DB_READY_MS), () => !db!.running)) return;
        // A restart can lose the port to a socket still closing; try again until the deadline.
        if (Date.now() > deadline) throw new Error(`FerretDB did not answer on ${dbUri} within ${DB_READY_MS} ms`);
        await db!.kill();
        await pause(300);
      }
    };
    await startDb();
    log(`database: FerretDB on ${dbUri} (pid ${db.pid})`);

    const specList = specs();
    receiver = await startReceiver(new Map(specList.map((s) => [s.key, s.behaviour])));

    const childEnv = (port: number, dataDir: string): NodeJS.ProcessEnv => {
      const env: Record<string, string | undefined> = {};
      // The servers are configured here alone: nothing from the harness's own environment
      // (another database, a test runner's context) may leak into them.
      for (const [k, v] of Object.entries(process.env)) {
        if (!k.startsWith('CRONY_') && !k.startsWith('NODE_TEST') && k !== 'MONGODB_URI') env[k] = v;
      }
      return {
        ...env,
        MONGODB_URI: `${dbUri}chaos`,
        PORT: String(port),
        HOST: '127.0.0.1',
        CRONY_CONSOLE: 'false',
        CRONY_SIGNUP: 'open',
        CRONY_ALLOWED_TARGET_HOSTS: '127.0.0.1',
        CRONY_LOG_LEVEL: 'warn',
        CRONY_DATA_DIR: dataDir,
        NODE_ENV: process.env.NODE_ENV ?? 'production',
      };
    };
    for (let i = 0; i < serverCount; i++) {
      const port = await freePort();
      const dataDir = path.join(tmp, `server-${i}`);
      const name = `server ${i}`;
      const proc = new Proc(
        name,
        () => ({
          command: process.execPath,
          args: ['--import', 'tsx', 'server/src/cli.ts', 'serve'],
          env: childEnv(port, dataDir),
        }),
        (line) => {
          // Keep what the servers complain about; the start-up banner is noise.
          if (/"level":\s*[4-6]\d|error|warn/i.test(line)) processLog.push(`s${i} pid ${proc.pid}`, line);
        },
        (how) => {
          event('server-exited', name, how);
          if (phase !== 'stopping') offend('notRecovered', `${name} exited on its own (${how})`);
        },
      );
      servers.push({ proc, port, url: `http://127.0.0.1:${port}` });
    }
    const startServer = async (s: (typeof servers)[number]): Promise<boolean> => {
      s.proc.start();
      const deadline = Date.now() + SERVER_READY_MS;
      while (Date.now() < deadline && s.proc.running) {
        if (await healthy(s.url)) return true;
        await pause(200);
      }
      return false;
    };
    // One after the other: the first start on an empty database creates the first-run tenant.
    for (const s of servers) {
      if (!(await startServer(s))) throw new Error(`${s.proc.name} did not become healthy on ${s.url}`);
      log(`${s.proc.name}: ${s.url} (pid ${s.proc.pid})`);
    }

    const api = apiClient(() => servers.filter((s) => s.proc.running).map((s) => s.url), signal);
    const { token } = await signupTenant(servers[0]!.url);
    const created: Created[] = [];
    for (const spec of specList) {
      const body = {
        name: `chaos ${spec.key}`,
        ...spec.body,
        target: { type: 'http', url: receiver.url(spec.key), method: 'POST' },
      };
      const res = await api.call('POST', '/v1/schedules', token, body);
      if (res.status !== 201) throw new Error(`creating schedule ${spec.key} failed: ${res.status} ${res.text}`);
      const json = JSON.parse(res.text) as { id: string; created_at: string };
      created.push({ spec, id: json.id, createdAt: Date.parse(json.created_at) });
    }
    log(`created ${created.length} schedules; faults for ${opts.seconds} s, seed ${opts.seed}`);

    // ── the fault phase ──
    await pause(2_000);
    phaseStart = Date.now();
    const dbCpuAtStart = db.cpuSeconds();
    const serversCpuAtStart = servers.reduce((sum, s) => sum + s.proc.cpuSeconds(), 0);
    phase = 'chaos';
    const endAt = phaseStart + opts.seconds * 1000;
    const recoveries: { t: number; at: number; after: string }[] = [];
    const recovered = (after: string) => {
      const now = Date.now();
      recoveries.push({ t: Math.round((now - phaseStart) / 100) / 10, at: now, after });
    };

    const restartCrashed = async () => {
      if (!db!.running) {
        await startDb();
        event('restart-db', 'db', `pid ${db!.pid}, after it exited`);
      }
      for (const s of servers) {
        if (s.proc.running) continue;
        if (await startServer(s)) event('restart-server', s.proc.name, `pid ${s.proc.pid}, after it exited`);
        else offend('notRecovered', `${s.proc.name} did not become healthy after a restart`);
      }
    };
    const allHealthy = async (deadlineMs: number): Promise<boolean> => {
      const deadline = Date.now() + deadlineMs;
      while (Date.now() < deadline) {
        const states = await Promise.all(servers.map((s) => healthy(s.url)));
        if (states.every(Boolean)) return true;
        await pause(250);
      }
      return false;
    };

    let serverKills = 0;
    let dbKills = 0;
    const forced: ('server' | 'db')[] = opts.guaranteeBoth ? (rng() < 0.5 ? ['server', 'db'] : ['db', 'server']) : [];
    for (let first = true; ; first = false) {
      const gap = first ? between(2_000, 5_000) : between(2_000, 8_000);
      if (forced.length === 0 && Date.now() + gap >= endAt) break;
      await pause(gap);
      await restartCrashed();
      const kind = forced.shift() ?? (rng() < 0.6 ? 'server' : 'db');
      if (kind === 'server') {
        const s = servers[Math.floor(rng() * servers.length)]!;
        const down = between(500, 3_000);
        event('kill-server', s.proc.name, `pid ${s.proc.pid}, restart in ${(down / 1000).toFixed(1)} s`);
        await s.proc.kill();
        serverKills++;
        await pause(down);
        if (await startServer(s)) {
          event('restart-server', s.proc.name, `pid ${s.proc.pid}`);
          recovered(`${s.proc.name} restart`);
        } else {
          event('not-recovered', s.proc.name, `not healthy within ${SERVER_READY_MS} ms`);
          offend('notRecovered', `${s.proc.name} did not become healthy within ${SERVER_READY_MS} ms of its restart`);
        }
      } else {
        const down = between(1_000, 3_000);
        event('kill-db', 'db', `pid ${db.pid}, restart in ${(down / 1000).toFixed(1)} s`);
        await db.kill();
        dbKills++;
        await pause(down);
        await startDb();
        event('restart-db', 'db', `pid ${db.pid}`);
        if (await allHealthy(RECOVERY_MS)) {
          event('recovered', 'servers', 'every server healthy again');
          recovered('database restart');
        } else {
          event('not-recovered', 'servers', `not all healthy within ${RECOVERY_MS} ms`);
          offend('notRecovered', `not every server was healthy within ${RECOVERY_MS} ms of the database restart`);
        }
      }
    }

    // ── quiesce: everything up, the scheduler caught up, then pause ──
    phase = 'settle';
    await restartCrashed();
    if (!(await allHealthy(RECOVERY_MS))) {
      offend('notRecovered', `not every server was healthy within ${RECOVERY_MS} ms after the fault phase`);
    }
    mongo = new MongoClient(dbUri, { directConnection: true, serverSelectionTimeoutMS: 10_000 });
    await mongo.connect();
    const runs = mongo.db('chaos').collection<RunRecord>('runs');
    // Give the scheduler a bounded chance to record the latest due slot of every schedule, so
    // the pause below does not race a catch-up that is still on its way.
    const caughtUp = async () => {
      const until = Date.now() - END_MARGIN_MS;
      for (const c of created) {
        const slots = expectedSlots(c.spec.timing, c.createdAt, until);
        const last = slots[slots.length - 1];
        if (last === undefined) continue;
        const found = await runs.findOne({ schedule_id: oid(c.id), slot: new Date(last).toISOString() });
        if (!found) return false;
      }
      return true;
    };
    // Caught up on every check for a few seconds in a row: a scheduler that takes over from a
    // killed one may stall shortly after its first ticks.
    const settleStart = Date.now();
    let caughtUpSince: number | undefined;
    let isCaughtUp = false;
    while (Date.now() < settleStart + CATCHUP_MS) {
      if (await caughtUp().catch(() => false)) caughtUpSince ??= Date.now();
      else caughtUpSince = undefined;
      if (caughtUpSince !== undefined && Date.now() - caughtUpSince >= SETTLED_MS) {
        isCaughtUp = true;
        break;
      }
      await pause(500);
    }
    log(
      isCaughtUp
        ? `+${((Date.now() - phaseStart) / 1000).toFixed(1)}s the scheduler has recorded every schedule's latest slot`
        : `the scheduler did not record every schedule's latest slot within ${CATCHUP_MS} ms; pausing anyway`,
    );

    // All at once, so that every schedule stops at about the same instant.
    const pauseDeadline = Date.now() + API_DEADLINE_MS;
    await Promise.all(
      created.map(async (c) => {
        c.pauseSentAt = Date.now();
        const res = await api
          .call('POST', `/v1/schedules/${c.id}/pause`, token, undefined, pauseDeadline)
          .catch((err: unknown) => {
            if (err instanceof Aborted) throw err;
            return { status: 0, text: err instanceof Error ? err.message : String(err) };
          });
        if (res.status === 200) {
          c.pausedAt = Date.now();
          if (c.pausedAt - c.pauseSentAt > 2_000) log(`pausing ${c.spec.key} took ${c.pausedAt - c.pauseSentAt} ms`);
        } else offend('notRecovered', `pausing ${c.spec.key} failed: ${res.status || 'no answer'} ${res.text}`);
      }),
    );
    const tEnd = Date.now();
    phase = 'drain';
    log(`paused every schedule at +${((tEnd - phaseStart) / 1000).toFixed(1)}s; waiting for runs in flight`);

    // ── drain: leases lapse, retries finish ──
    const ids = created.map((c) => oid(c.id));
    let drainMs: number | null = null;
    const drainDeadline = Date.now() + DRAIN_MS;
    for (;;) {
      const active = await runs
        .countDocuments({ schedule_id: { $in: ids }, status: { $in: ACTIVE } })
        .catch(() => Number.NaN);
      if (active === 0) {
        drainMs = Date.now() - tEnd;
        break;
      }
      if (Date.now() > drainDeadline) break;
      await pause(1_000);
    }
    log(drainMs === null ? `runs still active after ${DRAIN_MS} ms` : `drained in ${drainMs} ms`);

    // ── the checks ──
    phase = 'check';
    const checkedAt = Date.now();
    const records = await runs.find({ schedule_id: { $in: ids } }).toArray();
    const keyOf = new Map(created.map((c) => [c.id, c.spec.key]));
    const show = (r: RunRecord) => ({
      id: r._id.toHexString(),
      schedule: keyOf.get(r.schedule_id.toHexString()),
      ...brief(r),
      max_attempts: r.max_attempts,
      available_at: r.available_at,
      lease: r.lease,
      error: r.error,
      attempts: r.attempts?.map((a) => ({ ...a, error: a.error?.code ?? null })),
    });

    if (drainMs === null) {
      for (const r of records.filter((r) => ACTIVE.includes(r.status))) {
        offend('notDrained', `still ${r.status} ${DRAIN_MS} ms after T_end`, show(r));
      }
    }

    // The contract anchors `every` at created_at; a server whose own anchor falls in another
    // second would fire on a different grid, which the checks below then report slot by slot.
    const stored = await mongo
      .db('chaos')
      .collection<{ _id: ObjectId; anchor?: Date }>('schedules')
      .find({ _id: { $in: ids } })
      .toArray();
    for (const c of created.filter((c) => c.spec.timing.kind === 'every')) {
      const anchor = stored.find((d) => d._id.toHexString() === c.id)?.anchor?.getTime();
      if (anchor !== undefined && Math.floor(anchor / 1000) !== Math.floor(c.createdAt / 1000)) {
        offend(
          'unexpected',
          `${c.spec.key}: stored anchor ${new Date(anchor).toISOString()} is not created_at ` +
            `${new Date(c.createdAt).toISOString()} truncated to the second`,
        );
      }
    }

    const perSchedule: ScheduleFigures[] = [];
    let slotsExpected = 0;
    const bySlot = new Map<string, RunRecord[]>();
    for (const r of records) {
      const k = `${r.schedule_id.toHexString()}|${r.slot}`;
      bySlot.set(k, [...(bySlot.get(k) ?? []), r]);
    }
    for (const c of created) {
      const mine = records.filter((r) => r.schedule_id.toHexString() === c.id);
      const until = Math.min(tEnd, c.pauseSentAt ?? tEnd) - END_MARGIN_MS;
      const expected = expectedSlots(c.spec.timing, c.createdAt, until);
      slotsExpected += expected.length;
      const mineBySlot = mine
        .filter((r) => !Number.isNaN(Date.parse(r.slot)))
        .sort((a, b) => Date.parse(a.slot) - Date.parse(b.slot));
      for (const t of expected) {
        const iso = new Date(t).toISOString();
        if (bySlot.has(`${c.id}|${iso}`)) continue;
        // The neighbours say when the scheduler last and next wrote this schedule's ledger.
        const before = mineBySlot.filter((r) => Date.parse(r.slot) < t).at(-1);
        const after = mineBySlot.find((r) => Date.parse(r.slot) > t);
        offend('missing', `${c.spec.key}: no record for slot ${iso}`, {
          before: before && brief(before),
          after: after && brief(after),
        });
      }
      for (const r of mine) {
        if (r.trigger === 'manual' || r.slot.startsWith('manual:')) continue;
        const t = Date.parse(r.slot);
        if (Number.isNaN(t) || !onGrid(c.spec.timing, c.createdAt, t)) {
          offend('unexpected', `${c.spec.key}: slot ${r.slot} is not on the schedule's grid`, show(r));
        } else if (c.pausedAt !== undefined && t > c.pausedAt) {
          offend('unexpected', `${c.spec.key}: slot ${r.slot} is after the pause was acknowledged`, show(r));
        }
      }
      perSchedule.push({
        name: c.spec.key,
        when: describeTiming(c.spec.timing),
        misfire_policy: String(c.spec.body.misfire_policy),
        concurrency_policy: String(c.spec.body.concurrency_policy),
        expected: expected.length,
        records: mine.length,
        succeeded: mine.filter((r) => r.status === 'succeeded').length,
        failed: mine.filter((r) => r.status === 'failed' || r.status === 'timed_out').length,
        missed: mine.filter((r) => r.status === 'missed').length,
      });
    }
    for (const [k, group] of bySlot) {
      for (const extra of group.slice(1)) offend('duplicates', `${group.length} records for ${k}`, show(extra));
    }
    for (const r of records) {
      if (!FINAL.has(r.status)) offend('notFinal', `status ${r.status}`, show(r));
      if (r.status === 'leased' || r.status === 'running') {
        const expires = r.lease?.expires_at?.getTime();
        if (expires === undefined || expires < checkedAt) {
          offend(
            'staleLeases',
            expires === undefined ? `${r.status} without a lease` : `${r.status} with a lease that lapsed`,
            show(r),
          );
        }
      }
      if (r.status === 'missed' && !r.reason) offend('missedWithoutReason', 'missed without a reason', show(r));
    }

    // ── figures ──
    const count = (status: string) => records.filter((r) => r.status === status).length;
    const missedByReason: Record<string, number> = {};
    for (const r of records.filter((r) => r.status === 'missed')) {
      const reason = r.reason ?? '(none)';
      missedByReason[reason] = (missedByReason[reason] ?? 0) + 1;
    }
    const lateness = (r: RunRecord) => (r.started_at ? r.started_at.getTime() - r.nominal_at.getTime() : null);
    const latenesses = records.map(lateness).filter((x): x is number => x !== null);
    const started = records
      .filter((r) => r.started_at)
      .sort((a, b) => a.started_at!.getTime() - b.started_at!.getTime());
    const recoveryLateness = recoveries.map((rec) => {
      const first = started.find((r) => r.started_at!.getTime() >= rec.at);
      return { t: rec.t, after: rec.after, lateness_ms: first ? lateness(first) : null };
    });
    const recoveryValues = recoveryLateness.map((r) => r.lateness_ms).filter((x): x is number => x !== null);

    const deliveries = receiver.deliveries;
    const okBySlot = new Map<string, number>();
    for (const d of deliveries) {
      if (d.status < 200 || d.status >= 300 || !d.scheduleId || !d.slot) continue;
      const k = `${d.scheduleId}|${d.slot}`;
      okBySlot.set(k, (okBySlot.get(k) ?? 0) + 1);
    }
    let reExecutions = 0;
    for (const n of okBySlot.values()) reExecutions += Math.max(0, n - 1);
    let succeededWithoutDelivery = 0;
    let deliveredButMissed = 0;
    for (const r of records) {
      const delivered = okBySlot.has(`${r.schedule_id.toHexString()}|${r.slot}`);
      if (r.status === 'succeeded' && !delivered) succeededWithoutDelivery++;
      if (r.status === 'missed' && delivered) deliveredButMissed++;
    }

    const violationCount = Object.values(violations).reduce((a, b) => a + b, 0);
    return {
      seed: opts.seed,
      seconds: opts.seconds,
      servers: serverCount,
      started_at: new Date(phaseStart).toISOString(),
      t_end: new Date(tEnd).toISOString(),
      events,
      figures: {
        schedules: created.length,
        slots_expected: slotsExpected,
        records: records.length,
        executed: count('succeeded'),
        failed: count('failed'),
        timed_out: count('timed_out'),
        cancelled: count('cancelled'),
        missed_by_reason: missedByReason,
        retried_runs: records.filter((r) => (r.attempt ?? 1) > 1).length,
        deliveries: deliveries.length,
        re_executions: reExecutions,
        succeeded_without_delivery: succeededWithoutDelivery,
        delivered_but_missed: deliveredButMissed,
        max_lateness_ms: latenesses.length ? Math.max(...latenesses) : null,
        max_fire_gap_ms: maxGap(
          records.map((r) => r.created_at?.getTime()).filter((t): t is number => t !== undefined),
        ),
        recovery_lateness: recoveryLateness,
        max_recovery_lateness_ms: recoveryValues.length ? Math.max(...recoveryValues) : null,
        server_kills: serverKills,
        db_kills: dbKills,
        drain_ms: drainMs,
        wall_s: Math.round((checkedAt - phaseStart) / 100) / 10,
        db_cpu_s: Math.round((db.cpuSeconds() - dbCpuAtStart) * 10) / 10,
        servers_cpu_s:
          Math.round((servers.reduce((sum, s) => sum + s.proc.cpuSeconds(), 0) - serversCpuAtStart) * 10) / 10,
      },
      per_schedule: perSchedule,
      violations,
      violation_count: violationCount,
      offending,
      process_log_tail: processLog.lines().slice(violationCount ? -120 : -20),
      process_log_counts: Object.fromEntries([...processLog.counts].sort((a, b) => b[1] - a[1])),
    };
  } finally {
    phase = 'stopping';
    await mongo?.close().catch(() => {});
    await Promise.all(servers.map((s) => s.proc.stop()));
    await db?.stop();
    await receiver?.close();
    killLive();
    process.off('exit', killLive);
    await fs.rm(tmp, { recursive: true, force: true }).catch(() => {});
  }
}

// ─── helpers ───────────────────────────────────────────────────────────────────────────────

function maxGap(times: number[]): number | null {
  const sorted = [...times].sort((a, b) => a - b);
  let gap: number | null = null;
  for (let i = 1; i < sorted.length; i++) gap = Math.max(gap ?? 0, sorted[i]! - sorted[i - 1]!);
  return gap;
}

/** The fields of a run that tell its story, for reports. */
function brief(r: RunRecord): Record<string, unknown> {
  const { slot, status, reason, attempt, created_at, started_at, finished_at } = r;
  return { slot, status, reason, attempt, created_at, started_at, finished_at };
}

function oid(hex: string): ObjectId {
  return ObjectId.createFromHexString(hex);
}

/** A log line short enough for a report: pino lines lose their stack traces. */
function clip(line: string): string {
  const short = line.replace(/"stack":"(?:[^"\\]|\\.)*",?/g, '');
  return short.length > 600 ? `${short.slice(0, 600)}…` : short;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(1_500) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

interface ApiResponse {
  status: number;
  text: string;
}

/**
 * Calls the API on whichever server is up, retrying connection failures, timeouts and 5xx
 * answers (a server may be dead or reconnecting to the database) until a deadline.
 */
function apiClient(bases: () => string[], signal: AbortSignal | undefined) {
  let next = 0;
  return {
    async call(
      method: string,
      p: string,
      token: string,
      body?: unknown,
      deadline = Date.now() + API_DEADLINE_MS,
    ): Promise<ApiResponse> {
      const started = Date.now();
      let last = 'no server was up';
      for (;;) {
        if (signal?.aborted) throw new Aborted('aborted');
        const up = bases();
        const base = up[next++ % Math.max(1, up.length)];
        if (base) {
          try {
            const res = await fetch(base + p, {
              method,
              headers: {
                authorization: `Bearer ${token}`,
                ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
              },
              ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
              signal: AbortSignal.timeout(Math.max(1_000, Math.min(API_REQUEST_MS, deadline - Date.now()))),
            });
            const text = await res.text();
            if (res.status < 500) return { status: res.status, text };
            last = `${res.status} ${text}`;
          } catch (err) {
            last = err instanceof Error ? err.message : String(err);
          }
        }
        if (Date.now() > deadline) throw new Error(`${method} ${p}: no answer in ${Date.now() - started} ms (${last})`);
        await sleep(300, signal);
      }
    },
  };
}

/** A new tenant and an admin API token for it, through the API as a user would. */
async function signupTenant(base: string): Promise<{ token: string }> {
  const email = `chaos-${Date.now().toString(36)}@example.com`;
  const res = await fetch(`${base}/v1/auth/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password: 'chaos monkey password', tenant: 'Chaos' }),
    signal: AbortSignal.timeout(15_000),
  });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${await res.text()}`);
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const tok = await fetch(`${base}/v1/tokens`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-crony-csrf': '1' },
    body: JSON.stringify({ name: 'chaos', role: 'admin' }),
    signal: AbortSignal.timeout(15_000),
  });
  if (tok.status !== 201) throw new Error(`token creation failed: ${tok.status} ${await tok.text()}`);
  return (await tok.json()) as { token: string };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** Resolves true when `p` settles within `ms`, false otherwise. */
async function withDeadline(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([p.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
