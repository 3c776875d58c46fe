import type { Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, mock, test } from 'node:test';
import type { Model } from 'mongoose';
import { newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';
import { RetimeNoteModel } from '../scheduler/retime-notes.model.ts';
import { ScheduleStateModel } from '../scheduler/schedule-state.model.ts';
import { ScheduleModel } from './schedule.model.ts';

/*
 * A creation stores three documents side by side: the schedule, its state and the note that
 * tells the schedulers. If any of them is refused, neither the schedule nor its state may stay. The database is the
 * real one; only the one insert is made to fail, as a full disk or a lost connection would.
 */

let server: TestServer;
let api: Client;
before(async () => {
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'All or nothing')).api;
});
after(() => server.close());

/** Makes the next inserts into `model`'s collection fail, while `work` runs. */
async function refusingInserts<R>(model: Model<never>, work: () => Promise<R>): Promise<R> {
  const refused = mock.method(model.collection, 'insertMany', async () => {
    throw new Error(`the database refused the insert into ${model.collection.collectionName}`);
  });
  try {
    return await work();
  } finally {
    refused.mock.restore();
  }
}

async function stored() {
  return {
    schedules: await ScheduleModel.countDocuments({}),
    states: await ScheduleStateModel.countDocuments({}),
  };
}

describe('creating a schedule is all or nothing', () => {
  for (const [what, model] of [
    ['the schedule', ScheduleModel],
    ['its state', ScheduleStateModel],
    ['the schedulers’ note', RetimeNoteModel],
  ] as const) {
    test(`when ${what} cannot be stored, neither the schedule nor its state stays`, async () => {
      const name = `refused: ${what}`;
      const before = await stored();
      const res = await refusingInserts(model as unknown as Model<never>, () =>
        api.post('/v1/schedules', { name, cron: '0 0 1 1 *', target: { type: 'http', url: 'http://127.0.0.1:9/' } }),
      );
      assert.equal(res.status, 500);
      assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'internal');
      assert.deepEqual(await stored(), before);
      const listed = (await (await api.get('/v1/schedules?limit=100')).json()) as { data: Schedule[] };
      assert.equal(listed.data.filter((s) => s.name === name).length, 0, 'not listed');

      // And the next creation, with nothing refused, stores both.
      const ok = await api.post('/v1/schedules', {
        name: `${name}, again`,
        cron: '0 0 1 1 *',
        target: { type: 'http', url: 'http://127.0.0.1:9/' },
      });
      assert.equal(ok.status, 201);
      const after = await stored();
      assert.deepEqual(after, { schedules: before.schedules + 1, states: before.states + 1 });
    });
  }
});

test('the schedule, its state and the schedulers’ note are inserted side by side', async () => {
  // The order the database sees, from each insert's call and its answer.
  const seen: string[] = [];
  const watched = [
    ['schedule', ScheduleModel],
    ['state', ScheduleStateModel],
    ['note', RetimeNoteModel],
  ] as const;
  const watches = watched.map(([what, model]) => {
    const collection = (model as unknown as Model<never>).collection;
    const insertMany = collection.insertMany.bind(collection);
    return mock.method(collection, 'insertMany', async (...args: Parameters<typeof insertMany>) => {
      seen.push(`${what} sent`);
      const result = await insertMany(...args);
      seen.push(`${what} stored`);
      return result;
    });
  });
  try {
    const res = await api.post('/v1/schedules', {
      name: 'side by side',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: 'http://127.0.0.1:9/' },
    });
    assert.equal(res.status, 201);
  } finally {
    for (const w of watches) w.mock.restore();
  }
  const at = (event: string) => {
    const i = seen.indexOf(event);
    assert.ok(i >= 0, `${event}: ${seen.join(', ')}`);
    return i;
  };
  // Each is sent before any is stored: one round trip for the three, not two.
  const lastSent = Math.max(...watched.map(([what]) => at(`${what} sent`)));
  const firstStored = Math.min(...watched.map(([what]) => at(`${what} stored`)));
  assert.ok(lastSent < firstStored, `all three sent before any is stored: ${seen.join(', ')}`);
});
