import { defaultRetry } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { ClaimModel } from './claim.model.ts';
import { cancelRun, claimRun, completeRun, heartbeat, LEASE_MS, reapQueue, retryDelayMs } from './lifecycle.ts';
import { newRun } from './new-run.ts';
import { onQueueNotice, type QueueNotice } from './queue-notices.ts';
import { QueueModel, queueEntryFor } from './queue.model.ts';
import { RunModel, type RunDoc } from './run.model.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
  await ClaimModel.syncIndexes();
});
after(() => db.close());

const t0 = new Date('2026-11-27T10:00:00Z');
const at = (ms: number) => new Date(t0.getTime() + ms);
const ok = { status: 'succeeded' as const, http_status: 200, response_excerpt: 'ok', error: null };
const boom = {
  status: 'failed' as const,
  http_status: 500,
  response_excerpt: null,
  error: { code: 'http_status', message: '500' },
};

const httpTarget = { type: 'http', url: 'https://example.com', method: 'POST', headers: {}, timeout_ms: 1000 };

async function queuedRun(maxAttempts = 3, target: object = httpTarget): Promise<RunDoc> {
  const schedule = {
    _id: new Types.ObjectId(),
    tenant_id: new Types.ObjectId(),
    name: 'lease test',
    target,
    retry: { ...defaultRetry, max_attempts: maxAttempts, initial_interval: '2s' },
  } as unknown as ScheduleDoc;
  const run = newRun(
    schedule,
    { key: t0.toISOString() + Math.random(), nominalAt: t0, trigger: 'schedule' },
    { status: 'queued' },
    t0,
  );
  await QueueModel.collection.insertOne(queueEntryFor(run));
  await RunModel.collection.insertOne(run);
  return run;
}
const load = async (r: RunDoc) => (await RunModel.findById(r._id).lean<RunDoc>())!;
/** What a crash right after the claim insert leaves behind: a claim at t0, and a run still queued. */
const crashedClaim = (run: RunDoc, owner: string) =>
  ClaimModel.create({
    _id: `${run._id.toHexString()}:1`,
    run_id: run._id,
    epoch: 1,
    lease_id: 'gone',
    owner,
    claimed_at: at(0),
  });

describe('leases', () => {
  test('a queue entry left behind by a crash is repaired from the ledger', async () => {
    const run = await queuedRun();
    const { lease } = (await claimRun(run._id, 'x', at(0)))!;
    await completeRun(lease, ok, at(100));
    // As if the process died after finishing the run but before deleting its queue entry.
    await QueueModel.collection.insertOne({ ...queueEntryFor(run), status: 'running', lease_expires_at: at(LEASE_MS) });
    const reaped = await reapQueue(at(LEASE_MS + 1));
    assert.ok(reaped.repaired >= 1);
    assert.equal(await QueueModel.countDocuments({ _id: run._id }), 0);
    assert.equal((await load(run)).status, 'succeeded', 'the run itself is untouched');
  });

  test('only one of several executors claims an attempt', async () => {
    const run = await queuedRun();
    const claims = await Promise.all(['a', 'b', 'c', 'd'].map((o) => claimRun(run._id, o, at(10))));
    assert.equal(claims.filter(Boolean).length, 1);
    const fresh = await load(run);
    assert.equal(fresh.status, 'running');
    assert.equal(fresh.lease?.epoch, 1);
  });

  test('a run whose executor died mid-run is requeued as the next attempt and finished by another executor', async () => {
    const run = await queuedRun();
    const dead = (await claimRun(run._id, 'server:dead', at(0)))!;
    await reapQueue(at(LEASE_MS - 1));
    assert.equal((await load(run)).status, 'running', 'not before the lease lapses');
    await reapQueue(at(LEASE_MS + 1));
    let fresh = await load(run);
    assert.equal(fresh.status, 'queued');
    assert.equal(fresh.attempt, 2);
    assert.equal(fresh.attempts[0]?.error?.code, 'lease_expired');
    assert.equal(fresh.available_at.getTime(), at(LEASE_MS + 1).getTime() + 2000, 'after the retry backoff');

    const alive = (await claimRun(run._id, 'server:alive', at(LEASE_MS + 2001)))!;
    assert.ok(alive, 'another executor takes attempt 2');
    assert.equal(
      await completeRun(dead.lease, ok, at(LEASE_MS + 2500)),
      false,
      'the dead attempt reporting late is refused',
    );
    assert.equal(await heartbeat(dead.lease, at(LEASE_MS + 2500)), false);
    assert.equal(await completeRun(alive.lease, ok, at(LEASE_MS + 3000)), true);
    fresh = await load(run);
    assert.equal(fresh.status, 'succeeded');
    assert.equal(await QueueModel.countDocuments({ _id: run._id }), 0, 'a finished run leaves the queue');
    assert.deepEqual(
      fresh.attempts.map((a) => [a.attempt, a.executor, a.status]),
      [
        [1, 'server:dead', 'failed'],
        [2, 'server:alive', 'succeeded'],
      ],
    );
  });

  test('a claimer that died between claiming and starting does not strand the run', async () => {
    const run = await queuedRun();
    await crashedClaim(run, 'server:crashed');
    assert.equal(await claimRun(run._id, 'server:alive', at(1000)), null, 'the epoch is taken');
    await reapQueue(at(LEASE_MS - 1));
    assert.equal((await load(run)).epoch, 1, 'not before a lease would have lapsed');
    await reapQueue(at(LEASE_MS + 1));
    const fresh = await load(run);
    assert.equal(fresh.epoch, 2);
    assert.equal(fresh.attempt, 1, 'it never started, so no attempt is used up');
    const claimed = await claimRun(run._id, 'server:alive', at(LEASE_MS + 2));
    assert.ok(claimed);
    assert.equal(await completeRun(claimed.lease, ok, at(LEASE_MS + 3)), true);
    assert.equal((await load(run)).status, 'succeeded');
  });

  test("a command run whose claimer died is announced to the workers' lease requests when released", async () => {
    const run = await queuedRun(3, { type: 'command', command: ['/bin/true'], env: {}, network: false, labels: {} });
    await crashedClaim(run, 'worker:crashed');
    const notices: QueueNotice[] = [];
    const stop = onQueueNotice((n) => notices.push(n));
    try {
      await reapQueue(at(LEASE_MS + 1));
    } finally {
      stop();
    }
    assert.deepEqual(
      notices.map((n) => (n.kind === 'queued' ? `${n.entry._id.toHexString()} epoch ${n.entry.epoch}` : n.kind)),
      [`${run._id.toHexString()} epoch 2`],
    );
  });

  test('heartbeats keep a long run alive however long it takes', async () => {
    const run = await queuedRun();
    const { lease } = (await claimRun(run._id, 'server:slow', at(0)))!;
    for (let t = 5_000; t <= 120_000; t += 5_000) {
      assert.equal(await heartbeat(lease, at(t)), true);
      await reapQueue(at(t + 1000));
      assert.equal((await load(run)).attempt, 1, `still the first attempt at ${t / 1000}s`);
    }
    assert.equal((await load(run)).status, 'running');
    assert.equal(await completeRun(lease, ok, at(121_000)), true);
  });

  test('a failed attempt is retried with backoff until max_attempts, then the run fails', async () => {
    const run = await queuedRun(2);
    const a1 = (await claimRun(run._id, 'x', at(0)))!;
    await completeRun(a1.lease, boom, at(100));
    assert.equal(await claimRun(run._id, 'x', at(1000)), null, 'not claimable during the backoff');
    const a2 = (await claimRun(run._id, 'x', at(2100)))!;
    assert.ok(a2);
    await completeRun(a2.lease, boom, at(2200));
    const fresh = await load(run);
    assert.equal(fresh.status, 'failed');
    assert.equal(fresh.attempts.length, 2);
  });

  test('a cancelled run is not retried and its executor loses the lease', async () => {
    const run = await queuedRun(5);
    const { lease } = (await claimRun(run._id, 'x', at(0)))!;
    assert.equal(await cancelRun(await load(run), 'user', at(50)), true);
    assert.equal(await heartbeat(lease, at(100)), false, 'the executor learns at its next heartbeat');
    assert.equal(await completeRun(lease, boom, at(200)), false);
    await reapQueue(at(LEASE_MS * 3));
    const fresh = await load(run);
    assert.equal(fresh.status, 'cancelled');
    assert.equal(fresh.reason, 'user');
    assert.equal(await QueueModel.countDocuments({ _id: run._id }), 0, 'it left the queue');
    assert.equal(await cancelRun(fresh, 'user', at(300)), false, 'a final run cannot be cancelled again');
  });
});

describe('writes racing on one run in one process', () => {
  // FerretDB 1.x applies an update as a read of the whole run and a separate write of it: a
  // heartbeat read before the run ended wrote it back as running, and of a cancel and a
  // completion both could pass their guard. This process's writes to a run go in turn.
  test('heartbeats in flight when the run completes do not write it back as running', async () => {
    for (let i = 0; i < 5; i++) {
      const run = await queuedRun(1);
      const { lease } = (await claimRun(run._id, 'x', at(0)))!;
      const beats = Array.from({ length: 10 }, (_, k) => heartbeat(lease, at(10 + k)));
      const [completed] = await Promise.all([completeRun(lease, ok, at(100)), ...beats]);
      assert.equal(completed, true);
      const fresh = await load(run);
      assert.deepEqual([fresh.status, fresh.lease], ['succeeded', null], `round ${i}`);
    }
  });

  test('of a cancel and a completion at the same moment, exactly one ends the run', async () => {
    for (let i = 0; i < 5; i++) {
      const run = await queuedRun(1);
      const { lease } = (await claimRun(run._id, 'x', at(0)))!;
      const running = await load(run);
      const [cancelled, completed] = await Promise.all([
        cancelRun(running, 'user', at(100)),
        completeRun(lease, ok, at(100)),
      ]);
      assert.equal(Number(cancelled) + Number(completed), 1, `round ${i}: one of them ended it`);
      assert.equal((await load(run)).status, cancelled ? 'cancelled' : 'succeeded');
    }
  });
});

test('retry delays grow by the coefficient up to the maximum', () => {
  const retry = { initial_interval_ms: 1000, backoff_coefficient: 2, max_interval_ms: 5000 };
  assert.deepEqual(
    [1, 2, 3, 4, 5].map((n) => retryDelayMs(n, retry)),
    [1000, 2000, 4000, 5000, 5000],
  );
});
