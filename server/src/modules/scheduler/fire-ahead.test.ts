import { CreateScheduleBody, UpdateScheduleBody } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import pino from 'pino';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { startReceiver, waitFor } from '../../../test/support/server.ts';
import { Dispatcher } from '../executor/dispatcher.ts';
import { TargetPolicy } from '../outbound/policy.ts';
import { RequestThread } from '../outbound/request-thread.ts';
import { cancelRun } from '../runs/lifecycle.ts';
import { watchRuns } from '../runs/events.ts';
import { ProgressTokens } from '../runs/progress.ts';
import { QueueModel } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { createSchedule, updateSchedule } from '../schedules/schedules.service.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { Ticker } from './ticker.ts';

/**
 * A slot the server's HTTP executor can take is recorded shortly before its instant and
 * started at the instant; what is acknowledged before the instant still applies to it.
 */
let db: TestDatabase;
let target: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
  target = await startReceiver();
});
after(async () => {
  await target.close();
  await db.close();
});
const url = () => target.url;
/** Requests the target received for `path`, with their arrival times (ms). */
const received = (path: string) =>
  target.requests.filter((r) => r.url === path).map((r) => ({ path: r.url, at: r.at.getTime() }));

const log = pino({ level: process.env.TEST_LOG ?? 'silent' });
const policy = new TargetPolicy(['127.0.0.1']);
const outbound = new RequestThread(['127.0.0.1']);
const principal = { tenantId: new Types.ObjectId(), role: 'admin' as const, userId: null, tokenId: null };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A ticker ticking every 250 ms (Agenda ticks every second) and a schedule of `path` firing
 * every second from a whole second three seconds ahead: its first slot, `slot`.
 */
async function scenario(path: string, concurrencyPolicy: 'allow' | 'forbid' = 'allow', concurrency = 300) {
  const ticker = new Ticker(new Dispatcher(outbound, new ProgressTokens('k', () => ''), log, { concurrency }), log);
  const body = CreateScheduleBody.parse({
    name: path,
    cron: '* * * * * *',
    target: { type: 'http', url: `${url()}/${path}` },
    concurrency_policy: concurrencyPolicy,
  });
  const s = await createSchedule(principal, body, { policy });
  const id = new Types.ObjectId(s.id);
  const slot = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
  await ScheduleModel.updateOne({ _id: id }, { $set: { next_run_at: slot } });
  let ticking = true;
  const ticks = (async () => {
    while (ticking) {
      await ticker.tick();
      await sleep(250);
    }
  })();
  const stop = async () => {
    ticking = false;
    await ticks;
    await ticker.drain();
  };
  /** The slot's run as soon as it is recorded. */
  const recorded = () =>
    waitFor(
      async () => (await RunModel.findOne({ schedule_id: id, nominal_at: slot }).lean<RunDoc>()) ?? undefined,
      6000,
      'the slot to be recorded',
    );
  return { id, s, slot, stop, recorded };
}

test('an HTTP slot is recorded running before its instant, and its request goes out at the instant, not before', async () => {
  const { id, slot, stop, recorded } = await scenario('on-time');
  const run = await recorded();
  assert.ok(run.created_at.getTime() < slot.getTime(), 'recorded before its instant');
  assert.equal(run.status, 'running');
  assert.equal(run.started_at?.getTime(), slot.getTime(), 'recorded as starting at its slot');
  assert.equal(received('/on-time').length, 0, 'nothing sent before the instant');
  const arrived = await waitFor(async () => received('/on-time')[0], 5000, 'the request for the slot');
  await stop();
  assert.ok(arrived.at >= slot.getTime(), `sent ${slot.getTime() - arrived.at} ms before its slot`);
  const ended = await RunModel.findOne({ schedule_id: id, nominal_at: slot }).lean<RunDoc>();
  assert.equal(ended?.status, 'succeeded');
});

test('an edit acknowledged after the slot was recorded ahead, but before its instant, withdraws that run: the slot runs as edited', async () => {
  const { s, id, slot, stop, recorded } = await scenario('before-edit');
  const run = await recorded();
  assert.ok(run.created_at.getTime() < slot.getTime(), 'recorded ahead, under the old target');
  const edit = UpdateScheduleBody.parse({ target: { type: 'http', url: `${url()}/after-edit` } });
  await updateSchedule(principal, s.id, edit, { policy });
  assert.ok(Date.now() < slot.getTime(), 'the edit is acknowledged before the slot');
  const rerun = await waitFor(
    async () =>
      (await RunModel.findOne({ schedule_id: id, nominal_at: slot, status: 'succeeded' }).lean<RunDoc>()) ?? undefined,
    6000,
    'the slot to run as edited',
  );
  await stop();
  assert.notEqual(rerun._id.toHexString(), run._id.toHexString(), 'the run recorded ahead was withdrawn');
  assert.equal(rerun.target.type === 'http' && rerun.target.url, `${url()}/after-edit`);
  assert.equal(await RunModel.countDocuments({ _id: run._id }), 0);
  assert.equal(await QueueModel.countDocuments({ _id: run._id }), 0, 'its queue entry went with it');
  assert.deepEqual(received('/before-edit'), [], 'the old target got nothing');
});

/** The events stream of schedule `scheduleId` as it comes, each event with its arrival time. */
function watch(scheduleId: string) {
  let watching = true;
  const events: { id: string; status: string; at: number }[] = [];
  const done = (async () => {
    for await (const r of watchRuns(principal, { scheduleId }, () => !watching)) {
      events.push({ id: r.id, status: r.status, at: Date.now() });
    }
  })();
  const about = (run: RunDoc) => events.filter((e) => e.id === run._id.toHexString());
  return { about, stop: () => ((watching = false), done) };
}

test('the events stream reports a run recorded ahead from its instant on: a run withdrawn before it never shows', async () => {
  const { s, id, slot, stop, recorded } = await scenario('watched');
  const withdrawn = await recorded();
  // Its first look comes at once, while the run recorded ahead is there.
  const first = watch(s.id);
  await sleep(100);
  const edit = UpdateScheduleBody.parse({ target: { type: 'http', url: `${url()}/watched-after` } });
  await updateSchedule(principal, s.id, edit, { policy });
  assert.ok(Date.now() < slot.getTime(), 'the edit is acknowledged before the slot');

  // The slot after is recorded ahead too; a stream that first looks before its instant reports
  // it once started, though it ends (a no-op target) before that stream looks again.
  const nextSlot = new Date(slot.getTime() + 1000);
  const next = await waitFor(
    async () => (await RunModel.findOne({ schedule_id: id, nominal_at: nextSlot }).lean<RunDoc>()) ?? undefined,
    6000,
    'the slot after to be recorded',
  );
  const second = watch(s.id);
  assert.ok(Date.now() < nextSlot.getTime() - 100, 'the second stream looked before the instant');
  await sleep(nextSlot.getTime() + 2200 - Date.now()); // two more looks
  await first.stop();
  await second.stop();
  await stop();
  assert.deepEqual(first.about(withdrawn), [], 'the withdrawn run was never reported');
  assert.ok(next.created_at.getTime() < nextSlot.getTime(), 'the slot after was recorded ahead');
  const shown = second.about(next);
  assert.ok(shown.length > 0, 'the slot after was reported');
  assert.ok(
    shown.every((e) => e.at >= nextSlot.getTime()),
    'reported from its instant on',
  );
  assert.equal(shown.at(-1)?.status, 'succeeded', 'with its end');
});

test('a pause acknowledged after the slot was recorded ahead, but before its instant, withdraws that run', async () => {
  const { s, id, slot, stop, recorded } = await scenario('paused-ahead');
  await recorded();
  await updateSchedule(principal, s.id, { paused: true }, { policy });
  assert.ok(Date.now() < slot.getTime(), 'the pause is acknowledged before the slot');
  await sleep(slot.getTime() + 1500 - Date.now());
  await stop();
  assert.deepEqual(await RunModel.find({ schedule_id: id }).lean(), [], 'no run is left for the slot');
  assert.deepEqual(received('/paused-ahead'), []);
});

test('a run recorded ahead and cancelled before its instant is not started, and stays cancelled', async () => {
  const { id, slot, stop, recorded } = await scenario('cancelled-ahead');
  const run = await recorded();
  assert.ok(await cancelRun(run, 'user'));
  await sleep(slot.getTime() + 1000 - Date.now());
  await stop();
  const after = await RunModel.findById(run._id).lean<RunDoc>();
  assert.equal(after?.status, 'cancelled');
  assert.equal(after?.duration_ms, 0, 'it never ran');
  assert.ok(
    received('/cancelled-ahead').every((r) => r.at >= slot.getTime() + 500),
    'the slot cancelled was not sent (later slots may be)',
  );
  assert.equal(await RunModel.countDocuments({ schedule_id: id, nominal_at: slot }), 1);
});

test('a schedule that forbids overlaps is fired at its instant, not ahead', async () => {
  const { slot, stop, recorded } = await scenario('forbid', 'forbid');
  const run = await recorded();
  await stop();
  assert.ok(run.created_at.getTime() >= slot.getTime(), 'recorded at its instant');
});

test('with no free executor slot, a slot is recorded at its instant, queued, not ahead', async () => {
  const { slot, stop, recorded } = await scenario('busy', 'allow', 0);
  const run = await recorded();
  await stop();
  assert.ok(run.created_at.getTime() >= slot.getTime(), 'recorded at its instant');
  assert.equal(run.status, 'queued');
});
