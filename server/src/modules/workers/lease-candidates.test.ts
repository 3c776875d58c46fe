import { defaultRetry } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { ClaimModel } from '../runs/claim.model.ts';
import { claimableEntries, claimRun } from '../runs/lifecycle.ts';
import { newRun } from '../runs/new-run.ts';
import { QueueModel, queueEntryFor } from '../runs/queue.model.ts';
import { RunModel } from '../runs/run.model.ts';
import { FRESH_MS, LeaseCandidates } from './lease-candidates.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await ClaimModel.syncIndexes();
});
after(() => db.close());
beforeEach(() => QueueModel.deleteMany({}));

const tenantId = new Types.ObjectId();

/** A queued command run of the tenant. */
async function queued(opts: { priority?: number; labels?: Record<string, string> } = {}): Promise<Types.ObjectId> {
  const schedule = {
    _id: new Types.ObjectId(),
    tenant_id: tenantId,
    name: 'candidates',
    target: { type: 'command', command: ['/bin/true'], env: {}, network: false, timeout_ms: 1000, labels: opts.labels },
    retry: defaultRetry,
  } as unknown as ScheduleDoc;
  const now = new Date(Date.now() - 1000);
  const run = newRun(
    schedule,
    { key: `k${Math.random()}`, nominalAt: now, trigger: 'manual' },
    { status: 'queued' },
    now,
  );
  await QueueModel.collection.insertOne({
    ...queueEntryFor(run),
    ...(opts.priority === undefined ? {} : { priority: opts.priority }),
  });
  await RunModel.collection.insertOne(run);
  return run._id;
}

/** Candidates on a clock the test moves, counting the reads of the queue. */
function candidates() {
  let now = 1_000_000;
  const counted = {
    reads: 0,
    tick: (ms: number) => (now += ms),
    list: new LeaseCandidates({
      clock: () => now,
      read: (tenant) => {
        counted.reads++;
        return claimableEntries({ targetType: 'command', tenantId: tenant });
      },
    }),
  };
  return counted;
}

/** Takes a candidate and claims it, as a lease request does (a claimed run is no longer queued). */
async function lease(list: LeaseCandidates, labels: Record<string, string> = {}) {
  const id = await list.take(tenantId, labels);
  if (id) {
    assert.ok(await claimRun(id, 'test'), 'the candidate is claimable');
    list.settled(id);
  }
  return id?.toHexString() ?? null;
}

describe('lease candidates', () => {
  test('requests asking at once share one read and each takes a different run, in dispatch order', async () => {
    const low = await queued({ priority: 10 });
    const high = await queued({ priority: 500 });
    const c = candidates();
    const taken = await Promise.all([lease(c.list), lease(c.list), lease(c.list)]);
    assert.deepEqual(taken, [high.toHexString(), low.toHexString(), null], 'two runs for three requests');
    assert.ok(c.reads <= 2, `one read for the first two, at most one more for the third (${c.reads})`);
  });

  test('a later request takes from the list while it is fresh, and reads again once it is older than FRESH_MS', async () => {
    const first = await queued();
    const second = await queued();
    const c = candidates();
    assert.equal(await lease(c.list), first.toHexString());
    assert.equal(c.reads, 1);
    const urgent = await queued({ priority: 900 }); // queued after the read: not in the list
    assert.equal(await lease(c.list), second.toHexString(), 'from the list');
    assert.equal(c.reads, 1, 'no second read while the list is fresh');

    await queued({ priority: 10 });
    c.tick(FRESH_MS);
    assert.equal(await lease(c.list), urgent.toHexString(), 'the list went stale: read again, in dispatch order');
    assert.equal(c.reads, 2);
  });

  test('a request takes only runs whose labels its worker carries, and leaves the others for one that does', async () => {
    const gpu = await queued({ labels: { gpu: 'yes' } });
    const plain = await queued();
    const c = candidates();
    assert.equal(await lease(c.list), plain.toHexString());
    assert.equal(await lease(c.list, { zone: 'b' }), null, 'nothing for a worker without the label');
    assert.equal(await lease(c.list, { gpu: 'yes', zone: 'b' }), gpu.toHexString());
  });

  test('a request that finds nothing for it in a fresh list reads again, so a run queued since is not missed', async () => {
    await queued({ labels: { gpu: 'yes' } }); // stays in the list: no request here carries the label
    await queued();
    const c = candidates();
    await lease(c.list);
    const later = await queued();
    assert.equal(await lease(c.list), later.toHexString());
    assert.equal(c.reads, 2);
  });

  test('a run whose claim is under way is not offered by a read meanwhile, and is again once settled', async () => {
    const first = await queued();
    const second = await queued();
    const c = candidates();
    const claiming = await c.list.take(tenantId, {}); // its claim not yet written
    assert.equal(claiming?.toHexString(), first.toHexString());
    c.tick(FRESH_MS);
    assert.equal((await c.list.take(tenantId, {}))?.toHexString(), second.toHexString(), 'a new read skips it');
    c.list.settled(claiming!); // lost, say: it is still queued
    c.list.settled(second);
    c.tick(FRESH_MS);
    assert.equal((await c.list.take(tenantId, {}))?.toHexString(), first.toHexString(), 'offered again');
  });

  test("another tenant's runs are never candidates", async () => {
    await queued();
    const c = candidates();
    assert.equal(await c.list.take(new Types.ObjectId(), {}), null);
  });
});
