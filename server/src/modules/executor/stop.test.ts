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
import { claimRun } from '../runs/lifecycle.ts';
import { defaultLimits, type RunLimits } from '../runs/limits.ts';
import { newRun } from '../runs/new-run.ts';
import { PlaceModel } from '../runs/place.model.ts';
import { ProgressTokens } from '../runs/progress.ts';
import { QueueModel, queueEntryFor } from '../runs/queue.model.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { enforceTimeLimits } from '../runs/time-limits.ts';
import type { ScheduleDoc } from '../schedules/schedule.model.ts';
import { Dispatcher } from './dispatcher.ts';

/**
 * The in-process HTTP executor stops a request the moment the server stops its attempt
 * (preemption, a time limit), not at its next heartbeat.
 */
let db: TestDatabase;
let target: http.Server;
let url: string;
const opened: http.IncomingMessage[] = [];
const closed = new Set<http.IncomingMessage>();
before(async () => {
  db = await useTestDatabase();
  await Promise.all([RunModel, ClaimModel, PlaceModel].map((m) => m.syncIndexes()));
  // A target that never answers: only an abort ends the request.
  target = http.createServer((req) => {
    opened.push(req);
    req.socket.on('close', () => closed.add(req));
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(target.address() as AddressInfo).port}/slow`;
});
after(async () => {
  target.closeAllConnections();
  await new Promise((r) => target.close(r));
  await db.close();
});

const log = createLogger('silent');
const dispatcher = () => new Dispatcher(new RequestThread(['127.0.0.1']), new ProgressTokens('k', () => ''), log);

async function queuedRun(limits: Partial<RunLimits>): Promise<RunDoc> {
  const schedule = {
    _id: new Types.ObjectId(),
    tenant_id: new Types.ObjectId(),
    name: 'slow target',
    target: { type: 'http', url, method: 'POST', headers: {}, timeout_ms: 60_000 },
    retry: { ...defaultRetry, max_attempts: 1 },
  } as unknown as ScheduleDoc;
  const now = new Date();
  const run = newRun(
    schedule,
    { key: `${Math.random()}`, nominalAt: now, trigger: 'schedule' },
    { status: 'queued' },
    now,
    {
      ...defaultLimits(),
      ...limits,
    },
  );
  await QueueModel.collection.insertOne(queueEntryFor(run));
  await RunModel.collection.insertOne(run);
  return run;
}
const load = async (r: RunDoc) => (await RunModel.findById(r._id).lean<RunDoc>())!;

async function inFlight(d: Dispatcher, run: RunDoc) {
  const before = opened.length;
  d.dispatch(run._id);
  await waitFor(async () => (opened.length > before ? true : undefined), 10_000, 'the request reaches the target');
  return opened[opened.length - 1]!;
}

test('a preempted HTTP run has its request aborted at once and is requeued', async () => {
  const d = dispatcher();
  const p = { profile_id: new Types.ObjectId(), max_concurrent: 1, allow_preemption: true };
  const low = await queuedRun({ ...p, priority: 1 });
  const req = await inFlight(d, low);
  const high = await queuedRun({ ...p, priority: 900 });
  assert.ok(await claimRun(high._id, 'elsewhere'), 'the high-priority run takes the place');
  await waitFor(async () => (closed.has(req) ? true : undefined), 3000, 'the request is aborted');
  await d.drain(5000);
  const requeued = await load(low);
  assert.equal(requeued.status, 'queued');
  assert.deepEqual(
    requeued.attempts.map((a) => a.status),
    ['preempted'],
  );
});

test('an HTTP run past its max runtime is aborted and recorded timed_out', async () => {
  const d = dispatcher();
  const run = await queuedRun({ max_runtime_ms: 60_000 });
  const req = await inFlight(d, run);
  // The sweep runs with a clock past the limit (no waiting in tests).
  assert.deepEqual(await enforceTimeLimits(new Date(Date.now() + 61_000)), { missed: 0, timed_out: 1 });
  await waitFor(async () => (closed.has(req) ? true : undefined), 3000, 'the request is aborted');
  await d.drain(5000);
  const ended = await load(run);
  assert.equal(ended.status, 'timed_out');
  assert.equal(ended.error?.code, 'max_runtime_exceeded');
});
