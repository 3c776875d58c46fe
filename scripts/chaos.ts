/**
 * `npm run chaos`: kill servers and the database at seeded random times while schedules fire,
 * then check the run ledger (see server/test/chaos/chaos.ts for what is checked).
 *
 * Usage: node --import tsx scripts/chaos.ts [--seconds N] [--seed N] [--servers N] [--both]
 *   --seconds  length of the fault phase (default 120)
 *   --seed     PRNG seed; printed, so a run can be replayed (default: time-based)
 *   --servers  `crony serve` processes on the database (default 2)
 *   --both     the first two faults are a server kill and a database kill (as chaos.test.ts does)
 *
 * Prints the event log, the figures as a table and as JSON; exits 1 on any violation.
 */
import { runChaos, type ChaosReport } from '../server/test/chaos/chaos.ts';

function parseArgs(args: string[]): { seconds: number; seed: number; servers: number; guaranteeBoth: boolean } {
  const opts = { seconds: 120, seed: Date.now() % 2 ** 31, servers: 2 };
  let guaranteeBoth = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] ?? '';
    if (arg === '--both') {
      guaranteeBoth = true;
      continue;
    }
    const [name, inline] = arg.split('=', 2) as [string, string | undefined];
    const value = inline ?? args[++i];
    const n = Number(value);
    const key = name.replace(/^--/, '');
    if (!['seconds', 'seed', 'servers'].includes(key) || !name.startsWith('--')) usage(`unknown argument: ${arg}`);
    if (value === undefined || !Number.isInteger(n) || n < (key === 'seed' ? 0 : 1)) {
      usage(`${name} takes a ${key === 'seed' ? 'non-negative' : 'positive'} integer; got "${value ?? ''}"`);
    }
    opts[key as keyof typeof opts] = n;
  }
  return { ...opts, guaranteeBoth };
}

function usage(problem: string): never {
  console.error(
    `${problem}\nusage: node --import tsx scripts/chaos.ts [--seconds N] [--seed N] [--servers N] [--both]`,
  );
  process.exit(2);
}

function table(report: ChaosReport): string {
  const f = report.figures;
  const ms = (v: number | null) => (v === null ? '–' : `${v} ms`);
  const rows: [string, string | number][] = [
    ['seed', report.seed],
    ['fault phase', `${report.seconds} s, ${report.servers} servers`],
    ['faults injected', `${f.server_kills} server kills, ${f.db_kills} database kills`],
    ['schedules', f.schedules],
    ['slots expected', f.slots_expected],
    ['records', f.records],
    ['executed (succeeded)', f.executed],
    ['failed', f.failed],
    ['timed out', f.timed_out],
    ['cancelled', f.cancelled],
    [
      'missed by reason',
      Object.entries(f.missed_by_reason)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ') || '0',
    ],
    ['retried runs (attempt > 1)', f.retried_runs],
    ['deliveries to the receiver', f.deliveries],
    ['re-executions (at-least-once)', f.re_executions],
    ['succeeded without a delivery', f.succeeded_without_delivery],
    ['delivered but recorded missed', f.delivered_but_missed],
    ['max lateness', ms(f.max_lateness_ms)],
    ['longest pause between fired slots', ms(f.max_fire_gap_ms)],
    ['max lateness after a recovery', ms(f.max_recovery_lateness_ms)],
    ['drain after pause', ms(f.drain_ms)],
    ['CPU: database, servers (wall)', `${f.db_cpu_s} s, ${f.servers_cpu_s} s (${f.wall_s} s)`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const lines = rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`);

  lines.push('', '  per schedule');
  lines.push(
    `  ${'schedule'.padEnd(14)} ${'when'.padEnd(12)} ${'misfire'.padEnd(9)} ${'overlap'.padEnd(8)} expected records succeeded failed missed`,
  );
  for (const s of report.per_schedule) {
    lines.push(
      `  ${s.name.padEnd(14)} ${s.when.padEnd(12)} ${s.misfire_policy.padEnd(9)} ${s.concurrency_policy.padEnd(8)} ` +
        `${String(s.expected).padStart(8)} ${String(s.records).padStart(7)} ${String(s.succeeded).padStart(9)} ` +
        `${String(s.failed).padStart(6)} ${String(s.missed).padStart(6)}`,
    );
  }

  lines.push('', '  lateness of the first run after each recovery');
  for (const r of f.recovery_lateness) lines.push(`    +${r.t.toFixed(1)}s ${r.after}: ${ms(r.lateness_ms)}`);

  lines.push('', '  violations');
  for (const [k, v] of Object.entries(report.violations)) lines.push(`    ${k.padEnd(20)} ${v}`);
  lines.push(`    ${'total'.padEnd(20)} ${report.violation_count}`);
  return lines.join('\n');
}

const opts = parseArgs(process.argv.slice(2));
const replay = `npm run chaos -- --seconds ${opts.seconds} --seed ${opts.seed}${opts.guaranteeBoth ? ' --both' : ''}`;
console.log(`[chaos] seed ${opts.seed} (replay: ${replay})`);
const controller = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    if (controller.signal.aborted) process.exit(130);
    console.error(`\n[chaos] ${sig}: stopping the processes and cleaning up (again to force)…`);
    controller.abort();
  });
}

let report: ChaosReport;
try {
  report = await runChaos({ ...opts, log: (s) => console.log(`[chaos] ${s}`), signal: controller.signal });
} catch (err) {
  console.error(`[chaos] the harness failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(controller.signal.aborted ? 130 : 2);
}

if (report.violation_count > 0) {
  console.log('\n[chaos] offending records');
  for (const o of report.offending) {
    console.log(`  ${o.check}: ${o.detail}${o.record ? `\n    ${JSON.stringify(o.record)}` : ''}`);
  }
  console.log('\n[chaos] server and database output (last warn/error lines of each process)');
  for (const line of report.process_log_tail) console.log(`  ${line}`);
  console.log('\n[chaos] server and database warnings and errors, by kind');
  for (const [kind, n] of Object.entries(report.process_log_counts))
    console.log(`  ${String(n).padStart(5)} × ${kind}`);
}
console.log(`\n[chaos] figures\n${table(report)}`);
console.log(`\n[chaos] report\n${JSON.stringify(report, null, 2)}`);
console.log(
  `\n[chaos] ${report.violation_count === 0 ? 'no violations' : `${report.violation_count} violations`} (seed ${report.seed})`,
);
process.exitCode = report.violation_count === 0 ? 0 : 1;
