import type { Run, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mongoose, { Types } from 'mongoose';
import { InFlightIndex, type InFlightEntry } from './in-flight.ts';
import { inFlightOf, QueueModel, type QueueDoc } from './queue.model.ts';
import { idOnlyFilters } from '../../db/engine.ts';
import {
  newTenant,
  startTestServer,
  waitFor,
  withHangingTarget,
  type Client,
  type TestServer,
} from '../../../test/support/server.ts';

const entry = (scheduleId: Types.ObjectId, slot = '2026-01-01T00:00:00Z'): InFlightEntry => ({
  _id: new Types.ObjectId(),
  schedule_id: scheduleId,
  trigger: 'schedule',
  nominal_at: new Date(slot),
});
const ids = async (index: InFlightIndex, schedules: Types.ObjectId[]) =>
  (await index.of(schedules)).map((e) => e._id.toHexString()).sort();

describe('the in-flight index', () => {
  test('writes made while its read is in flight apply over what the read returns, in order', async () => {
    const a = new Types.ObjectId();
    const b = new Types.ObjectId();
    const stored = [entry(a), entry(a), entry(b)];
    let answer!: (entries: InFlightEntry[]) => void;
    const index = new InFlightIndex(() => new Promise((resolve) => (answer = resolve)));

    const first = index.of([a, b]);
    // While the read is in flight: one entry added, one the read returns deleted, then all of b's.
    const added = entry(a);
    const addedToB = entry(b);
    index.added(added);
    index.removed(stored[0]!._id);
    index.added(addedToB);
    index.removedSchedule(b);
    answer(stored);
    await first;

    assert.deepEqual(await ids(index, [a, b]), [stored[1]!._id.toHexString(), added._id.toHexString()].sort());
    // Once read, writes apply at once.
    index.removed(added._id);
    assert.deepEqual(await ids(index, [a, b]), [stored[1]!._id.toHexString()]);
  });

  test('warmed, it has read the entries before the first list asks for them, once', async () => {
    const a = new Types.ObjectId();
    let reads = 0;
    const index = new InFlightIndex(async () => {
      reads++;
      return [entry(a)];
    });
    await index.warm();
    await index.warm();
    assert.equal(reads, 1);
    assert.equal((await ids(index, [a])).length, 1);
    assert.equal(reads, 1, 'the list did not read again');
  });

  test('a read older than its age is renewed in the background; the entries kept serve meanwhile', async () => {
    const a = new Types.ObjectId();
    let stored = [entry(a)];
    let reads = 0;
    const index = new InFlightIndex(async () => {
      reads++;
      return stored;
    }, 0);
    assert.equal((await ids(index, [a])).length, 1);
    stored = [entry(a), entry(a)]; // written past this process
    assert.equal((await ids(index, [a])).length, 1, 'kept entries answer while the read is renewed');
    await waitFor(async () => ((await ids(index, [a])).length === 2 ? true : undefined), 2000, 'the renewed read');
    assert.ok(reads >= 2);
  });
});

describe('in-flight counts over the API', () => {
  let server: TestServer;
  let api: Client;
  before(async () => {
    server = await startTestServer();
    api = (await newTenant(server.url, 'In flight')).api;
  });
  after(() => server.close());

  /** What the run queue in the database says, per schedule, as inFlightOf counts it. */
  async function fromDatabase(scheduleIds: Types.ObjectId[]) {
    const entries = await QueueModel.find({ schedule_id: { $in: scheduleIds } }).lean<QueueDoc[]>();
    const counts = new Map<string, number>();
    for (const e of entries) {
      if (e.trigger !== 'hook')
        counts.set(e.schedule_id.toHexString(), (counts.get(e.schedule_id.toHexString()) ?? 0) + 1);
    }
    return counts;
  }

  // First in this block: no list of this process has run before it.
  test('the server reads the run queue for the lists as it starts: its first list reads none', async () => {
    assert.ok(await idOnlyFilters(), 'the tests run on FerretDB, where lists use the index');
    await api.post('/v1/schedules', {
      name: 'listed',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: 'http://127.0.0.1:9/' },
    });
    const queueReads: string[] = [];
    mongoose.set('debug', (collection: string, method: string) => {
      if (collection === QueueModel.collection.collectionName) queueReads.push(method);
    });
    try {
      assert.equal((await api.get('/v1/schedules')).status, 200);
    } finally {
      mongoose.set('debug', false);
    }
    assert.deepEqual(queueReads, []);
  });

  test('follow the run queue as runs are triggered, cancelled and their schedule deleted', () =>
    withHangingTarget(async (hangUrl) => {
      assert.ok(await idOnlyFilters(), 'the tests run on FerretDB, where lists use the index');
      const create = async (name: string) =>
        (await (
          await api.post('/v1/schedules', { name, cron: '0 0 1 1 *', target: { type: 'http', url: hangUrl } })
        ).json()) as Schedule;
      const kept = await create('kept');
      const deleted = await create('deleted');
      const schedules = [kept, deleted].map((s) => new Types.ObjectId(s.id));
      const counts = async () => {
        const found = await inFlightOf(schedules);
        return new Map([...found].map(([id, f]) => [id, f.count]));
      };
      // A list first, so that the index is read before the writes below.
      assert.equal((await api.get('/v1/schedules')).status, 200);

      const runs: Run[] = [];
      for (const s of [kept, kept, kept, deleted, deleted]) {
        runs.push((await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run);
      }
      assert.deepEqual(await counts(), await fromDatabase(schedules));
      assert.deepEqual(
        await counts(),
        new Map([
          [kept.id, 3],
          [deleted.id, 2],
        ]),
      );

      assert.equal((await api.post(`/v1/runs/${runs[0]!.id}/cancel`)).status, 200);
      assert.equal((await api.delete(`/v1/schedules/${deleted.id}`)).status, 204);
      assert.deepEqual(await counts(), await fromDatabase(schedules));
      assert.deepEqual(await counts(), new Map([[kept.id, 2]]));

      // The list shows what the index holds.
      const listed = (await (await api.get('/v1/schedules')).json()) as { data: Schedule[] };
      assert.equal(listed.data.find((s) => s.id === kept.id)?.stats.active, 2);
      for (const r of runs.slice(1, 3)) assert.equal((await api.post(`/v1/runs/${r.id}/cancel`)).status, 200);
      assert.deepEqual(await counts(), new Map());
    }));
});
