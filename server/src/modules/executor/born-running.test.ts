import { defaultRetry } from '@crony/shared';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { waitFor } from '../../../test/support/server.ts';
import { createLogger } from '../../log.ts';
import { RequestThread } from '../outbound/request-thread.ts';
import { ClaimModel } from '../runs/claim.model.ts';
import { cancelRun, mayBeBornRunning } from '../runs/lifecycle.ts';
import { defaultLimits } from '../runs/limits.ts';
import { newRun } from '../runs/new-run.ts';
import { ProgressTokens } from '../runs/progress.ts';
import { QueueModel } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { fire } from '../scheduler/fire.ts';
import { ScheduleStateModel } from '../scheduler/schedule-state.model.ts';
import type { Due } from '../scheduler/due-index.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { Dispatcher } from './dispatcher.ts';
import { updateIf } from '../../db/update-if.ts';

/**
 * A fired HTTP run the in-process dispatcher has room for is recorded already running under
 * its lease and executed at once, without a claim; when it is full, runs are queued and
 * claimed as before.
 */
let db: TestDatabase;
let target: http.Server;
let url: string;
/** Requests the target holds until the test answers them. */
const held: { path: string; answer: () => void }[] = [];
before(async () => {
  db = await useTestDatabase();
  await Promise.all([RunModel, ClaimModel].map((m) => m.syncIndexes()));
  target = http.createServer((req, res) => {
    req.resume();
    held.push({ path: req.url ?? '', answer: () => res.writeHead(200).end('ok') });
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
});
after(async () => {
  target.closeAllConnections();
  await new Promise((r) => target.close(r));
  await db.close();
});

const log = createLogger('silent');
const dispatcher = (concurrency: number, reserveWaitMs = 0) =>
  new Dispatcher(new RequestThread(['127.0.0.1']), new ProgressTokens('k', () => ''), log, {
    concurrency,
    reserveWaitMs,
  });

/** A schedule whose slot is due now, with a target path named after it. */
async function dueSchedule(name: string): Promise<Due> {
  const _id = new Types.ObjectId();
  const next_run_at = new Date(Date.now() - 10);
  await ScheduleModel.collection.insertOne({
    _id,
    tenant_id: new Types.ObjectId(),
    name,
    description: null,
    cron: '0 * * * * *',
    every: null,
    every_ms: null,
    at: null,
    anchor: new Date(),
    timezone: 'UTC',
    target: { type: 'http', url: `${url}/${name}`, method: 'POST', headers: {}, timeout_ms: 30_000 },
    paused: false,
    next_run_at,
    concurrency_policy: 'allow',
    misfire_policy: 'run_once',
    catchup_window: '24h',
    catchup_window_ms: 86_400_000,
    retry: { ...defaultRetry, max_attempts: 1 },
    created_at: new Date(),
    updated_at: new Date(),
  });
  await ScheduleStateModel.create({ _id });
  return { _id, next_run_at };
}
const runOf = async (s: { _id: Types.ObjectId }) => (await RunModel.findOne({ schedule_id: s._id }).lean<RunDoc>())!;
const reached = (name: string) =>
  waitFor(async () => held.find((h) => h.path === `/${name}`), 10_000, `the request of ${name} reaches the target`);
const ended = (s: { _id: Types.ObjectId }) =>
  waitFor(async () => ((await runOf(s)).finished_at ? runOf(s) : undefined), 10_000, 'the run ends');

test('a fired run the dispatcher has room for is recorded running under its lease, with no claim', async () => {
  const d = dispatcher(5);
  const s = await dueSchedule('born');
  const { queued } = await fire(s, new Date(), undefined, { executor: d });
  assert.equal(queued.length, 0, 'nothing is left for a claim');

  const request = await reached('born');
  const run = await runOf(s);
  assert.equal(run.status, 'running');
  assert.equal(run.lease?.owner, d.owner);
  assert.equal(run.attempts[0]?.executor, d.owner);
  assert.ok(run.started_at && run.lateness_ms !== null && run.lateness_ms >= 0);
  const entry = await QueueModel.findById(run._id).lean();
  assert.equal(entry?.status, 'running', 'the queue entry shows it running, so no executor can claim it');
  assert.ok(entry?.lease_expires_at, 'the reaper can tell when its lease lapses');
  assert.equal(await ClaimModel.countDocuments({ run_id: run._id }), 0);

  request.answer();
  const done = await ended(s);
  assert.equal(done.status, 'succeeded');
  assert.equal(await QueueModel.countDocuments({ _id: run._id }), 0);
  await d.drain();
});

test('when the dispatcher is full, the run is queued and claimed once a slot frees up', async () => {
  const d = dispatcher(1);
  const first = await dueSchedule('first');
  const second = await dueSchedule('second');
  await fire(first, new Date(), undefined, { executor: d });
  const request = await reached('first');

  const { queued } = await fire(second, new Date(), undefined, { executor: d });
  assert.equal(queued.length, 1, 'no room: the run is queued');
  assert.equal((await runOf(second)).status, 'queued');
  d.dispatch(queued[0]!); // as the ticker does: it waits for a slot

  request.answer();
  (await reached('second')).answer();
  assert.equal((await ended(second)).status, 'succeeded');
  assert.equal(await ClaimModel.countDocuments({ run_id: queued[0]!._id }), 1, 'it went through a claim');
  await d.drain();
});

test('a firing that finds every slot busy waits for one to free up, and records its run running', async () => {
  const d = dispatcher(1, 10_000);
  const first = await dueSchedule('held');
  const second = await dueSchedule('next');
  await fire(first, new Date(), undefined, { executor: d });
  const request = await reached('held');

  const firedAt = new Date();
  const firing = fire(second, firedAt, undefined, { executor: d });
  await waitFor(async () => d.waitingFirings === 1 || undefined, 10_000, 'the firing waits for a slot');
  request.answer(); // the slot frees while the firing waits for it
  const { queued } = await firing;
  assert.equal(queued.length, 0, 'recorded running: nothing left for a claim');
  (await reached('next')).answer();
  const run = await ended(second);
  assert.equal(run.status, 'succeeded');
  assert.equal(await ClaimModel.countDocuments({ run_id: run._id }), 0);
  assert.ok(run.started_at! > firedAt, 'its start counts the wait for the slot');
  await d.drain();
});

test('a catch-up firing waits for a slot once at most: after a wait that found none, its other runs queue at once', async () => {
  const d = dispatcher(1, 50);
  const first = await dueSchedule('holding');
  await fire(first, new Date(), undefined, { executor: d });
  const request = await reached('holding');
  const behind = await dueSchedule('behind'); // three slots due: it runs them all
  const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
  await ScheduleModel.collection.updateOne(
    { _id: behind._id },
    { $set: { misfire_policy: 'run_all', next_run_at: from } },
  );
  const waits: boolean[] = [];
  const reserve = d.reserve.bind(d);
  d.reserve = (run, wait) => {
    waits.push(wait ?? true);
    return reserve(run, wait);
  };

  const { queued } = await fire({ _id: behind._id, next_run_at: from }, new Date(), undefined, { executor: d });
  assert.equal(queued.length, 3, 'the slot stayed busy: all three queued');
  assert.deepEqual(waits, [true, false, false]);
  request.answer();
  await ended(first);
  await d.drain();
});

test('a run started at once counts the slots missed before it when it ends: the firing writes no state', async () => {
  const d = dispatcher(5);
  const s = await dueSchedule('caught-up');
  // Three slots due under run_once: the two older ones are missed, the latest runs.
  const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 2 * 60_000);
  await ScheduleModel.collection.updateOne({ _id: s._id }, { $set: { next_run_at: from } });
  await fire({ _id: s._id, next_run_at: from }, new Date(), undefined, { executor: d });
  const runs = await RunModel.find({ schedule_id: s._id }).sort({ nominal_at: 1 }).lean<RunDoc[]>();
  assert.deepEqual(
    runs.map((r) => r.status),
    ['missed', 'missed', 'running'],
  );
  assert.equal(runs[2]!.missed_before, 2);
  const state = async () => (await ScheduleStateModel.findById(s._id).lean())!;
  assert.equal((await state()).stats.missed, 0, 'the firing wrote no state');

  (await reached('caught-up')).answer();
  const done = await waitFor(
    async () => ((await state()).stats.succeeded === 1 ? state() : undefined),
    10_000,
    'the run ends',
  );
  assert.equal(done.stats.missed, 2, 'counted with the run, in its one write');
  assert.equal(done.last_run?.id.toHexString(), runs[2]!._id.toHexString());
  assert.equal(done.fired?.slot.getTime(), runs[2]!.nominal_at.getTime());
  await d.drain();
});

test('a slot another firing recorded first gives its reserved slot back', async () => {
  const d = dispatcher(2);
  const s = await dueSchedule('raced');
  const now = new Date();
  // Both firings reserve one of the two slots; only one records the slot.
  await Promise.all([fire(s, now, undefined, { executor: d }), fire(s, now, undefined, { executor: d })]);
  assert.equal(await RunModel.countDocuments({ schedule_id: s._id }), 1);
  const request = await reached('raced');

  // The loser's slot is free again: another run is still born running beside the one held.
  const other = await dueSchedule('beside');
  const { queued } = await fire(other, new Date(), undefined, { executor: d });
  assert.equal(queued.length, 0);
  assert.equal((await runOf(other)).status, 'running');
  request.answer();
  (await reached('beside')).answer();
  await ended(other);
  await d.drain();
});

/**
 * A run born running whose request the target holds, with its stored start then moved an hour
 * back behind this process's back, as a writer elsewhere could: an outcome written from the
 * kept copy still counts the duration from the start it recorded; one written after a read
 * counts it from the stored start.
 */
async function bornBackdated(name: string) {
  const d = dispatcher(5);
  const s = await dueSchedule(name);
  await fire(s, new Date(), undefined, { executor: d });
  const request = await reached(name);
  const run = await runOf(s);
  await RunModel.collection.updateOne(
    { _id: run._id },
    { $set: { started_at: new Date(run.started_at!.getTime() - 3_600_000) } },
  );
  return { d, s, request, run };
}

test('a run born running is ended from the copy it was recorded with, without reading it back', async () => {
  const { d, s, request, run } = await bornBackdated('copied');
  request.answer();
  const done = await ended(s);
  assert.equal(done.status, 'succeeded');
  assert.ok(done.duration_ms !== null && done.duration_ms < 600_000, `duration ${done.duration_ms} ms: from the copy`);
  assert.equal(done.lease, null);
  assert.deepEqual(
    done.attempts.map((a) => [a.attempt, a.status, a.executor, a.lease_id, a.http_status]),
    [[1, 'succeeded', d.owner, run.lease!.id, 200]],
  );
  await d.drain();
});

test('a write in this process while the run is in flight makes the ending read the run again', async () => {
  const { d, s, request, run } = await bornBackdated('rewritten');
  // A guarded write of this process (a progress report's, here) leaves the kept copy behind.
  assert.equal(await updateIf(RunModel, run._id, { 'lease.id': run.lease!.id }, { $set: { progress: null } }), true);
  request.answer();
  const done = await ended(s);
  assert.equal(done.status, 'succeeded');
  assert.ok(done.duration_ms! >= 3_600_000, `duration ${done.duration_ms} ms: from the stored start`);
  await d.drain();
});

test('a run cancelled in this process while its request is in flight stays cancelled when the target answers', async () => {
  const d = dispatcher(5);
  const s = await dueSchedule('cancelled');
  await fire(s, new Date(), undefined, { executor: d });
  const request = await reached('cancelled');
  assert.equal(await cancelRun(await runOf(s), 'user'), true);
  request.answer();
  await d.drain();
  const run = await runOf(s);
  assert.equal(run.status, 'cancelled', 'the outcome was not written over the cancel from the kept copy');
  assert.equal(run.attempts[0]?.status, 'cancelled');
});

test('only a due, unlimited run before its deadline may be born running', () => {
  const now = new Date('2026-11-27T10:00:00Z');
  const schedule = {
    _id: new Types.ObjectId(),
    tenant_id: new Types.ObjectId(),
    name: 'x',
    target: { type: 'http', url: 'https://example.com', method: 'POST', headers: {}, timeout_ms: 1000 },
    retry: defaultRetry,
  } as unknown as ScheduleDoc;
  const run = (nominalAt: Date, limits = {}) =>
    newRun(schedule, { key: nominalAt.toISOString(), nominalAt, trigger: 'schedule' }, { status: 'queued' }, now, {
      ...defaultLimits(),
      ...limits,
    });
  assert.equal(mayBeBornRunning(run(now), now), true);
  assert.equal(mayBeBornRunning(run(new Date(now.getTime() + 1000)), now), false, 'not yet due');
  assert.equal(mayBeBornRunning(run(now, { deadline_at: now }), now), false, 'at its deadline');
  assert.equal(
    mayBeBornRunning(run(now, { profile_id: new Types.ObjectId(), max_concurrent: 2 }), now),
    false,
    'it needs a place in a concurrency limit, which only a claim takes',
  );
});
