import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBench } from './harness.ts';
import { toMarkdown } from './report.ts';
import { summarize } from './stats.ts';
import { buildScenario, slotsIn, windowFor } from './workload.ts';

test('summaries are nearest-rank percentiles of the values given', () => {
  const s = summarize([5, 1, 4, 2, 3, 100, 6, 7, 8, 9]);
  assert.deepEqual(s, { count: 10, p50: 5, p95: 100, p99: 100, max: 100 });
  assert.deepEqual(summarize([]), { count: 0, p50: null, p95: null, p99: null, max: null });
});

test('the workload puts burst schedules on one second and computes the slots of a window', () => {
  const burst = buildScenario('burst', 5);
  assert.ok(burst.specs.every((s) => s.cron === '0 * * * * *'));
  const w = windowFor('burst', Date.parse('2026-11-27T10:00:51Z'), 60);
  assert.equal(new Date(w.from).toISOString(), '2026-11-27T10:01:00.000Z', 'the first second 0 after the warm-up');
  const mixed = buildScenario('mixed', 100);
  assert.equal(mixed.specs.filter((s) => s.periodMs === 60_000).length, 10);
  assert.equal(mixed.specs.filter((s) => s.periodMs === 3_600_000).length, 90);
  const spec = buildScenario('spread', 60).specs[7]!; // second 7 of every minute
  assert.deepEqual(
    slotsIn(spec, Date.parse('2026-11-27T10:00:00Z'), Date.parse('2026-11-27T10:02:07Z')).map((t) =>
      new Date(t).toISOString(),
    ),
    ['2026-11-27T10:00:07.000Z', '2026-11-27T10:01:07.000Z'],
  );
});

test('the harness runs Cloud Crony end to end and writes a well-formed report', { timeout: 300_000 }, async () => {
  const report = await runBench({
    size: 'tiny',
    seconds: 3,
    peers: [],
    apiRate: 5,
    apiSeconds: 1,
    commands: 2,
    scenarios: ['spread'],
  });
  assert.equal(report.version, 1);
  assert.equal(report.size, 'tiny');
  assert.equal(typeof report.machine.cpus, 'number');
  assert.ok(!Number.isNaN(Date.parse(report.started_at)));
  assert.equal(report.scenarios.length, 1);
  const s = report.scenarios[0]!;
  assert.equal(s.name, 'spread');
  const c = s.crony;
  for (const k of ['slots_expected', 'slots_started', 'slots_missed', 'setup_s'] as const) {
    assert.equal(typeof c[k], 'number', k);
  }
  assert.equal(c.slots_started + c.slots_missed, c.slots_expected);
  assert.ok(c.slots_expected >= 1, 'a 3 s window of 60 per-second-spread schedules has slots');
  for (const k of ['count', 'p50', 'p95', 'p99', 'max'] as const) {
    const v = c.start_lateness_ms[k];
    assert.ok(v === null || typeof v === 'number', `start_lateness_ms.${k}`);
  }
  assert.ok(c.claimable_lateness_ms, 'the ledger gives claimable lateness');
  assert.ok(c.rss_mib_max === null || c.rss_mib_max > 1, 'RSS is in MiB');
  const x = s.crony_extras;
  assert.ok(x.catch_up_ms === null || x.catch_up_ms >= 0, 'when the scheduler kept up after its start, or null');
  assert.ok(typeof x.db_cpu_cores === 'number' && x.db_cpu_cores >= 0, 'the embedded database server’s CPU');
  assert.ok(x.api, 'API latency was measured');
  assert.equal(x.api.list.sent, 5);
  assert.equal(x.api.create.sent, 5);
  assert.equal(typeof x.api.list.latency_ms.count, 'number');
  assert.ok(x.commands, 'the command figures are there, or why they are not');
  assert.ok('skipped' in x.commands || x.commands.per_s_per_worker > 0);
  if (!('skipped' in x.commands)) {
    const c = x.commands.cpu_ms_per_command;
    assert.ok(c.server > 0 && c.worker > 0, 'the server and the worker spent CPU on the commands');
    assert.ok(c.database === null || c.database >= 0);
    assert.ok(x.commands.per_s_per_worker_cpu !== null && x.commands.per_s_per_worker_cpu > 0);
  }
  assert.deepEqual(s.peers, {});
  const md = toMarkdown(report);
  assert.match(md, /\| start lateness p99 \|/);
  assert.match(md, /after start: kept up/);
  assert.match(md, /database server CPU \(cores busy in the window\)/);
  assert.match(md, /GET \/v1\/schedules\?limit=50 at 5\/s open loop/);
  if (!('skipped' in x.commands)) assert.match(md, /per second of the worker's own CPU/);
});
