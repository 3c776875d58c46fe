/**
 * The Cloud Crony side of the benchmark: for one scenario, a fresh database on the shared
 * database server is seeded, then a real `crony serve` process fires the schedules at the
 * loopback receiver while the harness watches the receiver, the run ledger and the server's
 * own runtime figures.
 */
import { CreateScheduleBody, parseDuration } from '@crony/shared';
import { MongoClient, type Db } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import path from 'node:path';
import { signup } from '../../src/modules/auth/auth.service.ts';
import { ScheduleModel } from '../../src/modules/schedules/schedule.model.ts';
import { ScheduleStateModel } from '../../src/modules/scheduler/schedule-state.model.ts';
import { compiledOf } from '../../src/modules/scheduler/when.ts';
import { createToken } from '../../src/modules/tokens/tokens.service.ts';
import { cleanEnv, cpuSecondsOf, sleep, startChild, type Child } from './child.ts';
import { loadClient } from './load-client.ts';
import { openLoop, type OpenLoopResult } from './open-loop.ts';
import { arrivalKey, startReceiver, type Receiver } from './receiver.ts';
import { maxOf, round, summarize, type Summary } from './stats.ts';
import { buildScenario, CATCH_UP_LIMIT_MS, slotsIn, windowFor, type ScenarioName, type Spec } from './workload.ts';

export interface SystemFigures {
  /** Slots of the window that should have started. */
  slots_expected: number;
  /** Slots whose task started (the receiver got the request / the handler ran). */
  slots_started: number;
  /** Expected slots that never started before the drain deadline. */
  slots_missed: number;
  /** Task start − nominal time, in ms. */
  start_lateness_ms: Summary;
  /** Run record written (claimable) − nominal time, in ms; Cloud Crony only. */
  claimable_lateness_ms: Summary | null;
  /** Burst only: from the slot to the last start, in ms (the time to drain the burst). */
  drain_ms: number | null;
  /** Largest resident set size seen in the window, in MiB. */
  rss_mib_max: number | null;
  /** Event-loop delay in the window, in ms: the worst 5-second p99, and the largest single delay. */
  event_loop_delay_ms: { p99: number; max: number } | null;
  /** CPU seconds the scheduler process used in the window, per second of window. */
  cpu_cores: number | null;
  /** Seeding and start-up, in s. */
  setup_s: number;
}

export interface CronyExtras {
  /** Bytes the schedules took in the database, per 10 000 schedules. */
  db_bytes_per_10k_schedules: number | null;
  /** Burst only: runs from slot to completed per second (the burst's runs ÷ time to complete the last). */
  dispatch_runs_per_s: number | null;
  /**
   * From "ready" until the scheduler kept up: every slot after "ready" up to a second before had
   * reached the receiver, in ms; null if that did not happen within CATCH_UP_LIMIT_MS (the window
   * then starts anyway). Slots that fell due while the process started are fired late first.
   */
  catch_up_ms: number | null;
  /**
   * Cores the database server was busy in the window (null when it is not a local process):
   * beside the scheduler's own figure, it tells which of the two a lagging run waited on.
   */
  db_cpu_cores: number | null;
  /** Burst only: time from the slot until the last run record was written, and until the last run completed, in ms. */
  fire_drain_ms: number | null;
  complete_drain_ms: number | null;
  api: { list: OpenLoopResult; create: OpenLoopResult } | null;
  commands: CommandFigures | { skipped: string } | null;
}

export interface CommandFigures {
  commands: number;
  worker_concurrency: number;
  /** Sandboxed no-op commands completed per second by one worker process. */
  per_s_per_worker: number;
  /** Same, divided by the worker's concurrency (one slot per core on the benchmark machine). */
  per_s_per_core: number;
  /**
   * Commands per second of CPU the worker spent, with its sandboxes (null when it spent none
   * that could be measured): what one core of the worker's own would run if the server and the
   * database had theirs. Here all three share the machine's cores, so `per_s_per_worker` is lower.
   */
  per_s_per_worker_cpu: number | null;
  /**
   * CPU per command, in ms, from the first trigger until every run ended (or the wait gave up):
   * the `crony serve` process, the database server (null when not known), and the worker with
   * the sandboxes it ran. They share the machine's cores, so this says where a command's time goes.
   */
  cpu_ms_per_command: { server: number; database: number | null; worker: number };
}

export interface CronyScenarioOptions {
  /** Database server URI without a database name. */
  dbUri: string;
  scenario: ScenarioName;
  n: number;
  seconds: number;
  tmp: string;
  log: (s: string) => void;
  /** The database server's process, to measure its CPU in the window; absent: not measured. */
  dbPid?: number;
  /** Measure API latency and sandboxed commands in this scenario (after the window). */
  extras?: { apiRate: number; apiSeconds: number; commands: number };
  /** Tally the scheduler's database commands into `<census>/commands-<scenario>.tsv` (db/command-census.ts). */
  census?: string;
  /** Write the `crony serve` process's CPU profile into this directory when it exits (Node's `--cpu-prof`). */
  cpuProf?: string;
}

const READY_MS = 120_000;
/** Longest the harness waits for one API answer, in ms. */
const REQUEST_MS = 30_000;

export async function runCronyScenario(
  opts: CronyScenarioOptions,
): Promise<{ figures: SystemFigures; extras: CronyExtras }> {
  const { log } = opts;
  const dbName = `bench_crony_${opts.scenario}_${process.pid}`;
  const uri = withDatabase(opts.dbUri, dbName);
  const receiver = await startReceiver();
  const client = await MongoClient.connect(uri);
  let server: Child | undefined;
  let worker: Child | undefined;
  try {
    const setupStart = Date.now();
    const { specs, description } = buildScenario(opts.scenario, opts.n);
    log(`crony ${opts.scenario}: seeding ${description}`);
    const sizeBefore = await dbBytes(client.db());
    const { token, ids } = await seed(opts.dbUri, dbName, specs, receiver.url);
    const sizeAfter = await dbBytes(client.db());
    const dbPer10k =
      sizeBefore !== null && sizeAfter !== null ? Math.round(((sizeAfter - sizeBefore) / opts.n) * 10_000) : null;

    const port = await freePortNumber();
    const url = `http://127.0.0.1:${port}`;
    server = startChild(
      process.execPath,
      [
        ...(opts.cpuProf ? ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProf}`] : []),
        '--import',
        'tsx',
        'server/src/cli.ts',
        'serve',
      ],
      cleanEnv({
        MONGODB_URI: uri,
        PORT: String(port),
        HOST: '127.0.0.1',
        CRONY_CONSOLE: 'false',
        CRONY_SIGNUP: 'closed',
        CRONY_ALLOWED_TARGET_HOSTS: '127.0.0.1',
        CRONY_LOG_LEVEL: 'warn',
        CRONY_DATA_DIR: path.join(opts.tmp, `crony-${opts.scenario}`),
        NODE_ENV: 'production',
        ...(opts.census ? { CRONY_DB_CENSUS: path.join(opts.census, `commands-${opts.scenario}.tsv`) } : {}),
      }),
    );
    await waitHealthy(url, server);
    const readyAt = Date.now();
    const setupS = round((readyAt - setupStart) / 1000);
    const caughtUpAt = await keptUp(receiver, specs, ids, readyAt);
    const catchUpMs = caughtUpAt === null ? null : caughtUpAt - readyAt;
    const window = windowFor(opts.scenario, caughtUpAt ?? Date.now(), opts.seconds);
    log(
      `crony ${opts.scenario}: ready after ${setupS} s, kept up ${catchUpMs === null ? `not within ${CATCH_UP_LIMIT_MS / 1000} s` : `after ${round(catchUpMs / 1000)} s`}; window ${new Date(window.from).toISOString()} + ${(window.to - window.from) / 1000} s`,
    );

    const expected: string[] = [];
    specs.forEach((spec, i) => {
      for (const t of slotsIn(spec, window.from, window.to)) expected.push(arrivalKey(ids[i]!, t));
    });
    const sampler = sampleHealth(url);
    await sleepUntil(window.from);
    const cpuStart = cpuSecondsOf(server.proc.pid);
    const dbCpuStart = opts.dbPid === undefined ? null : cpuSecondsOf(opts.dbPid);
    await sleepUntil(window.to);
    const cpuEnd = cpuSecondsOf(server.proc.pid);
    const dbCpuEnd = opts.dbPid === undefined ? null : cpuSecondsOf(opts.dbPid);
    const windowS = (window.to - window.from) / 1000;
    await waitForArrivals(receiver, expected, window.to + (opts.scenario === 'burst' ? 60_000 : 20_000));
    const runtime = sampler.stop(window.from);

    const started = expected.map((k) => receiver.arrivals.get(k)).filter((t): t is number => t !== undefined);
    const lateness = expected.flatMap((k) => {
      const at = receiver.arrivals.get(k);
      return at === undefined ? [] : [at - Number(k.split('|')[1])];
    });
    const ledger = await readLedger(client.db(), window);
    const figures: SystemFigures = {
      slots_expected: expected.length,
      slots_started: started.length,
      slots_missed: expected.length - started.length,
      start_lateness_ms: summarize(lateness),
      claimable_lateness_ms: summarize(ledger.claimable),
      drain_ms: opts.scenario === 'burst' && started.length ? maxOf(started)! - window.from : null,
      rss_mib_max: runtime.rssMiB,
      event_loop_delay_ms: runtime.eld,
      cpu_cores: round((cpuEnd - cpuStart) / windowS, 2),
      setup_s: setupS,
    };
    const extras: CronyExtras = {
      db_bytes_per_10k_schedules: dbPer10k,
      catch_up_ms: catchUpMs,
      db_cpu_cores: dbCpuStart === null || dbCpuEnd === null ? null : round((dbCpuEnd - dbCpuStart) / windowS, 2),
      dispatch_runs_per_s: null,
      fire_drain_ms: null,
      complete_drain_ms: null,
      api: null,
      commands: null,
    };
    if (opts.scenario === 'burst') {
      extras.fire_drain_ms = ledger.lastCreated !== null ? ledger.lastCreated - window.from : null;
      extras.complete_drain_ms = ledger.lastFinished !== null ? ledger.lastFinished - window.from : null;
      extras.dispatch_runs_per_s =
        extras.complete_drain_ms && ledger.completed > 0
          ? round(ledger.completed / (extras.complete_drain_ms / 1000))
          : null;
    }
    if (opts.extras) {
      // Commands first: the open-loop API load can leave the server busy for minutes with
      // requests the harness already gave up on, which would time out the worker's setup.
      log(`crony ${opts.scenario}: ${opts.extras.commands} sandboxed no-op commands on one worker`);
      try {
        const pids = { server: server.proc.pid, database: opts.dbPid };
        extras.commands = await measureCommands(url, token, opts.extras.commands, opts.tmp, pids, log, (w) => {
          worker = w;
        });
      } catch (err) {
        extras.commands = { skipped: `the command measurement failed: ${(err as Error).message}` };
      }
      await worker?.stop(); // however the measurement ended: a worker left running keeps the harness alive
      worker = undefined;
      log(`crony ${opts.scenario}: API latency at ${opts.extras.apiRate} requests/s`);
      extras.api = await measureApi(url, token, receiver.url, opts.extras.apiRate, opts.extras.apiSeconds);
      log(
        `crony ${opts.scenario}: API p99 list ${extras.api.list.latency_ms.p99} ms, create ${extras.api.create.latency_ms.p99} ms`,
      );
      const failed = extras.api.list.errors + extras.api.create.errors;
      // Why a request failed is in the server's log when the server failed it.
      if (failed > 0)
        log(
          `crony ${opts.scenario}: ${failed} API requests failed; the server's last lines:\n${server.tail().join('\n')}`,
        );
      // Requests the harness gave up on are still being worked on by the server and the
      // database, which the next scenario or peer shares: let them finish first.
      await waitResponsive(url);
    }
    return { figures, extras };
  } finally {
    await worker?.stop();
    if (server) await server.stop(15_000);
    await receiver.close();
    await client
      .db()
      .dropDatabase()
      .catch(() => {});
    await client.close();
  }
}

/**
 * When the scheduler keeps up: every slot in [readyAt, now - 1 s) has reached the receiver.
 * The slots that fell due while it started (seeding, process start, loading) are fired late
 * at first; the window measures the steady state after that, and the time it took is reported
 * on its own. Null when it did not keep up within CATCH_UP_LIMIT_MS.
 */
async function keptUp(receiver: Receiver, specs: Spec[], ids: string[], readyAt: number): Promise<number | null> {
  let checkedTo = readyAt;
  let pending: string[] = [];
  while (Date.now() - readyAt < CATCH_UP_LIMIT_MS) {
    const upTo = Date.now() - 1000;
    if (upTo > checkedTo) {
      specs.forEach((spec, i) => {
        for (const t of slotsIn(spec, checkedTo, upTo)) pending.push(arrivalKey(ids[i]!, t));
      });
      checkedTo = upTo;
    }
    pending = pending.filter((k) => !receiver.arrivals.has(k));
    if (pending.length === 0 && checkedTo > readyAt + 2000) return Date.now();
    await sleep(250);
  }
  return null;
}

/**
 * The schedules and their scheduler state, written as `POST /v1/schedules` would (bulk, to keep
 * setup short): each batch's first slots count from when that batch is written, not from the
 * start of the seeding, which at 100,000 schedules took most of a minute.
 */
async function seed(
  dbUri: string,
  dbName: string,
  specs: { cron: string }[],
  targetUrl: string,
): Promise<{ token: string; ids: string[] }> {
  await mongoose.connect(dbUri, { dbName });
  try {
    await mongoose.connection.syncIndexes();
    const principal = await signup(
      { email: `bench-${process.pid}@example.com`, password: 'correct horse battery', tenant: 'bench' },
      { signupOpen: true },
    );
    const { token } = await createToken(principal, { name: 'bench', role: 'admin' });
    const ids: string[] = [];
    const BATCH = 2000;
    for (let from = 0; from < specs.length; from += BATCH) {
      const now = new Date();
      const schedules = [];
      const states = [];
      for (let i = from; i < Math.min(specs.length, from + BATCH); i++) {
        const body = CreateScheduleBody.parse({
          name: `bench ${i}`,
          cron: specs[i]!.cron,
          target: { type: 'http', url: targetUrl, method: 'POST', timeout_ms: 10_000 },
          retry: { max_attempts: 1 },
        });
        const _id = new Types.ObjectId();
        ids.push(_id.toHexString());
        const doc = new ScheduleModel({
          _id,
          tenant_id: principal.tenantId,
          name: body.name,
          description: null,
          cron: body.cron,
          every: null,
          every_ms: null,
          anchor: now,
          at: null,
          timezone: body.timezone,
          target: body.target,
          paused: false,
          concurrency_policy: body.concurrency_policy,
          misfire_policy: body.misfire_policy,
          catchup_window: body.catchup_window,
          catchup_window_ms: parseDuration(body.catchup_window)!,
          retry: body.retry,
          created_at: now,
          updated_at: now,
        }).toObject();
        doc.next_run_at = compiledOf(doc).nextAfter(now);
        schedules.push(doc);
        states.push(new ScheduleStateModel({ _id }).toObject());
      }
      await ScheduleModel.collection.insertMany(schedules, { ordered: false });
      await ScheduleStateModel.collection.insertMany(states, { ordered: false });
    }
    return { token, ids };
  } finally {
    await mongoose.disconnect();
  }
}

async function readLedger(db: Db, window: { from: number; to: number }) {
  const runs = await db
    .collection('runs')
    .find(
      { nominal_at: { $gte: new Date(window.from), $lt: new Date(window.to) }, trigger: 'schedule' },
      { projection: { nominal_at: 1, created_at: 1, finished_at: 1, status: 1 } },
    )
    .toArray();
  let lastCreated: number | null = null;
  let lastFinished: number | null = null;
  let completed = 0;
  const claimable: number[] = [];
  for (const r of runs) {
    const created = (r.created_at as Date).getTime();
    claimable.push(created - (r.nominal_at as Date).getTime());
    lastCreated = Math.max(lastCreated ?? created, created);
    if (r.finished_at && r.status === 'succeeded') {
      completed++;
      const f = (r.finished_at as Date).getTime();
      lastFinished = Math.max(lastFinished ?? f, f);
    }
  }
  return { claimable, lastCreated, lastFinished, completed };
}

async function measureApi(url: string, token: string, targetUrl: string, rate: number, seconds: number) {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const client = loadClient(REQUEST_MS);
  const list = await openLoop(rate, seconds, () => client.send(`${url}/v1/schedules?limit=50`, { headers }));
  const create = await openLoop(rate, seconds, (k) =>
    client.send(`${url}/v1/schedules`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: `api ${k}`,
        // Hourly, far from the measured slots: the created schedules add stored load, not firings.
        cron: `${k % 60} 30 * * * *`,
        target: { type: 'http', url: targetUrl },
      }),
    }),
  );
  client.close();
  return { list, create };
}

async function measureCommands(
  url: string,
  token: string,
  count: number,
  tmp: string,
  pids: { server: number | undefined; database: number | undefined },
  log: (s: string) => void,
  started: (worker: Child) => void,
): Promise<CommandFigures | { skipped: string }> {
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  const wt = await fetch(`${url}/v1/worker-tokens`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: 'bench' }),
    signal: AbortSignal.timeout(REQUEST_MS),
  });
  if (wt.status !== 201) return { skipped: `worker token: HTTP ${wt.status}` };
  const { token: registration } = (await wt.json()) as { token: string };
  const concurrency = 2;
  const worker = startChild(
    process.execPath,
    [
      '--import',
      'tsx',
      'server/src/cli.ts',
      'worker',
      '--api',
      url,
      '--token',
      registration,
      '--concurrency',
      String(concurrency),
      '--state-dir',
      path.join(tmp, `worker-${Date.now()}`),
    ],
    cleanEnv({ CRONY_LOG_LEVEL: 'warn' }),
  );
  started(worker);
  const created = await fetch(`${url}/v1/schedules`, {
    method: 'POST',
    headers,
    signal: AbortSignal.timeout(REQUEST_MS),
    body: JSON.stringify({
      name: 'bench command',
      cron: '0 0 1 1 *',
      target: { type: 'command', command: ['/bin/true'] },
      retry: { max_attempts: 1 },
    }),
  });
  if (created.status !== 201) return { skipped: `command schedule: HTTP ${created.status}` };
  const { id } = (await created.json()) as { id: string };
  log(`worker started; one warm-up command`);
  // One warm-up command: the worker registers and the sandbox is checked once.
  const warm = await trigger(url, headers, id);
  if (!(await waitRunsFinal(url, headers, [warm], 60_000, worker))) {
    return { skipped: `the worker did not finish a command within 60 s: ${worker.tail().slice(-3).join(' | ')}` };
  }
  const cpu = () => ({
    server: cpuSecondsOf(pids.server),
    database: pids.database === undefined ? null : cpuSecondsOf(pids.database),
    worker: cpuSecondsOf(worker.proc.pid, { children: true }),
  });
  const cpuBefore = cpu();
  const ids: string[] = [];
  for (let i = 0; i < count; i += 20) {
    ids.push(...(await Promise.all(Array.from({ length: Math.min(20, count - i) }, () => trigger(url, headers, id)))));
  }
  log(`triggered ${ids.length} commands`);
  const ok = await waitRunsFinal(url, headers, ids, 120_000, worker);
  const cpuAfter = cpu();
  const runs: RunView[] = [];
  for (const r of ids) runs.push(await getRun(url, headers, r));
  const starts = runs.map((r) => Date.parse(r.started_at ?? '')).filter(Number.isFinite);
  const ends = runs.map((r) => Date.parse(r.finished_at ?? '')).filter(Number.isFinite);
  const succeeded = runs.filter((r) => r.status === 'succeeded').length;
  if (succeeded === 0 || starts.length === 0) {
    return { skipped: `no command succeeded (${ok ? 'all ended' : 'not all ended within 120 s'})` };
  }
  // Slower than the wait (a loaded scheduler) is still a measurement: the rate is over the runs'
  // own start and end times, of those that succeeded.
  if (!ok) log(`not all commands ended within 120 s; ${succeeded}/${count} had succeeded when read`);
  const spanS = (Math.max(...ends) - Math.min(...starts)) / 1000;
  const perS = round(succeeded / Math.max(spanS, 0.001));
  const workerCpuS = cpuAfter.worker - cpuBefore.worker;
  return {
    commands: succeeded,
    worker_concurrency: concurrency,
    per_s_per_worker: perS,
    per_s_per_core: round(perS / concurrency),
    per_s_per_worker_cpu: workerCpuS > 0 ? round(succeeded / workerCpuS) : null,
    cpu_ms_per_command: {
      server: round(((cpuAfter.server - cpuBefore.server) * 1000) / succeeded),
      database:
        cpuAfter.database === null || cpuBefore.database === null
          ? null
          : round(((cpuAfter.database - cpuBefore.database) * 1000) / succeeded),
      worker: round((workerCpuS * 1000) / succeeded),
    },
  };
}

const ACTIVE = ['queued', 'leased', 'running'];

type RunView = { status: string; started_at: string | null; finished_at: string | null };

async function trigger(url: string, headers: Record<string, string>, id: string): Promise<string> {
  const res = await fetch(`${url}/v1/schedules/${id}/trigger`, {
    method: 'POST',
    headers,
    signal: AbortSignal.timeout(REQUEST_MS),
  });
  if (res.status !== 201 && res.status !== 200 && res.status !== 202)
    throw new Error(`trigger: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { id: string }).id;
}

async function getRun(url: string, headers: Record<string, string>, id: string): Promise<RunView> {
  const res = await fetch(`${url}/v1/runs/${id}`, { headers, signal: AbortSignal.timeout(REQUEST_MS) });
  return (await res.json()) as RunView;
}

async function waitRunsFinal(url: string, headers: Record<string, string>, ids: string[], ms: number, worker: Child) {
  const deadline = Date.now() + ms;
  const pending = [...ids];
  while (Date.now() < deadline && worker.proc.exitCode === null) {
    // Oldest first, one at a time: a run still active means the later ones need not be asked yet.
    while (pending.length > 0 && !ACTIVE.includes((await getRun(url, headers, pending[0]!)).status)) pending.shift();
    if (pending.length === 0) return true;
    await sleep(250);
  }
  return false;
}

function sampleHealth(url: string) {
  const samples: { at: number; rss: number; p99: number; max: number }[] = [];
  let stopped = false;
  void (async () => {
    while (!stopped) {
      try {
        const res = await fetch(`${url}/v1/health?verbose=true`, { signal: AbortSignal.timeout(5000) });
        const h = (await res.json()) as {
          runtime?: { rss_bytes: number; event_loop_delay_ms: { p99: number; max: number } };
        };
        if (h.runtime) {
          samples.push({
            at: Date.now(),
            rss: h.runtime.rss_bytes,
            p99: h.runtime.event_loop_delay_ms.p99,
            max: h.runtime.event_loop_delay_ms.max,
          });
        }
      } catch {
        // a busy server may not answer in time: that shows in the event-loop delay of the next sample
      }
      await sleep(2000);
    }
  })();
  return {
    stop(from: number) {
      stopped = true;
      // Event-loop figures cover the 5 s before each sample; keep those that fall in the window.
      const inWindow = samples.filter((s) => s.at >= from + 5000);
      const use = inWindow.length ? inWindow : samples;
      return {
        rssMiB: use.length ? round(Math.max(...use.map((s) => s.rss)) / 2 ** 20) : null,
        eld: use.length ? { p99: Math.max(...use.map((s) => s.p99)), max: Math.max(...use.map((s) => s.max)) } : null,
      };
    },
  };
}

async function waitForArrivals(receiver: Receiver, expected: string[], deadline: number) {
  while (Date.now() < deadline) {
    if (expected.every((k) => receiver.arrivals.has(k))) return;
    await sleep(250);
  }
}

async function waitHealthy(url: string, server: Child) {
  const deadline = Date.now() + READY_MS;
  while (Date.now() < deadline) {
    if (server.proc.exitCode !== null) throw new Error(`crony serve exited: ${server.tail().join('\n')}`);
    try {
      const res = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(200);
  }
  throw new Error(`crony serve did not become healthy within ${READY_MS / 1000} s: ${server.tail().join('\n')}`);
}

/** Waits (up to 3 minutes) until the server answers its health check, a database ping included, within a second. */
async function waitResponsive(url: string) {
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    const t = Date.now();
    const ok = await fetch(`${url}/v1/health`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok && Date.now() - t < 1000) return;
    await sleep(1000);
  }
}

export async function sleepUntil(t: number) {
  const wait = t - Date.now();
  if (wait > 0) await sleep(wait);
}

/** Data plus index bytes of the database, from dbStats; null when the server does not say. */
export async function dbBytes(db: Db): Promise<number | null> {
  try {
    const s = (await db.command({ dbStats: 1 })) as { dataSize?: number; indexSize?: number; totalSize?: number };
    if (typeof s.totalSize === 'number') return s.totalSize;
    if (typeof s.dataSize === 'number') return s.dataSize + (s.indexSize ?? 0);
    return null;
  } catch {
    return null;
  }
}

export function withDatabase(uri: string, dbName: string): string {
  const u = new URL(uri);
  u.pathname = `/${dbName}`;
  return u.toString();
}

async function freePortNumber(): Promise<number> {
  const { freePort } = await import('../../src/db/launcher.ts');
  return freePort();
}
