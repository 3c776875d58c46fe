/**
 * `npm test`: every check the project has, in one command, ending in one line that counts them.
 *
 *   static  `npm run typecheck`, `npm run lint` (one check each)
 *   unit    node's test runner over every `*.test.ts` under server/ and shared/
 *   e2e     Playwright in e2e/ (skipped while e2e/playwright.config.ts does not exist)
 *
 * One database serves the unit and e2e stages: `MONGODB_URI` if set, else a `mongod` on PATH,
 * else FerretDB (see server/src/db/launcher.ts). Its URI reaches the tests as
 * `CRONY_TEST_MONGODB_URI`; each test file makes its own database on it.
 *
 * Usage: node --import tsx scripts/test.ts [--only static|unit|e2e]...
 * The last line printed is `N passed, N failed`; the exit code is non-zero when anything
 * failed or when no test ran.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureFerretdbBinary, findExecutable, startDatabase, type DatabaseHandle } from '../server/src/db/launcher.ts';

const STAGES = ['static', 'unit', 'e2e'] as const;
type Stage = (typeof STAGES)[number];

interface StageResult {
  stage: Stage;
  passed: number;
  failed: number;
  /** Test cases (not static checks), for the "no test ran" rule. */
  tests: number;
  note: string;
  seconds: number;
}

const root = fileURLToPath(new URL('../', import.meta.url));
const UNIT_DIRS = ['server', 'shared'];
const SKIP_DIRS = new Set(['node_modules', '.next', '.cache', '.crony', 'dist', 'coverage']);

const say = (msg: string): void => console.log(`[test] ${msg}`);

let database: DatabaseHandle | undefined;
let databaseDir: string | undefined;
let current: ChildProcess | undefined;
let interrupted = false;

async function main(): Promise<number> {
  const stages = parseArgs(process.argv.slice(2));
  installSignalHandlers();

  const results: StageResult[] = [];
  try {
    for (const stage of stages) {
      if (interrupted) break;
      const started = Date.now();
      console.log(`\n[test] ━━ ${stage} ━━`);
      const partial = await runStage(stage);
      results.push({ stage, ...partial, seconds: (Date.now() - started) / 1000 });
    }
  } finally {
    await stopDatabase();
  }

  const passed = sum(results, 'passed');
  const failed = sum(results, 'failed');
  const tests = sum(results, 'tests');
  console.log('\n[test] summary');
  for (const r of results) {
    const counts = `${r.passed} passed, ${r.failed} failed`;
    console.log(
      `  ${r.stage.padEnd(7)} ${counts.padEnd(24)} ${r.seconds.toFixed(1).padStart(6)} s  ${r.note}`.trimEnd(),
    );
  }

  let code = failed > 0 || interrupted ? 1 : 0;
  const ranTestStage = stages.some((s) => s !== 'static');
  if (passed + failed === 0 || (ranTestStage && tests === 0)) {
    console.log('  no test ran: that counts as a failure');
    code = 1;
  }
  if (interrupted) console.log('  interrupted');
  console.log(`${passed} passed, ${failed} failed`);
  return code;
}

function parseArgs(args: string[]): Stage[] {
  const only = new Set<Stage>();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    let value: string | undefined;
    if (arg === '--only') value = args[++i];
    else if (arg.startsWith('--only=')) value = arg.slice('--only='.length);
    else usage(`unknown argument: ${arg}`);
    for (const v of (value ?? '').split(',')) {
      if (!(STAGES as readonly string[]).includes(v)) usage(`--only takes one of ${STAGES.join(', ')}; got "${v}"`);
      only.add(v as Stage);
    }
  }
  return STAGES.filter((s) => only.size === 0 || only.has(s));
}

function usage(problem: string): never {
  console.error(`${problem}\nusage: node --import tsx scripts/test.ts [--only static|unit|e2e]...`);
  process.exit(2);
}

type Counts = Omit<StageResult, 'stage' | 'seconds'>;

async function runStage(stage: Stage): Promise<Counts> {
  switch (stage) {
    case 'static':
      return runStatic();
    case 'unit':
      return runUnit();
    case 'e2e':
      return runE2e();
  }
}

async function runStatic(): Promise<Counts> {
  let passed = 0;
  const failedChecks: string[] = [];
  for (const script of ['typecheck', 'lint']) {
    if (interrupted) break;
    say(`npm run ${script}`);
    const { code } = await exec('npm', ['run', script], { cwd: root });
    if (code === 0) passed++;
    else failedChecks.push(script);
  }
  return {
    passed,
    failed: failedChecks.length,
    tests: 0,
    note: failedChecks.length ? `failed: ${failedChecks.join(', ')}` : '',
  };
}

async function runUnit(): Promise<Counts> {
  const files = (await Promise.all(UNIT_DIRS.map((d) => findTestFiles(path.join(root, d))))).flat().sort();
  if (files.length === 0) {
    say('no *.test.ts files under server/ or shared/');
    return { passed: 0, failed: 0, tests: 0, note: 'no test files' };
  }
  const uri = await databaseUri();
  if (!uri) return { passed: 0, failed: 1, tests: 0, note: 'the database did not start' };

  // The fault test kills servers and a database and loads both cores: it runs by itself after
  // the others, so neither disturbs the other's timing.
  const alone = files.filter((f) => f.includes(`${path.sep}chaos${path.sep}`));
  const together = files.filter((f) => !alone.includes(f));
  say(`${files.length} test files (${alone.length} run alone)`);
  const batches = [await runNodeTests(together, 2, uri), ...(alone.length ? [await runNodeTests(alone, 1, uri)] : [])];
  return batches.reduce((a, b) => ({
    passed: a.passed + b.passed,
    failed: a.failed + b.failed,
    tests: a.tests + b.tests,
    note: [a.note, b.note].filter(Boolean).join('; '),
  }));
}

async function runNodeTests(files: string[], concurrency: number, uri: string): Promise<Counts> {
  const args = ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`];
  const rel = files.map((f) => path.relative(root, f));
  const { code, stdout } = await exec(process.execPath, [...args, ...rel], {
    cwd: root,
    env: { ...testEnv(uri), ...(process.stdout.isTTY ? { FORCE_COLOR: '1' } : {}) },
    captureStdout: true,
  });

  // The spec reporter ends with `ℹ tests N`, `ℹ pass N`, `ℹ fail N`, `ℹ cancelled N`, …
  const text = stripAnsi(stdout);
  const count = (label: string): number | undefined => lastNumber(text, new RegExp(`^ℹ ${label} (\\d+)$`, 'gm'));
  const pass = count('pass');
  const fail = count('fail');
  const cancelled = count('cancelled') ?? 0;
  if (pass === undefined || fail === undefined) {
    return { passed: 0, failed: 1, tests: 0, note: `node --test printed no summary (exit code ${code})` };
  }
  let failed = fail + cancelled;
  let note = cancelled ? `${cancelled} cancelled counted as failed` : '';
  if (code !== 0 && failed === 0) {
    failed = 1;
    note = `node --test exited with code ${code} although no test failed`;
  }
  return { passed: pass, failed, tests: pass + failed, note };
}

async function runE2e(): Promise<Counts> {
  const e2eDir = path.join(root, 'e2e');
  if (!existsSync(path.join(e2eDir, 'playwright.config.ts'))) {
    say('e2e/playwright.config.ts does not exist yet: stage skipped');
    return { passed: 0, failed: 0, tests: 0, note: 'skipped: no e2e/playwright.config.ts' };
  }
  const uri = await databaseUri();
  if (!uri) return { passed: 0, failed: 1, tests: 0, note: 'the database did not start' };

  const jsonFile = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'crony-e2e-')), 'report.json');
  say('npx playwright test');
  const { code, stdout } = await exec('npx', ['playwright', 'test', '--reporter=list,json'], {
    cwd: e2eDir,
    env: { ...testEnv(uri), PLAYWRIGHT_JSON_OUTPUT_NAME: jsonFile },
    captureStdout: true,
  });

  let passed: number | undefined;
  let failed: number | undefined;
  let note = '';
  try {
    const report = JSON.parse(await fs.readFile(jsonFile, 'utf8')) as {
      stats?: { expected?: number; unexpected?: number; flaky?: number };
    };
    if (report.stats) {
      const flaky = report.stats.flaky ?? 0;
      passed = (report.stats.expected ?? 0) + flaky;
      failed = report.stats.unexpected ?? 0;
      if (flaky) note = `${flaky} flaky (passed on retry)`;
    }
  } catch {
    // No JSON report (Playwright failed before running tests): fall back to the list summary.
    const text = stripAnsi(stdout);
    passed = lastNumber(text, /^\s*(\d+) passed\b/gm);
    failed = lastNumber(text, /^\s*(\d+) failed\b/gm);
  } finally {
    await fs.rm(path.dirname(jsonFile), { recursive: true, force: true });
  }

  passed ??= 0;
  failed ??= 0;
  if (code !== 0 && failed === 0) {
    failed = 1;
    note = `playwright exited with code ${code} although no test failed`;
  }
  return { passed, failed, tests: passed + failed, note };
}

function testEnv(uri: string): NodeJS.ProcessEnv {
  return { ...process.env, CRONY_TEST_MONGODB_URI: uri };
}

/** Starts the run's one database on first use; undefined (and the reason printed) if it cannot. */
async function databaseUri(): Promise<string | undefined> {
  if (database) return database.uri;
  const log = (msg: string): void => say(`db: ${msg}`);
  try {
    const uri = process.env.MONGODB_URI;
    // Build FerretDB before any test's clock starts: a cold build takes about two minutes.
    if (!uri && !(await findExecutable('mongod'))) await ensureFerretdbBinary(log);
    databaseDir = await fs.mkdtemp(path.join(os.tmpdir(), 'crony-test-'));
    database = await startDatabase({ uri, dataDir: databaseDir, log });
    say(`database: ${database.kind}${database.kind === 'external' ? '' : ` at ${database.uri}`}`);
    return database.uri;
  } catch (err) {
    console.error(`[test] could not start a database: ${(err as Error).message}`);
    return undefined;
  }
}

async function stopDatabase(): Promise<void> {
  const db = database;
  database = undefined;
  await db?.stop();
  if (databaseDir) await fs.rm(databaseDir, { recursive: true, force: true });
  databaseDir = undefined;
}

async function findTestFiles(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const found: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name) && !entry.name.startsWith('.')) found.push(...(await findTestFiles(full)));
    } else if (entry.isFile() && entry.name.endsWith('.test.ts')) {
      found.push(full);
    }
  }
  return found;
}

/** Runs a command with its output streamed through; optionally keeps stdout for counting. */
function exec(
  command: string,
  args: string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; captureStdout?: boolean },
): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', options.captureStdout ? 'pipe' : 'inherit', 'inherit'],
    });
    current = child;
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.once('error', (err) => {
      console.error(`[test] could not run ${command}: ${err.message}`);
      current = undefined;
      resolve({ code: 127, stdout: '' });
    });
    child.once('close', (code, signal) => {
      current = undefined;
      resolve({ code: code ?? (signal ? 128 : 1), stdout: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

function installSignalHandlers(): void {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupted) {
        // Second Ctrl-C: stop waiting for a graceful end.
        current?.kill('SIGKILL');
        process.exit(130);
      }
      interrupted = true;
      console.error(`\n[test] ${signal}: stopping the current stage and the database…`);
      // Ctrl-C reaches the whole process group; a SIGTERM from CI reaches only us.
      current?.kill(signal);
    });
  }
}

function lastNumber(text: string, pattern: RegExp): number | undefined {
  let last: number | undefined;
  for (const match of text.matchAll(pattern)) last = Number(match[1]);
  return last;
}

function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, '');
}

function sum(results: StageResult[], key: 'passed' | 'failed' | 'tests'): number {
  return results.reduce((total, r) => total + r[key], 0);
}

process.exitCode = await main();
