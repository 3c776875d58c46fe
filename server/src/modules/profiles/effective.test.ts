import { defaultRetry, type EffectiveSettings, type RetryPolicy } from '@crony/shared';
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { deadlineMs, periodMs, resolveEffective, type EffectiveInput, type ProfileSettings } from './effective.ts';

const tenantDefault: ProfileSettings = {
  id: 'd'.repeat(24),
  name: 'default',
  max_runtime_seconds: null,
  max_concurrent: null,
  allow_preemption: false,
  default_priority: 100,
  retry: defaultRetry,
};
const fastRetry: RetryPolicy = { max_attempts: 5, initial_interval: '1s', backoff_coefficient: 1, max_interval: '1s' };
const batch: ProfileSettings = {
  id: 'b'.repeat(24),
  name: 'batch',
  max_runtime_seconds: 600,
  max_concurrent: 2,
  allow_preemption: true,
  default_priority: 10,
  retry: fastRetry,
};
const critical: ProfileSettings = {
  ...batch,
  id: 'c'.repeat(24),
  name: 'critical',
  default_priority: 900,
  allow_preemption: false,
};

const bare: EffectiveInput['schedule'] = {
  priority: null,
  max_runtime_seconds: null,
  retry: null,
  deadline: null,
  paused: false,
};
type Over = Partial<Omit<EffectiveInput, 'schedule'>> & { schedule?: Partial<EffectiveInput['schedule']> };
const input = (over: Over): EffectiveInput => ({
  group: null,
  scheduleProfile: null,
  groupProfile: null,
  defaultProfile: tenantDefault,
  periodMs: 60_000,
  ...over,
  schedule: { ...bare, ...over.schedule },
});

type Row = [
  string,
  EffectiveInput,
  Partial<Omit<EffectiveSettings, 'sources'>> & { sources?: Partial<EffectiveSettings['sources']> },
];

const rows: Row[] = [
  [
    'nothing set: the tenant default profile decides everything',
    input({}),
    {
      priority: 100,
      max_runtime_seconds: null,
      max_concurrent: null,
      allow_preemption: false,
      retry: defaultRetry,
      profile: { id: tenantDefault.id, name: 'default' },
      paused: false,
      deadline_ms: null,
      sources: { priority: 'tenant_default', profile: 'tenant_default', retry: 'tenant_default', paused: 'schedule' },
    },
  ],
  [
    "the group's profile applies to a task that names none",
    input({ group: { paused: false }, groupProfile: batch }),
    {
      priority: 10,
      max_runtime_seconds: 600,
      max_concurrent: 2,
      allow_preemption: true,
      retry: fastRetry,
      profile: { id: batch.id, name: 'batch' },
      sources: { priority: 'profile', profile: 'group', max_concurrent: 'profile', retry: 'profile' },
    },
  ],
  [
    "the schedule's profile wins over its group's",
    input({ group: { paused: false }, groupProfile: batch, scheduleProfile: critical }),
    {
      priority: 900,
      allow_preemption: false,
      profile: { id: critical.id, name: 'critical' },
      sources: { profile: 'schedule' },
    },
  ],
  [
    "the schedule's own values win over any profile",
    input({
      groupProfile: batch,
      schedule: { priority: 555, max_runtime_seconds: 30, retry: { ...defaultRetry, max_attempts: 1 } },
    }),
    {
      priority: 555,
      max_runtime_seconds: 30,
      max_concurrent: 2, // only profiles set concurrency
      retry: { ...defaultRetry, max_attempts: 1 },
      sources: { priority: 'schedule', max_runtime_seconds: 'schedule', retry: 'schedule', max_concurrent: 'profile' },
    },
  ],
  [
    'priority 0 set on the schedule is kept (not mistaken for unset)',
    input({ schedule: { priority: 0 } }),
    { priority: 0, sources: { priority: 'schedule' } },
  ],
  [
    'a paused group pauses its task',
    input({ group: { paused: true } }),
    { paused: true, sources: { paused: 'group' } },
  ],
  [
    'a task paused itself reports its own pause',
    input({ group: { paused: true }, schedule: { paused: true } }),
    { paused: true, sources: { paused: 'schedule' } },
  ],
  ['an absolute deadline', input({ schedule: { deadline: '5 minutes' } }), { deadline_ms: 300_000 }],
  ['a deadline of 80% of a one-minute period', input({ schedule: { deadline: '80%' } }), { deadline_ms: 48_000 }],
  [
    'a percentage without a period resolves to no deadline',
    input({ schedule: { deadline: '50%' }, periodMs: null }),
    { deadline_ms: null },
  ],
];

describe('resolveEffective (schedule › group › profile › tenant default)', () => {
  for (const [name, given, expected] of rows) {
    test(name, () => {
      const got = resolveEffective(given);
      const { sources, ...fields } = expected;
      for (const [k, v] of Object.entries(fields)) assert.deepEqual(got[k as keyof typeof fields], v, k);
      for (const [k, v] of Object.entries(sources ?? {}))
        assert.equal(got.sources[k as keyof typeof sources], v, `source of ${k}`);
    });
  }
});

describe('periods and deadlines', () => {
  const base = { every_ms: null, at: null, anchor: new Date(0), timezone: 'UTC' };
  test('every: the interval', () => {
    assert.equal(periodMs({ ...base, cron: null, every_ms: 90_000 }, new Date()), 90_000);
  });
  test('cron: the gap between the next two fire times, which varies ("0 9 * * 1-5": Friday to Monday is 3 days)', () => {
    const cron = { ...base, cron: '0 9 * * 1-5' };
    assert.equal(periodMs(cron, new Date('2026-11-24T09:00:00Z')), 86_400_000, 'Tuesday: one day');
    assert.equal(periodMs(cron, new Date('2026-11-27T09:00:00Z')), 3 * 86_400_000, 'Friday: until Monday');
  });
  test('one-off: no period', () => {
    assert.equal(periodMs({ ...base, cron: null, at: new Date() }, new Date()), null);
  });
  test('deadlineMs', () => {
    assert.equal(deadlineMs('300s', null), 300_000);
    assert.equal(deadlineMs('100%', 10_000), 10_000);
    assert.equal(deadlineMs(null, 10_000), null);
  });
});
