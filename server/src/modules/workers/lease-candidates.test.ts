import { defaultRetry } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { ClaimModel } from '../runs/claim.model.ts';
import { claimableEntries, claimRun } from '../runs/lifecycle.ts';
import { newRun } from '../runs/new-run.ts';
import { QueueModel, queueEntryFor, type QueueDoc } from '../runs/queue.model.ts';
import { RunModel } from '../runs/run.model.ts';
import { LeaseCandidates, LIST_MS } from './lease-candidates.ts';

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
  return (await queuedEntry(opts))._id;
}

/** A queued command run of the tenant, with its queue entry as written. */
async function queuedEntry(
  opts: { priority?: number; labels?: Record<string, string>; tenant?: Types.ObjectId } = {},
): Promise<QueueDoc> {
  const schedule = {
    _id: new Types.ObjectId(),
    tenant_id: opts.tenant ?? tenantId,
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
  const entry = { ...queueEntryFor(run), ...(opts.priority === undefined ? {} : { priority: opts.priority }) };
  await QueueModel.collection.insertOne(entry);
  await RunModel.collection.insertOne(run);
  return entry;
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

  test('a later request takes from the list while it is fresh, and reads again once it is older than LIST_MS', async () => {
    const first = await queued();
    const second = await queued();
    const c = candidates();
    assert.equal(await lease(c.list), first.toHexString());
    assert.equal(c.reads, 1);
    const urgent = await queued({ priority: 900 }); // queued after the read: not in the list
    assert.equal(await lease(c.list), second.toHexString(), 'from the list');
    assert.equal(c.reads, 1, 'no second read while the list is fresh');

    await queued({ priority: 10 });
    c.tick(LIST_MS);
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

  test('a run this process queues joins the fresh list at its place in dispatch order, without a read', async () => {
    const low = await queued({ priority: 10 });
    const c = candidates();
    const first = await c.list.take(tenantId, {}); // reads the list; the request is still claiming
    assert.equal(first?.toHexString(), low.toHexString());
    c.list.settled(first!);
    assert.equal(await c.list.take(tenantId, {}), null, 'the fresh list has nothing more: trusted, not read again');
    assert.equal(c.reads, 1);

    const mid = await queuedEntry({ priority: 100 });
    const high = await queuedEntry({ priority: 500 });
    const other = await queuedEntry({ tenant: new Types.ObjectId() });
    for (const entry of [mid, high, other]) c.list.notice({ kind: 'queued', entry });
    assert.equal(await lease(c.list), high._id.toHexString());
    assert.equal(await lease(c.list), mid._id.toHexString());
    assert.equal(await lease(c.list), null, "another tenant's run did not join the list");
    assert.equal(c.reads, 1, 'no read for the offered runs');
  });

  test('a run queued elsewhere while the list is fresh waits for the next read, after LIST_MS', async () => {
    await queued();
    const c = candidates();
    await lease(c.list);
    const elsewhere = await queued(); // written to the queue, not offered: another process's
    assert.equal(await lease(c.list), null);
    c.tick(LIST_MS);
    assert.equal(await lease(c.list), elsewhere.toHexString());
    assert.equal(c.reads, 2);
  });

  test('a run offered while the list is being read joins the list that read returns', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let queried!: () => void;
    const readDone = new Promise<void>((r) => (queried = r));
    let reads = 0;
    const list = new LeaseCandidates({
      read: async (tenant) => {
        reads++;
        const entries = await claimableEntries({ targetType: 'command', tenantId: tenant });
        queried(); // the read is done, before the run exists; its list is not returned yet
        await gate;
        return entries;
      },
    });
    const taking = list.take(tenantId, {});
    await readDone;
    const offered = await queuedEntry();
    list.notice({ kind: 'queued', entry: offered });
    release();
    assert.equal((await taking)?.toHexString(), offered._id.toHexString());
    assert.equal(reads, 1);
  });

  test('an offer or a freed place wakes the requests waiting for work of that tenant only', async () => {
    const c = candidates();
    const otherTenant = new Types.ObjectId();
    let woke = '';
    void c.list.nextChance(tenantId, 60_000).then(() => (woke += 'mine '));
    void c.list.nextChance(otherTenant, 200).then(() => (woke += 'other '));
    c.list.notice({ kind: 'queued', entry: await queuedEntry() });
    await new Promise((r) => setImmediate(r));
    assert.equal(woke, 'mine ', 'the offer woke the tenant that has the run');
    await new Promise((r) => setTimeout(r, 250));
    assert.equal(woke, 'mine other ', 'the other tenant waited its time out');

    void c.list.nextChance(tenantId, 60_000).then(() => (woke += 'freed'));
    c.list.notice({ kind: 'place_freed', tenantId });
    await new Promise((r) => setImmediate(r));
    assert.equal(woke, 'mine other freed');
  });

  test('a freed place, or an offered run under a concurrency limit, has the next request read again', async () => {
    await queued();
    const c = candidates();
    await lease(c.list);
    c.list.notice({ kind: 'place_freed', tenantId });
    const waited = await queued(); // as if its profile had been full until now
    assert.equal(await lease(c.list), waited.toHexString());
    assert.equal(c.reads, 2);

    const limited = { ...(await queuedEntry()), profile_id: new Types.ObjectId(), max_concurrent: 1 };
    c.list.notice({ kind: 'queued', entry: limited });
    await c.list.take(tenantId, {});
    assert.equal(c.reads, 3, 'whether it may start is the read’s to decide');
  });

  test('a run offered before it is due joins the list when it is', async () => {
    const c = candidates();
    assert.equal(await lease(c.list), null);
    const entry = await queuedEntry();
    c.list.notice({ kind: 'queued', entry: { ...entry, available_at: new Date(Date.now() + 150) } });
    assert.equal(await lease(c.list), null, 'not yet');
    await c.list.nextChance(tenantId, 5000);
    assert.equal(await lease(c.list), entry._id.toHexString(), 'offered when due, without a read');
    assert.equal(c.reads, 1);
  });

  test('a run whose claim is under way is not offered by a read meanwhile, and is again once settled', async () => {
    const first = await queued();
    const second = await queued();
    const c = candidates();
    const claiming = await c.list.take(tenantId, {}); // its claim not yet written
    assert.equal(claiming?.toHexString(), first.toHexString());
    c.tick(LIST_MS);
    assert.equal((await c.list.take(tenantId, {}))?.toHexString(), second.toHexString(), 'a new read skips it');
    c.list.settled(claiming!); // lost, say: it is still queued
    c.list.settled(second);
    c.tick(LIST_MS);
    assert.equal((await c.list.take(tenantId, {}))?.toHexString(), first.toHexString(), 'offered again');
  });

  test("another tenant's runs are never candidates", async () => {
    await queued();
    const c = candidates();
    assert.equal(await c.list.take(new Types.ObjectId(), {}), null);
  });
});
