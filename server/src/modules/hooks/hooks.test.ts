import type { HookDelivery, HookEvent, LeasedRun, Run, Schedule, ScheduleError, WebhookSecret } from '@crony/shared';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { Webhook } from 'standardwebhooks';
import { fireDue } from '../scheduler/fire.ts';
import { DeliveryModel, HookClaimModel, HookQueueModel } from './delivery.model.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import {
  client,
  newTenant,
  startReceiver,
  startTestServer,
  waitFor,
  type Client,
  type ReceivedRequest,
  type TestServer,
} from '../../../test/support/server.ts';

type Receiver = Awaited<ReturnType<typeof startReceiver>>;

let server: TestServer;
let api: Client;
let other: Client;
const receivers: Receiver[] = [];
const ERRORS_LIMIT = 3;

before(async () => {
  server = await startTestServer({ scheduleErrorsLimit: ERRORS_LIMIT, hookRetryDelaysMs: [100, 100, 100, 100] });
  api = (await newTenant(server.url, 'Hooks')).api;
  other = (await newTenant(server.url, 'Other')).api;
});
after(async () => {
  for (const r of receivers) await r.close();
  await server.close();
});

async function receiver(status = 200): Promise<Receiver> {
  const r = await startReceiver(status);
  receivers.push(r);
  return r;
}

async function json<T>(res: Promise<Response>, status = 200): Promise<T> {
  const r = await res;
  const text = await r.text();
  assert.equal(r.status, status, text);
  return (text ? JSON.parse(text) : undefined) as T;
}

async function createSchedule(body: Record<string, unknown>): Promise<Schedule> {
  return json<Schedule>(api.post('/v1/schedules', { name: 'hooked', cron: '0 0 1 1 *', ...body }), 201);
}

const trigger = (s: Schedule) => json<Run>(api.post(`/v1/schedules/${s.id}/trigger`), 201);

async function finished(run: Run): Promise<Run> {
  return waitFor(
    async () => {
      const r = await json<Run>(api.get(`/v1/runs/${run.id}`));
      return ['succeeded', 'failed', 'timed_out'].includes(r.status) ? r : undefined;
    },
    30_000,
    `run ${run.id} to end`,
  );
}

async function settledDeliveries(run: Run, count: number): Promise<HookDelivery[]> {
  return waitFor(
    async () => {
      const d = await json<{ data: HookDelivery[] }>(api.get(`/v1/runs/${run.id}/deliveries`));
      return d.data.length >= count && d.data.every((x) => x.status !== 'pending') ? d.data : undefined;
    },
    30_000,
    'hook deliveries to settle',
  );
}

/**
 * The schedule once its `errors` hold `count` entries (and the newest is for `newestRun`): an
 * entry is written just after its run ends, so a client can see the run final a moment before.
 */
function withErrors(s: Schedule, count: number, newestRun?: string): Promise<Schedule> {
  return waitFor(
    async () => {
      const got = await json<Schedule>(api.get(`/v1/schedules/${s.id}`));
      const errors = got.errors ?? [];
      return errors.length >= count && (!newestRun || errors[0]?.run_id === newestRun) ? got : undefined;
    },
    15_000,
    `${count} errors entries`,
  );
}

const secret = () => json<WebhookSecret>(api.get('/v1/settings/webhooks'));

function verify(secretKey: string, req: ReceivedRequest): unknown {
  return new Webhook(secretKey).verify(req.body, req.headers as Record<string, string>);
}

const hook = (r: Receiver, path = '/hook') => ({ type: 'http', url: `${r.url}${path}` });

/** Registers a worker of the tenant and returns a caller of the worker protocol with its credential. */
function registeredWorker(name: string) {
  return registeredWorkerWithLabels(name, {});
}

async function registeredWorkerWithLabels(name: string, labels: Record<string, string>) {
  const wt = await json<{ token: string }>(api.post('/v1/worker-tokens', { name, labels }), 201);
  const reg = await json<{ credential: string }>(
    fetch(`${server.url}/v1/workers/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token: wt.token, name, version: 'test' }),
    }),
    201,
  );
  return (path: string, body: unknown) =>
    fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.credential}` },
      body: JSON.stringify(body),
    });
}

describe('hooks', () => {
  test('progress events reach the progress hook in order, each validly signed', async () => {
    const hookRx = await receiver();
    // A target that reports progress 10, 40, 70, 100 through its callback, then answers 200.
    const target = http.createServer((req, res) => {
      req.resume();
      void (async () => {
        for (const percent of [10, 40, 70, 100]) {
          const r = await fetch(String(req.headers['x-crony-progress-url']), {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              authorization: `Bearer ${String(req.headers['x-crony-progress-token'])}`,
            },
            body: JSON.stringify({ percent, message: `at ${percent}` }),
          });
          assert.equal(r.status, 204);
        }
        res.writeHead(200).end('done');
      })();
    });
    await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
    after(() => {
      target.closeAllConnections();
      target.close();
    });
    const s = await createSchedule({
      target: { type: 'http', url: `http://127.0.0.1:${(target.address() as AddressInfo).port}/work` },
      progress_hook: hook(hookRx),
    });
    assert.deepEqual(s.progress_hook, { type: 'http', url: `${hookRx.url}/hook`, headers: {}, timeout_ms: 10_000 });
    const run = await finished(await trigger(s));
    assert.equal(run.status, 'succeeded');
    const deliveries = await settledDeliveries(run, 1);
    // The last report is always delivered; earlier ones are delivered or superseded, never reordered.
    await waitFor(async () => (hookRx.requests.some((q) => q.body.includes('"percent":100')) ? true : undefined));
    const { secret: key } = await secret();
    const events = hookRx.requests.map((q) => verify(key, q) as HookEvent);
    const percents = events.map((e) => e.progress!.percent);
    assert.equal(percents.at(-1), 100);
    assert.deepEqual(
      percents,
      [...percents].sort((a, b) => a - b),
      'delivered in order',
    );
    assert.equal(new Set(percents).size, percents.length, 'no event twice');
    for (const e of events) {
      assert.equal(e.type, 'run.progress');
      assert.equal(e.run_id, run.id);
      assert.equal(e.schedule_id, s.id);
      assert.equal(e.schedule_name, 'hooked');
      assert.equal(e.attempt, 1);
    }
    for (const d of deliveries) assert.ok(['succeeded', 'superseded'].includes(d.status), d.status);
    assert.equal(deliveries.filter((d) => d.status === 'succeeded').length, percents.length);
  });

  test('the error hook gets one event per failed attempt, with the details; errors records the failed run', async () => {
    const target = await receiver(500);
    const errorRx = await receiver();
    const successRx = await receiver();
    const s = await createSchedule({
      target: { type: 'http', url: `${target.url}/fails` },
      retry: { max_attempts: 2, initial_interval: '1s' },
      error_hook: hook(errorRx),
      success_hook: hook(successRx),
    });
    const run = await finished(await trigger(s));
    assert.equal(run.status, 'failed');
    await settledDeliveries(run, 2);
    const { secret: key } = await secret();
    const events = errorRx.requests.map((q) => verify(key, q) as HookEvent);
    assert.deepEqual(
      events.map((e) => [e.type, e.attempt, e.final, e.error?.code, e.error?.http_status]),
      [
        ['run.failed', 1, false, 'http_status', 500],
        ['run.failed', 2, true, 'http_status', 500],
      ],
    );
    assert.match(events[1]!.error!.message, /HTTP 500/);
    assert.match(events[1]!.executor ?? '', /^server:/);
    assert.equal(successRx.requests.length, 0);
    // Deliveries are deduplicable: one webhook-id per event.
    assert.equal(new Set(errorRx.requests.map((q) => q.headers['webhook-id'])).size, 2);

    const got = await withErrors(s, 1);
    assert.equal(got.errors?.length, 1, 'one entry per failed run, not per attempt');
    assert.deepEqual((({ run_id, attempt, code, status }) => ({ run_id, attempt, code, status }))(got.errors![0]!), {
      run_id: run.id,
      attempt: 2,
      code: 'http_status',
      status: 'failed',
    });
    assert.match(got.errors![0]!.worker ?? '', /^server:/);
  });

  test('errors are bounded, newest first, filterable tenant-wide, and cleared by members', async () => {
    const target = await receiver(503);
    const s = await createSchedule({
      target: { type: 'http', url: `${target.url}/down` },
      retry: { max_attempts: 1 },
    });
    const runs: Run[] = [];
    for (let i = 0; i < ERRORS_LIMIT + 2; i++) runs.push(await finished(await trigger(s)));
    const got = await withErrors(s, ERRORS_LIMIT, runs.at(-1)!.id);
    assert.deepEqual(
      got.errors!.map((e) => e.run_id),
      runs
        .map((r) => r.id)
        .reverse()
        .slice(0, ERRORS_LIMIT),
      'the newest entries, newest first',
    );
    const list = await json<{ data: Schedule[] }>(api.get('/v1/schedules'));
    assert.equal(list.data[0]!.errors, undefined, 'lists stay light');

    const page1 = await json<{ data: ScheduleError[]; next_cursor: string }>(
      api.get(`/v1/errors?schedule_id=${s.id}&code=http_status&limit=2`),
    );
    assert.equal(page1.data.length, 2);
    const page2 = await json<{ data: ScheduleError[]; next_cursor: null }>(
      api.get(`/v1/errors?schedule_id=${s.id}&code=http_status&limit=2&cursor=${page1.next_cursor}`),
    );
    assert.equal(page2.data.length, ERRORS_LIMIT - 2);
    assert.equal(page2.next_cursor, null);
    const none = await json<{ data: ScheduleError[] }>(api.get(`/v1/errors?schedule_id=${s.id}&code=missed`));
    assert.equal(none.data.length, 0);
    const future = await json<{ data: ScheduleError[] }>(
      api.get(`/v1/errors?schedule_id=${s.id}&from=${new Date(Date.now() + 3600_000).toISOString()}`),
    );
    assert.equal(future.data.length, 0);
    const bad = await api.get('/v1/errors?from=yesterday');
    assert.equal(bad.status, 400);

    // Another tenant sees nothing and cannot clear them.
    assert.equal((await json<{ data: ScheduleError[] }>(other.get('/v1/errors'))).data.length, 0);
    assert.equal((await other.delete(`/v1/schedules/${s.id}/errors`)).status, 404);
    assert.equal((await json<Schedule>(api.get(`/v1/schedules/${s.id}`))).errors!.length, ERRORS_LIMIT);

    assert.equal((await api.delete(`/v1/schedules/${s.id}/errors`)).status, 204);
    assert.deepEqual((await json<Schedule>(api.get(`/v1/schedules/${s.id}`))).errors, []);
  });

  test('a failing hook receiver is retried and never changes the run', async () => {
    const target = await receiver(200);
    const successRx = await receiver(500);
    const s = await createSchedule({
      target: { type: 'http', url: `${target.url}/ok` },
      success_hook: hook(successRx),
    });
    const run = await finished(await trigger(s));
    await waitFor(async () => (successRx.requests.length >= 2 ? true : undefined));
    successRx.setStatus(200);
    const [d] = await settledDeliveries(run, 1);
    assert.equal(d!.status, 'succeeded');
    assert.ok(d!.attempts.length >= 3, `${d!.attempts.length} tries`);
    assert.equal(d!.attempts[0]!.http_status, 500);
    assert.equal(d!.attempts.at(-1)!.http_status, 200);
    assert.equal(d!.attempts.at(-1)!.error, null);
    assert.ok(d!.attempts.every((a) => a.latency_ms >= 0));
    assert.equal(new Set(successRx.requests.map((q) => q.headers['webhook-id'])).size, 1, 'one id across retries');
    assert.equal((await json<Run>(api.get(`/v1/runs/${run.id}`))).status, 'succeeded');
    assert.equal((await json<Schedule>(api.get(`/v1/schedules/${s.id}`))).errors!.length, 0);
  });

  test('an error hook that cannot be delivered is recorded as hook_failed, once, without a loop', async () => {
    const target = await receiver(500);
    const errorRx = await receiver(502);
    const s = await createSchedule({
      target: { type: 'http', url: `${target.url}/x` },
      retry: { max_attempts: 1 },
      error_hook: hook(errorRx),
    });
    const run = await finished(await trigger(s));
    const [d] = await settledDeliveries(run, 1);
    assert.equal(d!.status, 'failed');
    assert.equal(d!.attempts.length, 5);
    assert.equal(errorRx.requests.length, 5);
    const got = await withErrors(s, 2);
    assert.deepEqual(got.errors!.map((e) => e.code).sort(), ['hook_failed', 'http_status']);
    assert.equal(run.status, 'failed');
    const deliveries = await json<{ data: HookDelivery[] }>(api.get(`/v1/runs/${run.id}/deliveries`));
    assert.equal(deliveries.data.length, 1, 'hook_failed sends nothing');
    assert.equal((await other.get(`/v1/runs/${run.id}/deliveries`)).status, 404);
  });

  test('a worker’s progress reports and failed command reach the hooks, with the exit code', async () => {
    const progressRx = await receiver();
    const errorRx = await receiver();
    const s = await createSchedule({
      target: { type: 'command', command: ['false'] },
      retry: { max_attempts: 1 },
      progress_hook: hook(progressRx),
      error_hook: hook(errorRx),
    });
    const worker = await registeredWorker('hooks-worker');
    const run = await trigger(s);
    const leased = await waitFor(async () => {
      const r = await worker('/v1/worker/lease', { wait_ms: 0 });
      return r.status === 200 ? ((await r.json()) as { run_id: string; lease_id: string; epoch: number }) : undefined;
    });
    assert.equal(leased.run_id, run.id);
    const ref = { lease_id: leased.lease_id, epoch: leased.epoch };
    for (const progress of [
      { percent: 20, message: 'a' },
      { percent: 20, message: 'a' }, // a repeat is not a new event
      { percent: 60, message: 'b' },
    ]) {
      assert.equal((await worker(`/v1/worker/runs/${run.id}/heartbeat`, { ...ref, progress })).status, 200);
    }
    const done = await worker(`/v1/worker/runs/${run.id}/complete`, {
      ...ref,
      status: 'failed',
      exit_code: 1,
      error: { code: 'exit_code', message: 'the command exited with code 1' },
    });
    assert.equal(done.status, 200);
    await settledDeliveries(run, 2);
    const { secret: key } = await secret();
    await waitFor(async () => (progressRx.requests.some((q) => q.body.includes('"percent":60')) ? true : undefined));
    const percents = progressRx.requests.map((q) => (verify(key, q) as HookEvent).progress!.percent);
    assert.ok(
      JSON.stringify(percents) === '[20,60]' || JSON.stringify(percents) === '[60]',
      `in order, no repeats: ${JSON.stringify(percents)}`,
    );
    const failed = errorRx.requests.map((q) => verify(key, q) as HookEvent);
    assert.equal(failed.length, 1);
    assert.deepEqual(failed[0]!.error, {
      code: 'exit_code',
      message: 'the command exited with code 1',
      http_status: null,
      exit_code: 1,
    });
    assert.match(failed[0]!.executor ?? '', /^worker:/);
    const got = await withErrors(s, 1);
    assert.match(got.errors![0]!.worker ?? '', /^worker:/);
  });

  test('a command error hook runs on a worker with the event on stdin and in env, outside the schedule’s stats', async () => {
    const target = await receiver(500);
    const s = await createSchedule({
      target: { type: 'http', url: `${target.url}/fails` },
      retry: { max_attempts: 1 },
      error_hook: { type: 'command', command: ['/usr/local/bin/notify'], env: { TEAM: 'ops' } },
    });
    assert.equal(s.error_hook?.type, 'command');
    const w = await registeredWorker('command-hooks');
    const run = await finished(await trigger(s));
    assert.equal(run.status, 'failed');

    const leased = await waitFor(async () => {
      const r = await w('/v1/worker/lease', { wait_ms: 0 });
      return r.status === 200 ? ((await r.json()) as LeasedRun) : undefined;
    });
    const event = JSON.parse(leased.stdin!) as HookEvent;
    assert.equal(event.type, 'run.failed');
    assert.equal(event.run_id, run.id);
    assert.equal(event.error?.http_status, 500);
    assert.deepEqual(leased.target.command, ['/usr/local/bin/notify']);
    assert.equal(leased.target.env.CRONY_EVENT, leased.stdin);
    assert.equal(leased.target.env.CRONY_EVENT_TYPE, 'run.failed');
    assert.equal(leased.target.env.CRONY_RUN_ID, run.id);
    assert.equal(leased.target.env.TEAM, 'ops');
    const hookRun = await json<Run>(api.get(`/v1/runs/${leased.run_id}`));
    assert.equal(hookRun.trigger, 'hook');
    assert.equal(hookRun.parent_run_id, run.id);

    // The first try fails; the hook run is retried like any run, and the delivery log shows both tries.
    const ref = { lease_id: leased.lease_id, epoch: leased.epoch };
    const fail = { status: 'failed', exit_code: 2, error: { code: 'exit_code', message: 'exited with code 2' } };
    assert.equal((await w(`/v1/worker/runs/${leased.run_id}/complete`, { ...ref, ...fail })).status, 200);
    const retry = await waitFor(
      async () => {
        const r = await w('/v1/worker/lease', { wait_ms: 0 });
        return r.status === 200 ? ((await r.json()) as LeasedRun) : undefined;
      },
      20_000,
      'the hook run’s second attempt',
    );
    assert.equal(retry.run_id, leased.run_id);
    assert.equal(retry.attempt, 2);
    const ok = { lease_id: retry.lease_id, epoch: retry.epoch, status: 'succeeded', exit_code: 0 };
    assert.equal((await w(`/v1/worker/runs/${retry.run_id}/complete`, ok)).status, 200);

    const [d] = await settledDeliveries(run, 1);
    assert.equal(d!.status, 'succeeded');
    assert.equal(d!.hook_run_id, leased.run_id);
    assert.deepEqual(d!.command, ['/usr/local/bin/notify']);
    assert.deepEqual(
      d!.attempts.map((a) => a.error),
      ['exited with code 2', null],
    );
    const got = await withErrors(s, 1);
    assert.deepEqual(
      got.errors!.map((e) => e.code),
      ['http_status'],
      'the hook run is in no errors',
    );
    assert.equal(got.stats.runs, 1, 'the hook run is not one of the schedule’s runs');
    assert.equal(got.last_run?.id, run.id);
    const hookDeliveries = await json<{ data: HookDelivery[] }>(api.get(`/v1/runs/${leased.run_id}/deliveries`));
    assert.equal(hookDeliveries.data.length, 0, 'a hook run emits no events');
  });

  test('cancelling a command hook’s run gives its delivery up, without an errors entry', async () => {
    const s = await createSchedule({
      target: { type: 'command', command: ['true'], labels: { pool: 'none' } },
      success_hook: { type: 'command', command: ['notify'], labels: { pool: 'nobody-has-this' } },
    });
    const run = await trigger(s);
    // The main run succeeds on a worker with its label; no worker carries the hook's label.
    const pool = await registeredWorkerWithLabels('pool-none', { pool: 'none' });
    const leased = await waitFor(async () => {
      const r = await pool('/v1/worker/lease', { wait_ms: 0 });
      return r.status === 200 ? ((await r.json()) as LeasedRun) : undefined;
    });
    assert.equal(leased.run_id, run.id);
    const done = { lease_id: leased.lease_id, epoch: leased.epoch, status: 'succeeded', exit_code: 0 };
    assert.equal((await pool(`/v1/worker/runs/${run.id}/complete`, done)).status, 200);
    const pending = await waitFor(async () => {
      const d = await json<{ data: HookDelivery[] }>(api.get(`/v1/runs/${run.id}/deliveries`));
      return d.data[0]?.hook_run_id ? d.data[0] : undefined;
    });
    assert.equal(pending.status, 'pending');
    await json<Run>(api.post(`/v1/runs/${pending.hook_run_id}/cancel`));
    const [d] = await settledDeliveries(run, 1);
    assert.equal(d!.status, 'failed');
    assert.equal(d!.attempts.at(-1)!.error, 'the hook run was cancelled');
    assert.deepEqual((await json<Schedule>(api.get(`/v1/schedules/${s.id}`))).errors, []);
  });

  test('a progress hook must be http', async () => {
    const res = await api.post('/v1/schedules', {
      name: 'progress by command',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: 'https://example.com/' },
      progress_hook: { type: 'command', command: ['true'] },
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    assert.equal(body.error.code, 'validation_failed');
    assert.equal(body.error.details[0]!.path, 'progress_hook.type');
  });

  test('a missed slot goes to the missed hook and into errors', async () => {
    const missedRx = await receiver();
    const s = await createSchedule({
      target: { type: 'http', url: 'https://example.com/never' },
      misfire_policy: 'skip',
      missed_hook: hook(missedRx),
    });
    // The scheduler was down at the slot: it is ten minutes overdue when fired.
    const slot = new Date(Date.now() - 600_000);
    await ScheduleModel.updateOne({ _id: new Types.ObjectId(s.id) }, { $set: { next_run_at: slot } });
    await fireDue({ _id: new Types.ObjectId(s.id), next_run_at: slot }, new Date());
    const runs = await json<{ data: Run[] }>(api.get(`/v1/schedules/${s.id}/runs`));
    assert.deepEqual(
      runs.data.map((r) => [r.status, r.reason]),
      [['missed', 'misfire']],
    );
    const [d] = await settledDeliveries(runs.data[0]!, 1);
    assert.equal(d!.status, 'succeeded');
    const e = verify((await secret()).secret, missedRx.requests[0]!) as HookEvent;
    assert.equal(e.type, 'run.missed');
    assert.equal(e.nominal_at, slot.toISOString());
    assert.equal(e.error?.code, 'missed');
    const got = await withErrors(s, 1);
    assert.deepEqual(
      got.errors!.map((x) => [x.code, x.status, x.run_id, x.nominal_at]),
      [['missed', 'missed', runs.data[0]!.id, slot.toISOString()]],
    );
  });

  test('a delivery left mid-try by a process that died is taken up again and delivered once', async () => {
    const rx = await receiver();
    const s = await createSchedule({ target: { type: 'http', url: 'https://example.com/x' } });
    const me = await json<{ tenant: { id: string } }>(api.get('/v1/me'));
    const id = `evt_crash_${Date.now()}`;
    const at = new Date(Date.now() - 120_000);
    const runId = new Types.ObjectId();
    const event: HookEvent = {
      id,
      type: 'run.succeeded',
      tenant_id: me.tenant.id,
      run_id: runId.toHexString(),
      schedule_id: s.id,
      schedule_name: s.name,
      nominal_at: at.toISOString(),
      attempt: 1,
      max_attempts: 1,
      status: 'succeeded',
      final: true,
      progress: null,
      error: null,
      executor: 'server:gone:1',
      at: at.toISOString(),
    };
    // As a crashed process leaves it: claimed at epoch 1, locked until a minute ago, never finished.
    await DeliveryModel.create({
      _id: id,
      tenant_id: new Types.ObjectId(me.tenant.id),
      run_id: runId,
      schedule_id: new Types.ObjectId(s.id),
      hook: 'success_hook',
      target: { type: 'http', url: `${rx.url}/late`, headers: {}, timeout_ms: 5000 },
      event,
      status: 'pending',
      attempts: [],
      next_attempt_at: at,
      created_at: at,
    });
    await HookClaimModel.create({ _id: `${id}:1`, at });
    await HookQueueModel.create({
      _id: id,
      lane: id,
      seq: at.getTime(),
      available_at: at,
      epoch: 1,
      locked_until: new Date(Date.now() - 60_000),
    });
    const delivered = await waitFor(async () => {
      const d = await DeliveryModel.findById(id).lean();
      return d?.status === 'succeeded' ? d : undefined;
    });
    assert.equal(delivered.attempts.length, 1);
    assert.equal(rx.requests.length, 1);
    assert.equal(rx.requests[0]!.headers['webhook-id'], id);
    assert.deepEqual(verify((await secret()).secret, rx.requests[0]!), event);
    assert.equal(await HookQueueModel.countDocuments({ _id: id }), 0, 'done deliveries leave the queue');
  });

  test('hook URLs are checked like targets', async () => {
    const res = await api.post('/v1/schedules', {
      name: 'meta',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: 'https://example.com/' },
      error_hook: { type: 'http', url: 'http://169.254.169.254/latest/meta-data' },
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { error: { code: string; details: { path: string }[] } };
    assert.equal(body.error.code, 'target_not_allowed');
    assert.equal(body.error.details[0]!.path, 'error_hook.url');
    const ftp = await api.post('/v1/schedules', {
      name: 'ftp',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: 'https://example.com/' },
      progress_hook: { type: 'http', url: 'ftp://example.com/' },
    });
    assert.equal(ftp.status, 400);
  });
});

describe('signed webhooks', () => {
  test('HTTP targets are signed with the tenant secret; the Python recipes in the README verify them', async (t) => {
    const target = await receiver(200);
    const s = await createSchedule({ target: { type: 'http', url: `${target.url}/t`, body: '{"job":"nightly"}' } });
    const run = await finished(await trigger(s));
    const req = target.requests.at(-1)!;
    const { secret: key } = await secret();
    assert.ok(key.startsWith('whsec_'));
    assert.deepEqual(verify(key, req), { job: 'nightly' });
    assert.equal(req.headers['webhook-id'], `run_${run.id}_1`);
    assert.throws(() => verify(`whsec_${Buffer.alloc(32, 1).toString('base64')}`, req), /signature/i);
    const tampered = { ...req, body: '{"job":"other"}' };
    assert.throws(() => verify(key, tampered));
    assert.equal(pythonVerify(key, req), 'ok');
    assert.equal(pythonVerify(key, tampered), 'bad signature');
    // The PyPI `standardwebhooks` recipe too, where that package is installed (CRONY_TEST_PYTHON
    // may name a Python that has it).
    if (pythonHasLibrary()) {
      assert.equal(pythonVerify(key, req, LIBRARY_RECIPE), 'ok');
      assert.match(pythonVerify(key, tampered, LIBRARY_RECIPE), /signature/i);
    } else t.diagnostic('Python standardwebhooks not installed: only the hand-written recipe was checked');
  });

  test('rotation: a new secret, the old one still signs for 24 h; members and viewers are refused', async () => {
    const before = await secret();
    assert.equal(before.previous_valid_until, null);
    const rotated = await json<WebhookSecret>(api.post('/v1/settings/webhooks/rotate'));
    assert.notEqual(rotated.secret, before.secret);
    const grace = new Date(rotated.previous_valid_until!).getTime() - new Date(rotated.created_at).getTime();
    assert.equal(grace, 24 * 3600_000);
    assert.deepEqual(await secret(), rotated);

    const target = await receiver(200);
    const s = await createSchedule({ target: { type: 'http', url: `${target.url}/r`, body: '{}' } });
    await finished(await trigger(s));
    const req = target.requests.at(-1)!;
    assert.equal(String(req.headers['webhook-signature']).split(' ').length, 2);
    verify(rotated.secret, req);
    verify(before.secret, req);

    for (const role of ['member', 'viewer']) {
      const { token } = await json<{ token: string }>(api.post('/v1/tokens', { name: role, role }), 201);
      const limited = client(server.url, token);
      assert.equal((await limited.get('/v1/settings/webhooks')).status, 403);
      const refused = await limited.post('/v1/settings/webhooks/rotate');
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'forbidden');
    }
    assert.equal((await secret()).secret, rotated.secret, 'the refused rotations changed nothing');
    const theirs = await json<WebhookSecret>(other.get('/v1/settings/webhooks'));
    assert.notEqual(theirs.secret, rotated.secret, 'each tenant has its own secret');
  });
});

const python = process.env.CRONY_TEST_PYTHON ?? 'python3';

function pythonHasLibrary(): boolean {
  try {
    execFileSync(python, ['-c', 'import standardwebhooks'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The README's recipe with the PyPI package. */
const LIBRARY_RECIPE = `
import json, sys
from standardwebhooks.webhooks import Webhook

data = json.load(sys.stdin)
try:
    Webhook(data["secret"]).verify(data["body"].encode(), data["headers"])
    print("ok")
except Exception as e:
    print(e)
`;

/** The README's hand-written recipe (hmac only). */
const HMAC_RECIPE = `
import base64, hashlib, hmac, json, sys, time

def verify(secret, headers, body):
    key = base64.b64decode(secret.removeprefix("whsec_"))
    msg_id, ts = headers["webhook-id"], headers["webhook-timestamp"]
    if abs(time.time() - int(ts)) > 300:
        raise ValueError("timestamp too old")
    signed = f"{msg_id}.{ts}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    for sig in headers["webhook-signature"].split(" "):
        version, _, value = sig.partition(",")
        if version == "v1" and hmac.compare_digest(value, expected):
            return json.loads(body)
    raise ValueError("bad signature")

data = json.load(sys.stdin)
try:
    verify(data["secret"], data["headers"], data["body"].encode())
    print("ok")
except ValueError as e:
    print(e)
`;

/** Runs a Python verification recipe against a real signed request. */
function pythonVerify(secretKey: string, req: ReceivedRequest, script = HMAC_RECIPE): string {
  return execFileSync(python, ['-c', script], {
    input: JSON.stringify({ secret: secretKey, headers: req.headers, body: req.body }),
  })
    .toString()
    .trim();
}
