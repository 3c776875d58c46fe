import { CreateScheduleBody } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import pino from 'pino';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { Dispatcher } from '../executor/dispatcher.ts';
import { TargetPolicy } from '../outbound/policy.ts';
import { RequestThread } from '../outbound/request-thread.ts';
import { ProgressTokens } from '../runs/progress.ts';
import { RunModel } from '../runs/run.model.ts';
import { createSchedule, updateSchedule } from '../schedules/schedules.service.ts';
import { scheduleCache } from './schedule-cache.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { Ticker } from './ticker.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
});
after(() => db.close());

const log = pino({ level: 'silent' });
const policy = new TargetPolicy(['127.0.0.1']); // nothing listens on port 9: only the ledger matters here
const outbound = new RequestThread(['127.0.0.1']);
const principal = { tenantId: new Types.ObjectId(), role: 'admin' as const, userId: null, tokenId: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a pause acknowledged after a slot was scheduled, but before its instant, stops that slot', async () => {
  const ticker = new Ticker(new Dispatcher(outbound, new ProgressTokens('k', () => ''), log), log, {
    lookaheadMs: 3000,
  });
  const body = CreateScheduleBody.parse({
    name: 'paused before its slot',
    cron: '* * * * * *',
    target: { type: 'http', url: 'http://127.0.0.1:9/' },
  });
  const s = await createSchedule(principal, body, { policy });
  const id = new Types.ObjectId(s.id);
  // Its next slot two whole seconds ahead (as a retime would set it), so that the pause below
  // is acknowledged well before it even on a slow machine; the first tick's load reads it.
  const slot = new Date(Math.ceil(Date.now() / 1000) * 1000 + 2000);
  await ScheduleModel.updateOne({ _id: id }, { $set: { next_run_at: slot } });
  // The first tick begins the due index's load, and schedules the slot already if the load's
  // first batch came in before it looked (the load goes on beside it); else the next tick does.
  const first = await ticker.tick();
  await ticker.loaded();
  assert.ok(first + (await ticker.tick()) >= 1, 'a tick schedules the next slot');
  // The firing process holds its copy of the schedule, as after its first firing: without the
  // notes read at the slot's instant, that copy would fire the slot.
  assert.equal((await scheduleCache.get(id))?.paused, false);

  await updateSchedule(principal, s.id, { paused: true }, { policy });
  assert.ok(Date.now() < slot.getTime(), 'the pause is acknowledged before the slot');
  await sleep(slot.getTime() + 500 - Date.now());
  await ticker.drain();
  const runs = await RunModel.find({ schedule_id: id }).lean();
  assert.deepEqual(
    runs.map((r) => r.status),
    [],
    'no run is recorded for the slot after the pause',
  );
});

test('between ticks the ticker keeps reading the change notes, so its copies stay trusted while a tick is held up', async () => {
  const ticker = new Ticker(new Dispatcher(outbound, new ProgressTokens('k', () => ''), log), log);
  await ticker.tick(); // loads the due index, and follows the notes from now
  await ticker.loaded();
  // No tick for longer than the copies' trust window (3 s): Agenda's job held up, say.
  await sleep(4000);
  assert.ok(scheduleCache.following, 'still following: the notes were read between ticks');
  await ticker.drain();
});
