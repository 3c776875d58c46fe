/**
 * A short chaos session inside `npm test`: ~30 s of faults with a fixed seed, at least one
 * server kill and one database kill, then the run ledger must hold exactly one record per
 * expected slot, all final, none missed without a reason. `npm run chaos` is the long version.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runChaos } from './chaos.ts';

const SEED = 20_251_127;

test('slots survive server and database kills: one final record per slot', { timeout: 480_000 }, async (t) => {
  const lines: string[] = [];
  const replay = `replay with: npm run chaos -- --seconds 30 --seed ${SEED} --both`;
  const report = await runChaos({ seconds: 30, seed: SEED, guaranteeBoth: true, log: (s) => lines.push(s) }).catch(
    (err: unknown) => {
      throw new Error(`the chaos harness failed (${replay})\n${lines.join('\n')}`, { cause: err });
    },
  );

  const story = () =>
    [
      replay,
      ...lines,
      `violations: ${JSON.stringify(report.violations)}`,
      ...report.offending.map((o) => `${o.check}: ${o.detail} ${o.record ? JSON.stringify(o.record) : ''}`),
      ...report.process_log_tail,
    ].join('\n');

  const f = report.figures;
  t.diagnostic(
    `seed ${SEED}: ${f.server_kills} server kills, ${f.db_kills} database kills; ${f.slots_expected} slots expected, ` +
      `${f.records} records, ${f.executed} succeeded, ${f.re_executions} re-executions, ` +
      `max lateness ${f.max_lateness_ms} ms; ${report.violation_count} violations`,
  );

  assert.ok(report.figures.server_kills >= 1, `no server was killed\n${story()}`);
  assert.ok(report.figures.db_kills >= 1, `the database was not killed\n${story()}`);
  assert.equal(report.violation_count, 0, `the run ledger broke its promises\n${story()}`);
  assert.ok(report.figures.slots_expected > 0, `no slot was expected\n${story()}`);
  assert.ok(report.figures.executed > 0, `no run succeeded\n${story()}`);
});
