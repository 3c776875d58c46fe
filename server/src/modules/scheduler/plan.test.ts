import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { planSlots, type PlanInput } from './plan.ts';

const now = new Date('2026-03-10T12:00:00Z');
const ago = (s: number) => new Date(now.getTime() - s * 1000);
// Five per-minute slots, the last one 2 s ago (on time), the first four misfired.
const slots = [ago(242), ago(182), ago(122), ago(62), ago(2)];
const base: PlanInput = {
  slots,
  now,
  misfirePolicy: 'run_once',
  catchupWindowMs: 86_400_000,
  concurrencyPolicy: 'allow',
  activeRun: false,
};
const show = (input: Partial<PlanInput>) => {
  const plan = planSlots({ ...base, ...input });
  return { fates: plan.decisions.map((d) => (d.action === 'run' ? 'run' : d.reason)), cancelActive: plan.cancelActive };
};

describe('misfire policy', () => {
  test('slots within the grace period simply run, whatever the policy', () => {
    for (const misfirePolicy of ['run_once', 'run_all', 'skip'] as const) {
      assert.deepEqual(show({ misfirePolicy, slots: [ago(9), ago(4)] }).fates, ['run', 'run']);
    }
  });
  test('run_once: the latest slot runs, the misfired ones are recorded', () => {
    assert.deepEqual(show({}).fates, ['misfire', 'misfire', 'misfire', 'misfire', 'run']);
  });
  test('run_once with every slot misfired: the latest misfired one runs', () => {
    assert.deepEqual(show({ slots: slots.slice(0, 4) }).fates, ['misfire', 'misfire', 'misfire', 'run']);
  });
  test('run_once: a slot older than the catch-up window does not run', () => {
    assert.deepEqual(show({ slots: [ago(7200), ago(3700)], catchupWindowMs: 3_600_000 }).fates, [
      'catchup_window',
      'catchup_window',
    ]);
  });
  test('run_all: every slot within the window runs, oldest first; older ones are recorded', () => {
    assert.deepEqual(show({ misfirePolicy: 'run_all', catchupWindowMs: 150_000 }).fates, [
      'catchup_window',
      'catchup_window',
      'run',
      'run',
      'run',
    ]);
  });
  test('skip: every misfired slot is recorded, the on-time one runs', () => {
    assert.deepEqual(show({ misfirePolicy: 'skip' }).fates, ['misfire', 'misfire', 'misfire', 'misfire', 'run']);
  });
});

describe('concurrency policy', () => {
  test('allow: runs overlap freely', () => {
    assert.deepEqual(show({ misfirePolicy: 'run_all', activeRun: true }), {
      fates: ['run', 'run', 'run', 'run', 'run'],
      cancelActive: false,
    });
  });
  test('forbid: a slot that comes while a run is active is recorded as overlap', () => {
    assert.deepEqual(show({ concurrencyPolicy: 'forbid', activeRun: true }), {
      fates: ['misfire', 'misfire', 'misfire', 'misfire', 'overlap'],
      cancelActive: false,
    });
  });
  test('forbid during catch-up: the first runs, the rest would overlap it', () => {
    assert.deepEqual(show({ concurrencyPolicy: 'forbid', misfirePolicy: 'run_all' }).fates, [
      'run',
      'overlap',
      'overlap',
      'overlap',
      'overlap',
    ]);
  });
  test('replace: the newest runs and the active run is cancelled', () => {
    assert.deepEqual(show({ concurrencyPolicy: 'replace', misfirePolicy: 'run_all', activeRun: true }), {
      fates: ['overlap', 'overlap', 'overlap', 'overlap', 'run'],
      cancelActive: true,
    });
  });
  test('replace with nothing active cancels nothing', () => {
    assert.equal(show({ concurrencyPolicy: 'replace', slots: [ago(1)] }).cancelActive, false);
  });
  test('nothing runs, nothing is cancelled', () => {
    assert.deepEqual(
      show({ concurrencyPolicy: 'replace', misfirePolicy: 'skip', slots: [ago(100)], activeRun: true }),
      {
        fates: ['misfire'],
        cancelActive: false,
      },
    );
  });
});
