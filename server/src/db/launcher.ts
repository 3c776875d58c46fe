/**
 * Gives every machine that builds or tests Cloud Crony a real MongoDB wire-protocol server
 * without manual steps (DESIGN.md, "Database"): `MONGODB_URI` if set, else a `mongod` on
 * PATH, else FerretDB 1.24.2 with its SQLite backend, built once from the Go module proxy.
 *
 * Run directly (`node --import tsx server/src/db/launcher.ts --ensure`) it builds the
 * FerretDB binary ahead of time when it will be needed; CI does this before the tests so
 * that a cold build never eats a test's timeout.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MongoClient } from 'mongodb';
import { buildInputs, patchedBuildTree, patchNamesLinkFlag } from './ferretdb-source.ts';

export type DatabaseKind = 'external' | 'mongod' | 'ferretdb';

export interface DatabaseHandle {
  /** MongoDB connection string of the server, without a database name for started servers. */
  uri: string;
  kind: DatabaseKind;
  /** Stops a server this module started (SIGTERM, SIGKILL after 5 s); a no-op for `external`. */
  stop(): Promise<void>;
  /** The running server's process id (it changes when a crashed server is restarted); none for `external`. */
  pid?: () => number | undefined;
}

export interface StartDatabaseOptions {
  /** Use this server as is (kind `external`); typically `MONGODB_URI`. */
  uri?: string | undefined;
  /** Where a started server keeps its files: `<dataDir>/mongod` or `<dataDir>/ferretdb`. */
  dataDir: string;
  /** Progress messages (a FerretDB build, which server was started). Default: silent. */
  log?: (msg: string) => void;
  /**
   * Skip the detection and start this server. Tests use `'ferretdb'` so that they exercise
   * the fallback even on a machine that has `mongod`. Default: `mongod` if on PATH, else FerretDB.
   */
  engine?: 'mongod' | 'ferretdb';
  /** FerretDB only: serve Go's profiler (`/debug/pprof/`) on this loopback address, e.g. for `npm run bench -- --db-pprof`. */
  pprofAddr?: string;
}

export const FERRETDB_VERSION = '1.24.2';

/** server/src/db → repository root. */
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const cacheDir = path.join(repoRoot, '.cache', 'ferretdb');
const exe = process.platform === 'win32' ? '.exe' : '';
// Named by version and by a hash of what this repository builds it from (the launcher's Go
// files, module files and patches), so a change to any of them rebuilds the binary instead of
// reusing a stale one.
const sourceHash = createHash('sha256')
  .update(
    buildInputs()
      .map(({ name, text }) => `${name}\0${text}`)
      .join('\0'),
  )
  .digest('hex')
  .slice(0, 10);
const binaryPath = path.join(cacheDir, `ferretdb-v${FERRETDB_VERSION}-${sourceHash}${exe}`);
const lockDir = `${binaryPath}.lock`;

/** How long a server may take to answer `ping` after it was spawned. */
const READY_TIMEOUT_MS = 30_000;
/** How long `stop()` waits after SIGTERM before it sends SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** A build that takes longer than this is taken for dead and its lock for stale. */
const BUILD_LOCK_TIMEOUT_MS = 15 * 60_000;

const noop = (): void => {};

/** Gives the caller a MongoDB wire-protocol server: the URI if given, else a mongod on PATH, else FerretDB 1.24.2 built from the Go module proxy. */
export async function startDatabase(opts: StartDatabaseOptions): Promise<DatabaseHandle> {
  const log = opts.log ?? noop;
  if (opts.uri) {
    return { uri: opts.uri, kind: 'external', stop: () => Promise.resolve() };
  }

  const dataDir = path.resolve(opts.dataDir);
  const mongod = opts.engine === 'ferretdb' ? undefined : await findExecutable('mongod');
  if (opts.engine === 'mongod' && !mongod) {
    throw new Error('`mongod` was asked for but is not on PATH. Install MongoDB, or set MONGODB_URI.');
  }

  if (mongod) {
    const dbPath = path.join(dataDir, 'mongod');
    await fs.mkdir(dbPath, { recursive: true });
    return spawnServer('mongod', log, (port) => ({
      command: mongod,
      args: ['--dbpath', dbPath, '--port', String(port), '--bind_ip', '127.0.0.1', '--quiet'],
    }));
  }

  const binary = await ensureFerretdbBinary(log);
  const sqliteDir = path.join(dataDir, 'ferretdb');
  await fs.mkdir(sqliteDir, { recursive: true });
  return spawnServer('ferretdb', log, (port) => ({
    command: binary,
    args: [
      '-listen-addr',
      `127.0.0.1:${port}`,
      '-sqlite-dir',
      sqliteDir,
      '-log-level',
      'warn',
      ...(opts.pprofAddr ? ['-pprof-addr', opts.pprofAddr] : []),
    ],
  }));
}

/** Builds (once, into the git-ignored cache `<repo>/.cache/ferretdb/ferretdb-v1.24.2-<source hash>`) and returns the FerretDB binary path. */
export async function ensureFerretdbBinary(log: (msg: string) => void = noop): Promise<string> {
  if (await isExecutable(binaryPath)) return binaryPath;

  const go = await findExecutable('go');
  if (!go) throw new Error(noServerMessage());
  await fs.mkdir(cacheDir, { recursive: true });

  // Several test files or processes may ask at once on a cold cache: one builds, the others
  // wait for the binary to appear.
  const deadline = Date.now() + BUILD_LOCK_TIMEOUT_MS + 60_000;
  let announced = false;
  while (!(await tryLock())) {
    if (await isExecutable(binaryPath)) return binaryPath;
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for another process to build FerretDB (lock ${lockDir}).`);
    }
    if (!announced) {
      log('waiting for another process that is building FerretDB…');
      announced = true;
    }
    await sleep(500);
  }

  try {
    // Another process may have finished between our check and taking the lock.
    if (await isExecutable(binaryPath)) return binaryPath;
    log(`building FerretDB ${FERRETDB_VERSION} (first run only, ~2 minutes)…`);
    const started = Date.now();
    const buildDir = path.join(cacheDir, `.build-${process.pid}-${Date.now()}`);
    // Beside the two source trees the build lays out (ferretdb/, launcher/), not in them.
    const tmp = path.join(buildDir, `ferretdb-launcher${exe}`);
    // -mod=mod lets the build fill in go.sum entries a newer Go toolchain wants; -buildvcs=false
    // because the module sits inside the project's git checkout, whose state is not the
    // binary's business (and git may refuse a checkout owned by another user).
    const goflags = [process.env.GOFLAGS, '-mod=mod', '-buildvcs=false'].filter(Boolean).join(' ');
    const env = { ...process.env, GOFLAGS: goflags };
    try {
      const sources = await patchedBuildTree(go, buildDir, env);
      const result = await run(go, ['build', '-ldflags', patchNamesLinkFlag(), '-o', tmp, '.'], { cwd: sources, env });
      if (result.code !== 0) {
        throw new Error(
          `Building FerretDB ${FERRETDB_VERSION} failed (go build in ${sources}, exit ${result.code}):\n${result.output.trim()}\n` +
            `FerretDB ${FERRETDB_VERSION} needs Go 1.24 or newer. Alternatively install MongoDB (mongod on PATH) or set MONGODB_URI.`,
        );
      }
      // Atomic on one filesystem: nobody ever sees a half-written binary.
      await fs.rename(tmp, binaryPath);
    } finally {
      await fs.rm(buildDir, { recursive: true, force: true });
    }
    log(`built FerretDB ${FERRETDB_VERSION} in ${((Date.now() - started) / 1000).toFixed(0)} s: ${binaryPath}`);
    return binaryPath;
  } finally {
    await fs.rm(lockDir, { recursive: true, force: true });
  }
}

/** Absolute path of `name` if it is an executable on PATH. */
export async function findExecutable(name: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`] : [name];
  for (const dir of dirs) {
    for (const n of names) {
      const candidate = path.join(dir, n);
      if (await isExecutable(candidate)) return candidate;
    }
  }
  return undefined;
}

function noServerMessage(): string {
  return (
    'No MongoDB-compatible database is available: MONGODB_URI is not set, there is no `mongod` on PATH, ' +
    `and \`go\` (needed to build FerretDB ${FERRETDB_VERSION}) is not on PATH. Do one of: install Go 1.24 or newer ` +
    '(https://go.dev/dl/; the first run then builds FerretDB, ~2 minutes), install MongoDB so that `mongod` is on PATH, ' +
    'or set MONGODB_URI=mongodb://host:27017/ to use an existing server.'
  );
}

async function tryLock(): Promise<boolean> {
  try {
    await fs.mkdir(lockDir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    // A builder that died (Ctrl-C, OOM) leaves its lock behind: take it over.
    // So does one from before a reboot, whose pid may now belong to another process.
    const owner = Number(await fs.readFile(path.join(lockDir, 'pid'), 'utf8').catch(() => ''));
    const since = await fs.stat(lockDir).then(
      (s) => s.mtimeMs,
      () => Date.now(),
    );
    if ((owner && !isAlive(owner)) || Date.now() - since > BUILD_LOCK_TIMEOUT_MS) {
      await fs.rm(lockDir, { recursive: true, force: true });
      return tryLock();
    }
    return false;
  }
  await fs.writeFile(path.join(lockDir, 'pid'), String(process.pid));
  return true;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    const stat = await fs.stat(file);
    if (!stat.isFile()) return false;
    await fs.access(file, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

interface SpawnSpec {
  command: string;
  args: string[];
}

/** A started server process: its exit, what it printed, and why it could not start. */
interface Launched {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output: Tail;
  spawnError: () => Error | undefined;
}

function launch({ command, args }: SpawnSpec): Launched {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = new Tail(8 * 1024);
  // Both pipes must be drained or a chatty server blocks on a full pipe.
  child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => output.push(chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  // Do not leave a database running behind a parent that exits without calling stop().
  const killOnExit = (): void => {
    child.kill('SIGTERM');
  };
  process.on('exit', killOnExit);
  void exited.then(() => process.off('exit', killOnExit));
  return { child, exited, output, spawnError: () => spawnError };
}

/** Waits until `server` answers ping, or exits, or the start timeout passes. */
async function ready(server: Launched, uri: string, port: number): Promise<'ready' | 'timeout' | 'exited'> {
  let settled = false;
  const started = Date.now();
  const outcome = await Promise.race([
    waitForPing(uri, port, started + READY_TIMEOUT_MS, () => settled).then((ok) => (ok ? 'ready' : 'timeout')),
    server.exited.then(() => 'exited' as const),
  ]);
  settled = true;
  return outcome;
}

/** Restarts after a crash, at most this many in RESTART_WINDOW_MS; past that the crash stands. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 10 * 60_000;

/**
 * Spawns a server on a free loopback port and waits until it answers `ping`. The port is
 * found by binding port 0 and closing it, so another process can take it in between; a
 * child that dies at once is therefore retried on a new port.
 *
 * Once running, the server is supervised: if it dies without being asked to (FerretDB 1.24
 * has been seen to crash under heavy concurrent load), the reason is logged and it is started
 * again on the same port and data directory, so clients reconnect to the same URI and lose
 * only the requests in flight. Repeated crashes stop the restarts.
 */
async function spawnServer(
  kind: 'mongod' | 'ferretdb',
  log: (msg: string) => void,
  spec: (port: number) => SpawnSpec,
): Promise<DatabaseHandle> {
  const attempts = 3;
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const uri = `mongodb://127.0.0.1:${port}/`;
    const started = Date.now();
    let server = launch(spec(port));
    const outcome = await ready(server, uri, port);

    if (outcome === 'ready') {
      log(`${kind} is listening on ${uri} (ready in ${Date.now() - started} ms)`);
      let stopping = false;
      const restarts: number[] = [];
      const supervise = (current: Launched): void => {
        void current.exited.then(async ({ code, signal }) => {
          if (stopping) return;
          log(
            `${kind} exited unexpectedly (${signal ?? `exit code ${code}`}). Its last output:\n${current.output.text()}`,
          );
          const now = Date.now();
          while (restarts.length > 0 && restarts[0]! < now - RESTART_WINDOW_MS) restarts.shift();
          if (restarts.length >= MAX_RESTARTS) {
            log(
              `${kind} crashed ${MAX_RESTARTS + 1} times in ${RESTART_WINDOW_MS / 60_000} minutes: not restarting it`,
            );
            return;
          }
          restarts.push(now);
          server = launch(spec(port));
          const again = await ready(server, uri, port);
          if (stopping) return;
          if (again === 'ready') {
            log(`${kind} restarted on ${uri}`);
            supervise(server);
          } else {
            log(`${kind} did not come back (${again}). Its last output:\n${server.output.text()}`);
            if (again === 'timeout') await stopChild(server.child, server.exited);
          }
        });
      };
      supervise(server);
      return {
        uri,
        kind,
        pid: () => server.child.pid,
        stop: once(() => {
          stopping = true;
          return stopChild(server.child, server.exited);
        }),
      };
    }

    if (outcome === 'timeout') {
      await stopChild(server.child, server.exited);
      throw new Error(
        `${kind} did not answer ping on ${uri} within ${READY_TIMEOUT_MS / 1000} s. Its last output:\n${server.output.text()}`,
      );
    }
    const { code, signal } = await server.exited;
    const text = server.output.text();
    const { command, args } = spec(port);
    const spawnError = server.spawnError();
    if (spawnError) throw new Error(`Could not start ${kind} (${command}): ${spawnError.message}`);
    if (attempt < attempts && /address already in use|EADDRINUSE|Address in use/i.test(text)) continue;
    throw new Error(
      `${kind} exited before it was ready (${signal ?? `exit code ${code}`}): ${command} ${args.join(' ')}\n${text}`,
    );
  }
}

/** Polls until the server at `uri` answers `ping`; false at `deadline` or once `gaveUp()` is true. */
export async function waitForPing(
  uri: string,
  port: number,
  deadline: number,
  gaveUp: () => boolean,
): Promise<boolean> {
  while (Date.now() < deadline && !gaveUp()) {
    // A plain TCP probe first: the driver waits out its whole selection timeout on a refused
    // connection, which would add up to a second to every start.
    if (!(await canConnect(port))) {
      await sleep(50);
      continue;
    }
    const client = new MongoClient(uri, {
      serverSelectionTimeoutMS: 1_000,
      connectTimeoutMS: 1_000,
      directConnection: true,
    });
    try {
      await client.connect();
      await client.db('admin').command({ ping: 1 });
      return true;
    } catch {
      await sleep(200);
    } finally {
      await client.close().catch(noop);
    }
  }
  return false;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function stopChild(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const killed = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, STOP_GRACE_MS);
  });
  await Promise.race([exited, killed]);
  clearTimeout(timer);
  await exited;
}

/** A loopback port that is free now (bind port 0, read it, close). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('could not find a free port'))));
    });
  });
}

function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = new Tail(16 * 1024);
    child.stdout.on('data', (chunk: Buffer) => output.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => output.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code: code ?? 1, output: output.text() }));
  });
}

/**
 * The last `limit` bytes a server printed, plus the start of a Go crash report if one came:
 * a crash prints the reason first and then every goroutine, so the tail alone loses the reason.
 */
class Tail {
  private chunks: Buffer[] = [];
  private size = 0;
  private crash: string | undefined;
  constructor(private readonly limit: number) {}
  push(chunk: Buffer): void {
    if (this.crash === undefined) {
      const text = chunk.toString('utf8');
      const at = text.search(/^(panic: |fatal error: )/m);
      if (at >= 0) this.crash = text.slice(at, at + 2048);
    }
    this.chunks.push(chunk);
    this.size += chunk.length;
    while (this.size - (this.chunks[0]?.length ?? 0) >= this.limit && this.chunks.length > 1) {
      this.size -= this.chunks.shift()?.length ?? 0;
    }
  }
  text(): string {
    const all = Buffer.concat(this.chunks);
    const tail = all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
    return this.crash && !tail.includes(this.crash.slice(0, 200)) ? `${this.crash}\n…\n${tail}` : tail;
  }
}

function once(fn: () => Promise<void>): () => Promise<void> {
  let pending: Promise<void> | undefined;
  return () => (pending ??= fn());
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// `node --import tsx server/src/db/launcher.ts --ensure`: build FerretDB now if the tests will need it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.slice(2).join(' ') !== '--ensure') {
    console.error('usage: node --import tsx server/src/db/launcher.ts --ensure');
    process.exit(2);
  }
  const log = (msg: string): void => console.log(`[db] ${msg}`);
  if (process.env.MONGODB_URI) {
    log('MONGODB_URI is set: FerretDB is not needed.');
  } else if (await findExecutable('mongod')) {
    log('mongod is on PATH: FerretDB is not needed.');
  } else {
    log(`FerretDB ${FERRETDB_VERSION}: ${await ensureFerretdbBinary(log)}`);
  }
}
