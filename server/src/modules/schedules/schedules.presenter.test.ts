import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Types } from 'mongoose';
import type { ScheduleDoc } from './schedule.model.ts';
import type { ScheduleStateDoc } from '../scheduler/schedule-state.model.ts';
import { nextRunAtOf, type Known } from './schedules.presenter.ts';

const t = (hhmm: string) => new Date(`2026-11-28T${hhmm}:00Z`);
/** Every five minutes, with the next slot its last edit stored. */
const schedule = (planned: string | null) =>
  ({
    cron: '*/5 * * * *',
    every: null,
    every_ms: null,
    at: null,
    timezone: 'UTC',
    paused: planned === null,
    next_run_at: planned ? t(planned) : null,
  }) as unknown as ScheduleDoc;
const state = (fired?: [string, string]): ScheduleStateDoc => ({
  _id: new Types.ObjectId(),
  fired: fired ? { slot: t(fired[0]), next: t(fired[1]) } : null,
  last_run: null,
  stats: { succeeded: 0, failed: 0, timed_out: 0, missed: 0, cancelled: 0 },
});
const next = (planned: string | null, known: Known) =>
  nextRunAtOf(schedule(planned), known)?.toISOString().slice(11, 16) ?? null;

test('next_run_at is the slot after the latest one fired, whether its run ended or is still in flight', () => {
  assert.equal(next('10:00', { state: state(), inFlight: null }), '10:00', 'nothing fired yet');
  assert.equal(next('10:00', { state: null, inFlight: null }), '10:00', 'no state yet');
  assert.equal(next('10:00', { state: state(['10:05', '10:10']), inFlight: null }), '10:10', 'runs ended');
  const running = { count: 2, latestSlot: t('10:15') };
  assert.equal(next('10:00', { state: state(['10:05', '10:10']), inFlight: running }), '10:20', 'runs in flight');
  // An edit after those slots (a retime from its own time) wins, and a pause wins outright.
  assert.equal(next('10:30', { state: state(['10:05', '10:10']), inFlight: running }), '10:30');
  assert.equal(next(null, { state: state(['10:05', '10:10']), inFlight: running }), null);
  // Manual runs in flight carry no slot.
  assert.equal(next('10:00', { state: state(), inFlight: { count: 1, latestSlot: null } }), '10:00');
});
