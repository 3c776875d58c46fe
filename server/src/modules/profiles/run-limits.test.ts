import { TargetPolicy } from '../outbound/policy.ts';
import { defaultRetry, type CommandTarget } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { GroupModel } from '../groups/group.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { fire, fireDue, fireManual } from '../scheduler/fire.ts';
import { ScheduleStateModel } from '../scheduler/schedule-state.model.ts';
import type { Due } from '../scheduler/due-index.ts';
import { updateGroup } from '../groups/groups.service.ts';
import { SettingsLookup } from './lookup.ts';
import { ProfileModel } from './profile.model.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
});
after(() => db.close());

const command: CommandTarget = {
  type: 'command',
  command: ['echo', 'hi'],
  env: { MODE: 'task' },
  labels: { gpu: 'yes' },
  network: false,
  timeout_ms: 60_000,
};

async function profile(tenant: Types.ObjectId, extra: object = {}) {
  const p = await ProfileModel.create({
    tenant_id: tenant,
    name: `p-${new Types.ObjectId().toHexString()}`,
    max_runtime_seconds: 90,
    max_concurrent: 3,
    allow_preemption: true,
    default_priority: 250,
    retry: { ...defaultRetry, max_attempts: 6 },
    ...extra,
  });
  return p.toObject();
}

async function group(tenant: Types.ObjectId, extra: object = {}) {
  const g = await GroupModel.create({
    tenant_id: tenant,
    name: `g-${new Types.ObjectId().toHexString().slice(-8)}`,
    labels: { zone: 'eu', gpu: 'no' },
    defaults: { headers: {}, env: { MODE: 'group', REGION: 'eu-1' } },
    ...extra,
  });
  return g.toObject();
}

/** A schedule due at `next` (every 10 s), as the ticker would see it. */
async function schedule(tenant: Types.ObjectId, next: Date, extra: Partial<ScheduleDoc> = {}) {
  const _id = new Types.ObjectId();
  await ScheduleModel.collection.insertOne({
    _id,
    tenant_id: tenant,
    name: 'limits test',
    description: null,
    cron: null,
    every: '10s',
    every_ms: 10_000,
    at: null,
    anchor: new Date(next.getTime() - 10_000),
    timezone: 'UTC',
    target: command,
    paused: false,
    next_run_at: next,
    concurrency_policy: 'allow',
    misfire_policy: 'run_once',
    catchup_window: '24h',
    catchup_window_ms: 86_400_000,
    retry: null,
    group_id: null,
    profile_id: null,
    priority: null,
    deadline: null,
    max_runtime_seconds: null,
    created_at: new Date(),
    updated_at: new Date(),
    ...extra,
  });
  await ScheduleStateModel.create({ _id });
  return { _id, next_run_at: next } satisfies Due;
}

const runsOf = (id: Types.ObjectId) => RunModel.find({ schedule_id: id }).lean<RunDoc[]>();

describe('runs carry their effective limits', () => {
  test("a fired run snapshots the group's profile: priority, deadline (80% of the period), runtime, concurrency, preemption; retry and target too", async () => {
    const tenant = new Types.ObjectId();
    const p = await profile(tenant);
    const g = await group(tenant, { profile_id: p._id });
    const slot = new Date('2026-11-27T10:00:10Z');
    const st = await schedule(tenant, slot, { group_id: g._id, deadline: '80%' });

    const queued = await fireDue(st, new Date('2026-11-27T10:00:10.020Z'));
    assert.equal(queued.length, 1);
    const [run] = await runsOf(st._id);
    assert.deepEqual(run!.limits, {
      priority: 250,
      deadline_at: new Date('2026-11-27T10:00:18Z'),
      max_runtime_ms: 90_000,
      profile_id: p._id,
      max_concurrent: 3,
      allow_preemption: true,
      profile_name: p.name,
    });
    assert.ok(run!.group_id?.equals(g._id));
    assert.equal(run!.max_attempts, 6, "the profile's retry policy, since the schedule sets none");
    const target = run!.target as CommandTarget;
    assert.deepEqual(target.labels, { zone: 'eu', gpu: 'yes' }, "group labels added, the task's own win");
    assert.deepEqual(target.env, { MODE: 'task', REGION: 'eu-1' }, "group env added, the task's own win");
  });

  test("the schedule's own values win, and without group or profile the tenant default applies", async () => {
    const tenant = new Types.ObjectId();
    const p = await profile(tenant);
    const st = await schedule(tenant, new Date('2026-11-27T11:00:10Z'), {
      profile_id: p._id,
      priority: 900,
      max_runtime_seconds: 5,
      deadline: '3s',
      retry: { ...defaultRetry, max_attempts: 1 },
    });
    await fireDue(st, new Date('2026-11-27T11:00:10.010Z'));
    const [run] = await runsOf(st._id);
    assert.equal(run!.limits?.priority, 900);
    assert.equal(run!.limits?.max_runtime_ms, 5000);
    assert.deepEqual(run!.limits?.deadline_at, new Date('2026-11-27T11:00:13Z'));
    assert.equal(run!.max_attempts, 1);

    const bare = await schedule(tenant, new Date('2026-11-27T11:00:20Z'));
    await fireDue(bare, new Date('2026-11-27T11:00:20.010Z'));
    const [plain] = await runsOf(bare._id);
    const def = await new SettingsLookup().defaultProfile(tenant);
    assert.deepEqual(plain!.limits, {
      priority: 100,
      deadline_at: null,
      max_runtime_ms: null,
      profile_id: def._id,
      max_concurrent: null,
      allow_preemption: false,
      profile_name: def.name,
    });
    assert.equal(plain!.group_id, null);
    assert.equal(plain!.max_attempts, defaultRetry.max_attempts);
  });

  test('a manual run carries limits too, its deadline counted from now', async () => {
    const tenant = new Types.ObjectId();
    const st = await schedule(tenant, new Date('2030-01-01T00:00:00Z'), { deadline: '1 minute', priority: 7 });
    const s = (await ScheduleModel.findById(st._id).lean<ScheduleDoc>())!;
    const now = new Date('2026-11-27T12:00:00Z');
    const run = await fireManual(s, now);
    assert.equal(run.limits?.priority, 7);
    assert.deepEqual(run.limits?.deadline_at, new Date('2026-11-27T12:01:00Z'));
  });
});

describe('a paused group', () => {
  test('stops its tasks from firing, like a paused schedule: nothing recorded, the cursor dropped', async () => {
    const tenant = new Types.ObjectId();
    const g = await group(tenant, { paused: true });
    const slot = new Date('2026-11-27T13:00:10Z');
    const st = await schedule(tenant, slot, { group_id: g._id });
    assert.deepEqual(await fire(st, new Date('2026-11-27T13:00:10.050Z')), { queued: [], next: null });
    assert.equal((await runsOf(st._id)).length, 0);
  });

  test('a pause made while a tick waits for the instant is honoured (the group is re-read at firing)', async () => {
    const tenant = new Types.ObjectId();
    const g = await group(tenant);
    const slot = new Date('2026-11-27T14:00:10Z');
    const st = await schedule(tenant, slot, { group_id: g._id });
    const tick = new SettingsLookup();
    await tick.group(tenant, g._id); // cached unpaused at the start of the tick
    await GroupModel.updateOne({ _id: g._id }, { $set: { paused: true } });
    assert.deepEqual(await fireDue(st, new Date('2026-11-27T14:00:10.050Z'), tick), []);
    assert.equal((await runsOf(st._id)).length, 0);
  });

  test('pausing it records slots already due as missed (paused); resuming continues after now without replay', async () => {
    const tenant = new Types.ObjectId();
    const principal = { tenantId: tenant, role: 'admin' as const, userId: null, tokenId: null };
    const g = await group(tenant);
    const st = await schedule(tenant, new Date('2026-11-27T16:00:10Z'), { group_id: g._id });
    // The scheduler is behind: two slots are due when the group is paused at 16:00:25.
    await updateGroup(principal, g.name, { paused: true }, new TargetPolicy([]), new Date('2026-11-27T16:00:25Z'));
    const ledger = (await runsOf(st._id)).map(
      (r) => `${r.nominal_at.toISOString().slice(11, 19)} ${r.status} ${r.reason}`,
    );
    assert.deepEqual(ledger.sort(), ['16:00:10 missed paused', '16:00:20 missed paused']);
    assert.equal((await ScheduleModel.findById(st._id).lean<ScheduleDoc>())!.next_run_at, null);

    await updateGroup(
      principal,
      g._id.toHexString(),
      { paused: false },
      new TargetPolicy([]),
      new Date('2026-11-27T16:05:03Z'),
    );
    const next = (await ScheduleModel.findById(st._id).lean<ScheduleDoc>())!.next_run_at;
    assert.equal(
      next?.toISOString(),
      '2026-11-27T16:05:10.000Z',
      'the next slot after the resume; the pause is not replayed',
    );
    assert.equal((await runsOf(st._id)).length, 2);
  });

  test("another tenant's group id on a schedule is ignored (treated as ungrouped)", async () => {
    const g = await group(new Types.ObjectId(), { paused: true, labels: { stolen: 'yes' } });
    const st = await schedule(new Types.ObjectId(), new Date('2026-11-27T15:00:10Z'), { group_id: g._id });
    assert.equal((await fireDue(st, new Date('2026-11-27T15:00:10.050Z'))).length, 1);
    const [run] = await runsOf(st._id);
    assert.deepEqual((run!.target as CommandTarget).labels, { gpu: 'yes' });
  });
});
