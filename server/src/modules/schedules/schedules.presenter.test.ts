import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { Schedule } from '@crony/shared';
import { Types } from 'mongoose';
import type { ScheduleDoc } from './schedule.model.ts';
import type { ScheduleStateDoc } from '../scheduler/schedule-state.model.ts';
import { nextRunAtOf, renderSchedule, type Known } from './schedules.presenter.ts';
import type { SettingsLookup, SettingsSources } from '../profiles/lookup.ts';
import type { ProfileDoc } from '../profiles/profile.model.ts';
import type { GroupDoc } from '../groups/group.model.ts';

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

describe('renderSchedule', () => {
  const tenant = new Types.ObjectId();
  const profile = {
    _id: new Types.ObjectId(),
    tenant_id: tenant,
    name: 'default',
    description: null,
    max_runtime_seconds: null,
    max_concurrent: null,
    allow_preemption: false,
    default_priority: 0,
    retry: { max_attempts: 1, backoff: 'exponential', initial_delay: '10s', max_delay: '10m' },
    created_at: t('09:00'),
    updated_at: t('09:00'),
  } as unknown as ProfileDoc;
  const sources: SettingsSources = { group: null, scheduleProfile: null, groupProfile: null, defaultProfile: profile };
  const lookup = { sources: async () => sources } as unknown as SettingsLookup;
  const doc = (over: Partial<ScheduleDoc> = {}) =>
    ({
      ...schedule('10:00'),
      _id: new Types.ObjectId(),
      tenant_id: tenant,
      name: 'nightly',
      description: null,
      target: { type: 'http', url: 'https://example.com/', method: 'POST', headers: {}, timeout: '30s' },
      concurrency_policy: 'allow',
      misfire_policy: 'run_once',
      catchup_window: '1h',
      // retry, group, profile, priority, deadline and max runtime unset: the tenant default's
      created_at: t('09:00'),
      updated_at: t('09:00'),
      ...over,
    }) as unknown as ScheduleDoc;
  const nameOf = async (s: ScheduleDoc, known: Known) =>
    (JSON.parse(await renderSchedule(s, known, lookup)) as Schedule).name;

  test('is reused while the schedule copy and every input are the same objects, and redone when one is not', async () => {
    const s = doc();
    const known: Known = { state: state(), inFlight: null };
    assert.equal(await nameOf(s, known), 'nightly');
    // Copies are never changed in place; changing this one shows whether the rendering is reused.
    (s as { name: string }).name = 'renamed in place';
    assert.equal(await nameOf(s, known), 'nightly', 'the same inputs: the kept rendering');
    assert.equal(await nameOf(s, { ...known }), 'nightly', 'the same state object, no runs in flight');
    assert.equal(await nameOf(s, { state: state(), inFlight: null }), 'renamed in place', 'a new state copy');
    assert.equal(await nameOf(s, { state: known.state, inFlight: { count: 1, latestSlot: null } }), 'renamed in place');
  });

  test('a change of runs in flight, of the group or a profile, renders again', async () => {
    const s = doc();
    const known: Known = { state: state(), inFlight: { count: 1, latestSlot: t('10:00') } };
    const stats = async (k: Known) => (JSON.parse(await renderSchedule(s, k, lookup)) as Schedule).stats.active;
    assert.equal(await stats(known), 1);
    assert.equal(await stats({ ...known, inFlight: { count: 2, latestSlot: t('10:00') } }), 2);
    const next = async (k: Known) => (JSON.parse(await renderSchedule(s, k, lookup)) as Schedule).next_run_at;
    assert.equal(await next({ ...known, inFlight: { count: 2, latestSlot: t('10:05') } }), t('10:10').toISOString());

    // Each of the rest alone, from a kept rendering of the same inputs.
    const runtime = async (l: SettingsLookup) =>
      (JSON.parse(await renderSchedule(s, known, l)) as Schedule).effective.max_runtime_seconds;
    const withSources = (src: Partial<SettingsSources>) =>
      ({ sources: async () => ({ ...sources, ...src }) }) as unknown as SettingsLookup;
    assert.equal(await runtime(lookup), null);
    assert.equal(await runtime(withSources({ defaultProfile: { ...profile, max_runtime_seconds: 60 } })), 60);
    assert.equal(await runtime(lookup), null);
    assert.equal(await runtime(withSources({ scheduleProfile: { ...profile, max_runtime_seconds: 70 } })), 70);
    assert.equal(await runtime(lookup), null);
    const group = { _id: new Types.ObjectId(), name: 'etl', paused: false } as unknown as GroupDoc;
    assert.equal((JSON.parse(await renderSchedule(s, known, withSources({ group }))) as Schedule).group?.name, 'etl');
    assert.equal(await runtime(lookup), null);
    const grouped = { ...group, profile_id: profile._id } as GroupDoc;
    const groupProfile = { ...profile, max_runtime_seconds: 80 };
    assert.equal(await runtime(withSources({ group: grouped, groupProfile })), 80);
    assert.equal(
      await runtime(withSources({ group: grouped, groupProfile: { ...groupProfile, max_runtime_seconds: 90 } })),
      90,
    );
  });

  test('a deadline as a share of the period is resolved each time, never kept', async () => {
    const s = doc({ deadline: '50%' });
    const known: Known = { state: state(), inFlight: null };
    assert.equal(await nameOf(s, known), 'nightly');
    (s as { name: string }).name = 'renamed in place';
    assert.equal(await nameOf(s, known), 'renamed in place');
  });
});
