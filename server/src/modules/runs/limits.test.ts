import { DEFAULT_PRIORITY, defaultRetry } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import type { AppError } from '../../http/errors.ts';
import { ScheduleErrorModel } from '../errors/schedule-error.model.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { heartbeatFor } from '../workers/protocol.service.ts';
import type { WorkerDoc } from '../workers/worker.model.ts';
import { ClaimModel } from './claim.model.ts';
import { reapPlaces } from './concurrency.ts';
import { cancelRun, claimable, claimRun, completeRun, heartbeat, LEASE_MS, type Lease } from './lifecycle.ts';
import { defaultLimits, type RunLimits } from './limits.ts';
import { newRun } from './new-run.ts';
import { PlaceModel } from './place.model.ts';
import { onQueueNotice, type QueueNotice } from './queue-notices.ts';
import { QueueModel, queueEntryFor, withWaitReasons } from './queue.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';
import { toRun } from './runs.presenter.ts';
import { watchStop, type StopCode } from './stop-signals.ts';
import { enforceTimeLimits } from './time-limits.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
  await ClaimModel.syncIndexes();
  await PlaceModel.syncIndexes();
});
after(() => db.close());
// Each scenario starts with an empty queue, so claimable() sees only its own runs.
beforeEach(async () => {
  await QueueModel.deleteMany({});
  await PlaceModel.deleteMany({});
});

const t0 = new Date('2026-11-27T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const ok = { status: 'succeeded' as const, http_status: 200, response_excerpt: 'ok', error: null };
const tenantId = new Types.ObjectId();

/** A queued HTTP run with explicit limits, inserted like fire.ts does (queue entry first). */
async function queuedRun(
  limits: Partial<RunLimits> = {},
  opts: { maxAttempts?: number; nominalAt?: Date; name?: string } = {},
): Promise<RunDoc> {
  const schedule = {
    _id: new Types.ObjectId(),
    tenant_id: tenantId,
    name: opts.name ?? 'limits test',
    target: { type: 'http', url: 'https://example.com', method: 'POST', headers: {}, timeout_ms: 1000 },
    retry: { ...defaultRetry, max_attempts: opts.maxAttempts ?? 1, initial_interval: '2s' },
  } as unknown as ScheduleDoc;
  const nominalAt = opts.nominalAt ?? t0;
  const run = newRun(
    schedule,
    { key: nominalAt.toISOString(), nominalAt, trigger: 'schedule' },
    { status: 'queued' },
    t0,
    { ...defaultLimits(), ...limits },
  );
  await QueueModel.collection.insertOne(queueEntryFor(run));
  await RunModel.collection.insertOne(run);
  return run;
}
/** The run as the API shows it: a queued run's wait reason comes from its queue entry. */
const load = async (r: RunDoc) => (await withWaitReasons([(await RunModel.findById(r._id).lean<RunDoc>())!]))[0]!;
const claim = async (r: RunDoc, owner: string, now: Date) => (await claimRun(r._id, owner, now))?.lease ?? null;

describe('dispatch order', () => {
  test('claimable work comes by priority, then deadline, then slot', async () => {
    const low = await queuedRun({ priority: 10 }, { nominalAt: at(-5000) });
    const noDeadline = await queuedRun({}, { nominalAt: at(-4000) });
    const late = await queuedRun({ deadline_at: at(600_000) }, { nominalAt: at(-1000) });
    const soon = await queuedRun({ deadline_at: at(60_000) }, { nominalAt: at(-1000) });
    const urgent = await queuedRun({ priority: 500 }, { nominalAt: at(0) });
    const ids = await claimable(10, at(1000));
    assert.deepEqual(
      ids.map((id) => id.toHexString()),
      [urgent, soon, late, noDeadline, low].map((r) => r._id.toHexString()),
    );
    assert.equal((await claimable(2, at(1000))).length, 2, 'the limit still applies');
  });

  test('the run exposes its priority, deadline and limits', async () => {
    const r = toRun(await load(await queuedRun({ priority: 7, deadline_at: at(5000), max_runtime_ms: 9000 })));
    assert.equal(r.priority, 7);
    assert.equal(r.deadline_at, at(5000).toISOString());
    assert.equal(r.limits.max_runtime_ms, 9000);
    assert.equal(r.wait_reason, null);
    assert.equal(toRun(await load(await queuedRun())).priority, DEFAULT_PRIORITY);
  });
});

describe('max_concurrent', () => {
  test('several claimers racing over many runs never run more than the limit', async () => {
    const etl = { profile_id: new Types.ObjectId(), profile_name: 'etl', max_concurrent: 2 };
    const runs = await Promise.all(Array.from({ length: 12 }, (_, i) => queuedRun(etl, { nominalAt: at(i) })));
    const other = await queuedRun({}, { nominalAt: at(100) }); // unlimited: never held back by etl
    let running = 0;
    let most = 0;
    let done = 0;
    const claimer = async (owner: string) => {
      // Gives up only after 2 s without a claim in a row: a loaded machine slows everyone down.
      for (let idle = 0; idle < 200 && done < runs.length + 1;) {
        const ids = await claimable(4);
        // Every claimer goes for every candidate at once, the worst case for the limit.
        const leases = await Promise.all(ids.map((id) => claimRun(id, owner)));
        const mine = leases.filter((l) => l !== null);
        if (mine.length === 0) {
          idle++;
          await new Promise((r) => setTimeout(r, 10));
          continue;
        }
        idle = 0;
        const limited = mine.filter((l) => !l.run._id.equals(other._id)).length;
        running += limited;
        most = Math.max(most, running);
        await new Promise((r) => setTimeout(r, 20)); // "work", while the others keep claiming
        running -= limited; // before completing: the place is released only after this point
        for (const l of mine) assert.ok(await completeRun(l.lease, ok));
        done += mine.length;
      }
    };
    await Promise.all(['w1', 'w2', 'w3', 'w4'].map(claimer));
    assert.ok(most <= 2, `at most 2 etl runs at once, saw ${most}`);
    assert.equal(most, 2, 'the limit is used to the full');
    for (const r of [...runs, other]) assert.equal((await load(r)).status, 'succeeded');
    assert.equal(await PlaceModel.countDocuments({ profile_id: etl.profile_id }), 0, 'every place was given back');
  });

  test('a run waiting for a place stays queued and says why, until a place frees', async () => {
    const etl = { profile_id: new Types.ObjectId(), profile_name: 'etl', max_concurrent: 1 };
    const first = await queuedRun(etl);
    const second = await queuedRun(etl, { nominalAt: at(1) });
    const lease = (await claim(first, 'w1', at(10)))!;
    assert.deepEqual(await claimable(10, at(20)), [], 'a full profile hides its runs');
    assert.equal(await claim(second, 'w2', at(20)), null);
    const waiting = toRun(await load(second));
    assert.equal(waiting.status, 'queued');
    assert.equal(waiting.wait_reason, "waiting for a place: profile 'etl' runs 1 of 1");
    assert.equal(await ClaimModel.countDocuments({ run_id: second._id }), 0, 'a refused claim leaves nothing behind');

    const notices: QueueNotice[] = [];
    const stop = onQueueNotice((n) => notices.push(n));
    try {
      await completeRun(lease, ok, at(30));
    } finally {
      stop();
    }
    assert.deepEqual(
      notices.map((n) => (n.kind === 'place_freed' ? `freed ${n.tenantId.toHexString()}` : n.kind)),
      [`freed ${tenantId.toHexString()}`],
      "the workers' lease requests hear of the freed place",
    );
    const next = await claimRun(second._id, 'w2', at(40));
    assert.ok(next, 'the freed place goes to the waiting run');
    assert.equal(toRun(await load(second)).wait_reason, null);
  });

  test('places are given back on cancel, and the reaper frees places of runs that no longer run', async () => {
    const etl = { profile_id: new Types.ObjectId(), max_concurrent: 1 };
    const a = await queuedRun(etl);
    await claim(a, 'w1', at(0));
    assert.equal(await cancelRun(await load(a), 'user', at(5)), true);
    const b = await queuedRun(etl, { nominalAt: at(1) });
    assert.ok(await claim(b, 'w1', at(10)), 'the cancelled run gave its place back');
    // As if b's process died between recording its end and giving the place back.
    await RunModel.updateOne({ _id: b._id }, { $set: { status: 'failed', lease: null } });
    assert.equal(await reapPlaces(at(20), LEASE_MS), 0, 'not while the claim may still be under way');
    assert.equal(await reapPlaces(at(10 + LEASE_MS + 1), LEASE_MS), 1);
    const c = await queuedRun(etl, { nominalAt: at(2) });
    assert.ok(await claim(c, 'w1', at(LEASE_MS + 20)));
  });
});

describe('preemption', () => {
  const profile = (allow: boolean) => ({
    profile_id: new Types.ObjectId(),
    profile_name: 'batch',
    max_concurrent: 1,
    allow_preemption: allow,
  });

  test('a high-priority run preempts a preemptible low-priority one, which completes later as its next attempt', async () => {
    const p = profile(true);
    const low = await queuedRun({ ...p, priority: 10 }); // one attempt only: preemption must not use it up
    const high = await queuedRun({ ...p, priority: 200 }, { nominalAt: at(1) });
    const lowLease = (await claim(low, 'w-low', at(0)))!;
    const stops: StopCode[] = [];
    const unwatch = watchStop(low._id.toHexString(), lowLease.epoch, (c) => stops.push(c));

    const highLease = await claim(high, 'w-high', at(1000));
    unwatch();
    assert.ok(highLease, 'the high-priority run starts at once');
    assert.deepEqual(stops, ['preempted'], 'an in-process executor is told to stop');
    const preempted = await load(low);
    assert.equal(preempted.status, 'queued');
    assert.equal(preempted.attempt, 2);
    assert.equal(preempted.attempts[0]?.status, 'preempted');
    assert.equal(preempted.attempts[0]?.error?.code, 'preempted');
    assert.equal(await heartbeat(lowLease, at(1100)), false, "the preempted executor's lease is gone");
    const holder = await PlaceModel.findOne({ profile_id: p.profile_id }).lean();
    assert.ok(holder?.run_id.equals(high._id), 'the place went to the waiting run');

    // No loop: the requeued low run may not preempt its preemptor (lower priority).
    assert.equal(await claim(low, 'w-low', at(1200)), null);
    assert.equal((await load(high)).status, 'running');
    assert.equal(toRun(await load(low)).wait_reason, "waiting for a place: profile 'batch' runs 1 of 1");

    await completeRun(highLease, ok, at(2000));
    const again = (await claim(low, 'w-low', at(2100)))!;
    assert.ok(await completeRun(again, ok, at(2200)));
    const finished = await load(low);
    assert.equal(finished.status, 'succeeded');
    assert.deepEqual(
      finished.attempts.map((a) => a.status),
      ['preempted', 'succeeded'],
    );
  });

  test('a preempted worker is told it was preempted, not that its lease was lost', async () => {
    const p = profile(true);
    const low = await queuedRun({ ...p, priority: 10 });
    const high = await queuedRun({ ...p, priority: 200 }, { nominalAt: at(1) });
    const lowLease = (await claim(low, 'worker:x', at(0)))!;
    await claim(high, 'w-high', at(10));
    const worker = { _id: new Types.ObjectId(), tenant_id: tenantId } as WorkerDoc;
    await assert.rejects(
      heartbeatFor(worker, low._id.toHexString(), { lease_id: lowLease.leaseId, epoch: lowLease.epoch, output: [] }),
      (err: AppError) => err.code === 'run_preempted' && err.status === 409,
    );
  });

  test('no preemption when the profile does not allow it, nor between equal priorities', async () => {
    for (const [allow, lowPriority] of [
      [false, 10],
      [true, 200],
    ] as const) {
      const p = profile(allow);
      const running = await queuedRun({ ...p, priority: lowPriority });
      const waiting = await queuedRun({ ...p, priority: 200 }, { nominalAt: at(1) });
      const lease = (await claim(running, 'w1', at(0)))!;
      assert.equal(await claim(waiting, 'w2', at(10)), null, `allow=${allow} priority=${lowPriority}`);
      assert.equal((await load(running)).status, 'running');
      assert.equal((await load(running)).attempts.length, 1);
      assert.equal(toRun(await load(waiting)).wait_reason, "waiting for a place: profile 'batch' runs 1 of 1");
      assert.equal(await heartbeat(lease, at(20)), true);
    }
  });

  test('the victim is the lowest priority, and among equals the one that started last', async () => {
    const p = { ...profile(true), max_concurrent: 3 };
    const a = await queuedRun({ ...p, priority: 20 });
    const b = await queuedRun({ ...p, priority: 10 }, { nominalAt: at(1) });
    const c = await queuedRun({ ...p, priority: 10 }, { nominalAt: at(2) });
    await claim(a, 'w', at(0));
    await claim(b, 'w', at(100));
    await claim(c, 'w', at(200));
    const high = await queuedRun({ ...p, priority: 300 }, { nominalAt: at(3) });
    assert.ok(await claim(high, 'w', at(300)));
    assert.deepEqual(await Promise.all([a, b, c].map(async (r) => (await load(r)).status)), [
      'running',
      'running',
      'queued',
    ]);
  });
});

describe('real-time limits', () => {
  test('a queued run not started by its deadline is missed, reason deadline', async () => {
    const r = await queuedRun({ deadline_at: at(60_000) });
    assert.deepEqual(await enforceTimeLimits(at(59_999)), { missed: 0, timed_out: 0 });
    assert.equal((await load(r)).status, 'queued');
    assert.equal(await claim(r, 'w', at(60_000)), null, 'too late to start');
    assert.deepEqual(await enforceTimeLimits(at(60_001)), { missed: 1, timed_out: 0 });
    const missed = await load(r);
    assert.equal(missed.status, 'missed');
    assert.equal(missed.reason, 'deadline');
    assert.equal(await QueueModel.countDocuments({ _id: r._id }), 0);
  });

  test("a deadline-missed run is added to its schedule's errors, like a missed slot", async () => {
    const r = await queuedRun({ deadline_at: at(1000) }, { name: 'reported' });
    // The sweep reads the schedule (for its hooks); store the one the run came from.
    await ScheduleModel.collection.insertOne({ _id: r.schedule_id, tenant_id: tenantId, name: 'reported' });
    assert.deepEqual(await enforceTimeLimits(at(1001)), { missed: 1, timed_out: 0 });
    const entries = await ScheduleErrorModel.find({ schedule_id: r.schedule_id }).lean();
    assert.equal(entries.length, 1);
    assert.equal(entries[0]!.code, 'missed');
    assert.equal(entries[0]!.run_id?.toHexString(), r._id.toHexString());
    assert.match(entries[0]!.message, /deadline/);
  });

  test('a run still going at its deadline is timed out and not retried', async () => {
    const r = await queuedRun({ deadline_at: at(60_000), max_runtime_ms: 120_000 }, { maxAttempts: 3 });
    const lease = (await claim(r, 'w', at(1000)))!;
    assert.deepEqual(await enforceTimeLimits(at(59_000)), { missed: 0, timed_out: 0 });
    assert.deepEqual(await enforceTimeLimits(at(60_000)), { missed: 0, timed_out: 1 });
    const ended = await load(r);
    assert.equal(ended.status, 'timed_out');
    assert.equal(ended.error?.code, 'deadline_exceeded');
    assert.equal(ended.attempts.length, 1, 'no retry past the deadline');
    const worker = { _id: new Types.ObjectId(), tenant_id: tenantId } as WorkerDoc;
    await assert.rejects(
      heartbeatFor(worker, r._id.toHexString(), { lease_id: lease.leaseId, epoch: lease.epoch, output: [] }),
      (err: AppError) => err.code === 'run_timed_out' && /deadline_exceeded/.test(err.message),
      'a worker is told it hit a time limit',
    );
    assert.equal(await completeRun(lease, ok, at(61_000)), false, "the executor's late result is refused");
  });

  test('an attempt past its max runtime is timed out, and retried while attempts remain', async () => {
    const r = await queuedRun({ max_runtime_ms: 30_000 }, { maxAttempts: 2 });
    await claim(r, 'w', at(0));
    assert.deepEqual(await enforceTimeLimits(at(29_999)), { missed: 0, timed_out: 0 });
    assert.deepEqual(await enforceTimeLimits(at(30_000)), { missed: 0, timed_out: 1 });
    const retried = await load(r);
    assert.equal(retried.status, 'queued');
    assert.equal(retried.attempts[0]?.status, 'timed_out');
    assert.equal(retried.attempts[0]?.error?.code, 'max_runtime_exceeded');
    // The limit is per attempt: the second one gets its own 30 s.
    await claim(r, 'w', retried.available_at);
    const started = retried.available_at.getTime() - t0.getTime();
    assert.deepEqual(await enforceTimeLimits(at(started + 29_000)), { missed: 0, timed_out: 0 });
    await enforceTimeLimits(at(started + 30_000));
    const ended = await load(r);
    assert.equal(ended.status, 'timed_out');
    assert.equal(ended.error?.code, 'max_runtime_exceeded');
  });

  test('a retry that could only start after the deadline is not made', async () => {
    const r = await queuedRun({ deadline_at: at(1500) }, { maxAttempts: 3 });
    const lease: Lease = (await claim(r, 'w', at(0)))!;
    const boom = {
      status: 'failed' as const,
      http_status: 500,
      response_excerpt: null,
      error: { code: 'x', message: 'x' },
    };
    await completeRun(lease, boom, at(100)); // backoff 2 s would land past the deadline
    assert.equal((await load(r)).status, 'failed');
  });
});
