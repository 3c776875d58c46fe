import type { CreatedWorkerToken, LeasedRun, RegisteredWorker, Run, RunLogs, Schedule, Worker } from '@crony/shared';
import assert from 'node:assert/strict';
import mongoose from 'mongoose';
import { after, before, describe, test } from 'node:test';
import { newTenant, startTestServer, waitFor, type Client, type TestServer } from '../../../test/support/server.ts';
import { onQueueNotice, type QueueNotice } from '../runs/queue-notices.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { leaseFor } from './protocol.service.ts';
import { WorkerModel, type WorkerDoc } from './worker.model.ts';

let server: TestServer;
let a: Client;
let b: Client;
before(async () => {
  server = await startTestServer();
  a = (await newTenant(server.url, 'Workers A')).api;
  b = (await newTenant(server.url, 'Workers B')).api;
});
after(() => server.close());

/** The worker side of the protocol, spoken directly (the `crony worker` process is tested elsewhere). */
function asWorker(credential: string) {
  const call = async (path: string, body: unknown) => {
    const res = await fetch(server.url + path, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${credential}` },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: res.status === 204 ? null : ((await res.json()) as unknown) };
  };
  return {
    lease: (wait_ms = 0) => call('/v1/worker/lease', { wait_ms }),
    heartbeat: (run: string, body: unknown) => call(`/v1/worker/runs/${run}/heartbeat`, body),
    complete: (run: string, body: unknown) => call(`/v1/worker/runs/${run}/complete`, body),
    drain: () => call('/v1/worker/drain', {}),
    online: (body: unknown) => call('/v1/worker/online', body),
  };
}

/** Polls for a lease until one comes (the run may still be on its way into the queue). */
const nextLease = (w: ReturnType<typeof asWorker>, what: string) =>
  waitFor(
    async () => {
      const r = await w.lease(0);
      return r.status === 200 ? (r.body as LeasedRun) : undefined;
    },
    10_000,
    what,
  );

async function register(api: Client, labels: Record<string, string> = {}) {
  const token = (await (await api.post('/v1/worker-tokens', { name: 'test', labels })).json()) as CreatedWorkerToken;
  assert.match(token.command, /npm run worker -- --api http:\/\/127\.0\.0\.1:\d+ --token crony_wr_/);
  const res = await fetch(`${server.url}/v1/workers/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: token.token, name: `w-${Math.random().toString(36).slice(2, 6)}`, version: 'test' }),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as RegisteredWorker;
}

async function commandRun(api: Client, labels: Record<string, string> = {}): Promise<Run> {
  const s = (await (
    await api.post('/v1/schedules', {
      name: 'cmd',
      cron: '0 0 1 1 *',
      retry: { max_attempts: 2, initial_interval: '1s' },
      target: { type: 'command', command: ['echo', 'hi'], labels },
    })
  ).json()) as Schedule;
  return (await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run;
}

describe('worker protocol', () => {
  test('a worker leases a command run, reports progress and output, and completes it', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    const run = await commandRun(a);
    const leased = await nextLease(w, 'a lease');
    assert.equal(leased.run_id, run.id);
    assert.deepEqual(leased.target.command, ['echo', 'hi']);
    const ref = { lease_id: leased.lease_id, epoch: leased.epoch };

    const hb = await w.heartbeat(run.id, {
      ...ref,
      progress: { percent: 40, message: 'warming up' },
      output: [{ stream: 'stdout', text: 'hi\n' }],
    });
    assert.equal(hb.status, 200);
    let fresh = (await (await a.get(`/v1/runs/${run.id}`)).json()) as Run;
    assert.equal(fresh.status, 'running');
    assert.deepEqual([fresh.progress?.percent, fresh.progress?.message], [40, 'warming up']);

    const done = await w.complete(run.id, {
      ...ref,
      status: 'succeeded',
      exit_code: 0,
      output: [{ stream: 'stderr', text: 'bye\n' }],
    });
    assert.equal(done.status, 200);
    fresh = (await (await a.get(`/v1/runs/${run.id}`)).json()) as Run;
    assert.equal(fresh.status, 'succeeded');
    assert.equal(fresh.exit_code, 0);
    assert.equal(fresh.attempts[0]?.executor, `worker:${reg.worker_id}`);
    const logs = (await (await a.get(`/v1/runs/${run.id}/logs`)).json()) as RunLogs;
    assert.deepEqual(
      logs.data.map((l) => [l.stream, l.text]),
      [
        ['stdout', 'hi\n'],
        ['stderr', 'bye\n'],
      ],
    );
    const workers = (await (await a.get('/v1/workers')).json()) as { data: Worker[] };
    assert.equal(workers.data.find((x) => x.id === reg.worker_id)?.state, 'online');
  });

  test('a run leased and then completed, with nothing written between, is read once: by its claim', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    const run = await commandRun(a);
    const reads: string[] = [];
    mongoose.set('debug', (coll: string, method: string, filter: unknown) => {
      if (coll === 'runs' && method.startsWith('find') && String((filter as { _id?: unknown })?._id) === run.id) {
        reads.push(method);
      }
    });
    try {
      const leased = await nextLease(w, 'a lease');
      assert.equal(reads.length, 1, 'the claim reads the run once');
      const done = await w.complete(run.id, {
        lease_id: leased.lease_id,
        epoch: leased.epoch,
        status: 'succeeded',
        exit_code: 0,
      });
      assert.equal(done.status, 200);
    } finally {
      mongoose.set('debug', false);
    }
    assert.equal(reads.length, 1, 'the result reads nothing: the claim kept the run as it stored it');
    const fresh = (await (await a.get(`/v1/runs/${run.id}`)).json()) as Run;
    assert.equal(fresh.status, 'succeeded');
    assert.equal(fresh.attempts.length, 1);
    assert.equal(fresh.attempts[0]?.status, 'succeeded');
    assert.equal(fresh.attempts[0]?.executor, `worker:${reg.worker_id}`);
  });

  test('a report with an old epoch or another lease is refused with 409 and changes nothing', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    const run = await commandRun(a);
    const leased = await nextLease(w, 'a lease');
    const stale = await w.complete(run.id, {
      lease_id: leased.lease_id,
      epoch: leased.epoch + 1,
      status: 'succeeded',
      exit_code: 0,
    });
    assert.equal(stale.status, 409);
    const foreign = await w.heartbeat(run.id, { lease_id: 'not-mine', epoch: leased.epoch });
    assert.equal(foreign.status, 409);
    assert.equal(((await (await a.get(`/v1/runs/${run.id}`)).json()) as Run).status, 'running');
    await w.complete(run.id, { lease_id: leased.lease_id, epoch: leased.epoch, status: 'succeeded', exit_code: 0 });
  });

  test('a failed attempt is retried and the worker sees the next epoch', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    const run = await commandRun(a);
    const first = await nextLease(w, 'a lease');
    await w.complete(run.id, {
      lease_id: first.lease_id,
      epoch: first.epoch,
      status: 'failed',
      exit_code: 3,
      error: { code: 'exit_code', message: 'exited with code 3' },
    });
    const second = await nextLease(w, 'the retry');
    assert.equal(second.run_id, run.id);
    assert.equal(second.attempt, 2);
    assert.ok(second.epoch > first.epoch);
    await w.complete(run.id, { lease_id: second.lease_id, epoch: second.epoch, status: 'succeeded', exit_code: 0 });
    const fresh = (await (await a.get(`/v1/runs/${run.id}`)).json()) as Run;
    assert.deepEqual(
      fresh.attempts.map((x) => x.status),
      ['failed', 'succeeded'],
    );
  });

  test('a trigger and a retry are announced to the lease requests as they are queued, the retry when due', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    const notices: QueueNotice[] = [];
    const stop = onQueueNotice((n) => notices.push(n));
    try {
      const run = await commandRun(a);
      const queued = notices.flatMap((n) => (n.kind === 'queued' ? [n.entry] : []));
      assert.deepEqual(
        queued.map((e) => [e._id.toHexString(), e.status, e.target_type]),
        [[run.id, 'queued', 'command']],
        'the trigger, once its run is recorded',
      );
      const first = await nextLease(w, 'a lease');
      notices.length = 0;
      const failedAt = Date.now();
      await w.complete(run.id, { lease_id: first.lease_id, epoch: first.epoch, status: 'failed', exit_code: 1 });
      const retry = notices.flatMap((n) => (n.kind === 'queued' ? [n.entry] : []));
      assert.equal(retry.length, 1, 'the requeue as the next attempt');
      assert.equal(retry[0]!.epoch, first.epoch + 1);
      assert.ok(retry[0]!.available_at.getTime() >= failedAt + 1000, 'after its backoff of 1s');
      const second = await nextLease(w, 'the retry');
      await w.complete(run.id, { lease_id: second.lease_id, epoch: second.epoch, status: 'succeeded', exit_code: 0 });
    } finally {
      stop();
    }
  });

  test("a run triggered after a lease found nothing joins the server's list at once: the next lease takes it", async () => {
    // A tenant of its own, so that the first lease finds nothing and the list read for it is empty.
    const { api } = await newTenant(server.url, 'Workers wake');
    const w = asWorker((await register(api)).credential);
    assert.equal((await w.lease(0)).status, 204);
    const run = await commandRun(api);
    // The empty list is trusted for a second: only the trigger's announcement puts the run in it.
    const res = await w.lease(0);
    assert.equal(res.status, 200, 'the run is in the list the first lease read');
    const leased = res.body as LeasedRun;
    assert.equal(leased.run_id, run.id);
    await w.complete(run.id, { lease_id: leased.lease_id, epoch: leased.epoch, status: 'succeeded', exit_code: 0 });
  });

  test('a lease request waiting for work takes a run triggered meanwhile', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    const waiting = w.lease(20_000);
    await new Promise((r) => setTimeout(r, 300)); // it has looked once and waits
    const run = await commandRun(a);
    const res = await waiting;
    assert.equal(res.status, 200);
    const leased = res.body as LeasedRun;
    assert.equal(leased.run_id, run.id);
    await w.complete(run.id, { lease_id: leased.lease_id, epoch: leased.epoch, status: 'succeeded', exit_code: 0 });
  });

  test("a worker never receives another tenant's runs, nor runs whose labels it lacks", async () => {
    const regA = await register(a, { os: 'linux' });
    const w = asWorker(regA.credential);
    const bRun = await commandRun(b);
    const gpuRun = await commandRun(a, { gpu: 'yes' });
    const res = await w.lease(1500);
    assert.equal(res.status, 204, `leased ${JSON.stringify(res.body)}`);
    assert.equal(((await (await b.get(`/v1/runs/${bRun.id}`)).json()) as Run).status, 'queued');
    assert.equal(((await (await a.get(`/v1/runs/${gpuRun.id}`)).json()) as Run).status, 'queued');
    // Tenant B's view of workers does not include A's.
    const bWorkers = (await (await b.get('/v1/workers')).json()) as { data: Worker[] };
    assert.equal(
      bWorkers.data.some((x) => x.id === regA.worker_id),
      false,
    );
    assert.equal((await b.delete(`/v1/workers/${regA.worker_id}`)).status, 404);
    // Clean up so later tests' workers do not pick these up.
    await a.post(`/v1/runs/${gpuRun.id}/cancel`);
    await b.post(`/v1/runs/${bRun.id}/cancel`);
  });

  test('a revoked worker is refused at once, also while it waits for work', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    const waiting = w.lease(10_000);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await a.delete(`/v1/workers/${reg.worker_id}`)).status, 204);
    const res = await waiting;
    assert.equal(res.status, 401);
    assert.equal((await w.lease(0)).status, 401);
    const list = (await (await a.get('/v1/workers')).json()) as { data: Worker[] };
    assert.equal(list.data.find((x) => x.id === reg.worker_id)?.state, 'revoked');
  });

  test('a draining worker is given no new run, from its next request on', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    assert.equal((await w.lease(0)).status, 204); // its credential was looked up (and may be kept)
    assert.equal((await w.drain()).status, 204);
    const run = await commandRun(a);
    assert.equal((await w.lease(1000)).status, 204, 'no work for a draining worker');
    assert.equal(((await (await a.get(`/v1/runs/${run.id}`)).json()) as Run).status, 'queued');
    await a.post(`/v1/runs/${run.id}/cancel`);
  });

  test("a drain answers the worker's waiting lease requests at once, with no run", async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    // Waiting far longer than the test may take: only the drain can end this request in time.
    const waiting = w.lease(25_000);
    await new Promise((r) => setTimeout(r, 300)); // the request is waiting on the server
    assert.equal((await w.drain()).status, 204);
    let timer: NodeJS.Timeout | undefined;
    const ended = await Promise.race([
      waiting,
      new Promise<'still waiting'>((r) => (timer = setTimeout(() => r('still waiting'), 10_000))),
    ]).finally(() => clearTimeout(timer));
    assert.notEqual(ended, 'still waiting', 'the drain ended the waiting request');
    assert.equal((ended as { status: number }).status, 204);
    const run = await commandRun(a);
    assert.equal((await w.lease(500)).status, 204, 'still no work after the drain');
    await a.post(`/v1/runs/${run.id}/cancel`);
  });

  test('a drained worker that starts again says so: it takes work again, with its new version and slots', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    assert.equal((await w.drain()).status, 204);
    const before = (await (await a.get('/v1/workers')).json()) as { data: Worker[] };
    assert.equal(before.data.find((x) => x.id === reg.worker_id)?.state, 'draining');
    const online = await w.online({ version: '0.2.0', concurrency: 4 });
    assert.equal(online.status, 200);
    assert.deepEqual(online.body, { worker_id: reg.worker_id, labels: {} }, 'no labels given: none');
    const after = (await (await a.get('/v1/workers')).json()) as { data: Worker[] };
    const shown = after.data.find((x) => x.id === reg.worker_id);
    assert.equal(shown?.state, 'online');
    assert.equal(shown?.version, '0.2.0');
    assert.equal(shown?.concurrency, 4);
    const run = await commandRun(a);
    assert.equal((await nextLease(w, 'a lease after starting again')).run_id, run.id);
    await a.post(`/v1/runs/${run.id}/cancel`);
  });

  test("each start's labels apply, over its registration token's: runs needing them go to it from then on", async () => {
    const c = (await newTenant(server.url, 'Workers C')).api; // no runs of other tests to lease
    const reg = await register(c, { pool: 'x' });
    const w = asWorker(reg.credential);
    const needsZone = await commandRun(c, { zone: 'b' });
    assert.equal((await w.lease(300)).status, 204, 'not yet: the worker lacks zone=b');
    const online = await w.online({ version: '0.2.0', concurrency: 1, labels: { zone: 'b' } });
    assert.deepEqual(online.body, { worker_id: reg.worker_id, labels: { pool: 'x', zone: 'b' } });
    assert.equal((await nextLease(w, 'the run needing zone=b')).run_id, needsZone.id);
    await c.post(`/v1/runs/${needsZone.id}/cancel`);
    // A later start without them drops them; the token's stay; its own win on the same key.
    assert.deepEqual((await w.online({ labels: {} })).body, { worker_id: reg.worker_id, labels: { pool: 'x' } });
    assert.deepEqual((await w.online({ labels: { pool: 'y' } })).body, {
      worker_id: reg.worker_id,
      labels: { pool: 'y' },
    });
    const list = (await (await c.get('/v1/workers')).json()) as { data: Worker[] };
    assert.deepEqual(list.data.find((x) => x.id === reg.worker_id)?.labels, { pool: 'y' });
  });

  test('a worker saying it is online with a bad body gets a 400 naming the field, and stays as it was', async () => {
    const reg = await register(a);
    const w = asWorker(reg.credential);
    assert.equal((await w.drain()).status, 204);
    const res = await w.online({ version: '0.2.0', concurrency: 0 });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.body), /concurrency/);
    const list = (await (await a.get('/v1/workers')).json()) as { data: Worker[] };
    assert.equal(list.data.find((x) => x.id === reg.worker_id)?.state, 'draining');
  });

  test('a run claimed for a lease request that went away meanwhile is given back: queued again, no attempt used', async () => {
    const reg = await register(a);
    const worker = await WorkerModel.findById(reg.worker_id).lean<WorkerDoc>();
    const run = await commandRun(a);
    const read = async () => (await (await a.get(`/v1/runs/${run.id}`)).json()) as Run;
    // The request is there when it looks for work, and gone once a claim was made for it.
    const given = await waitFor(
      async () => {
        let looks = 0;
        assert.equal(await leaseFor(worker!, 0, () => looks++ > 0), null, 'nothing for a request gone');
        const stored = await RunModel.findById(run.id).lean<RunDoc>();
        return stored && stored.epoch > 1 ? await read() : undefined;
      },
      10_000,
      'a claim for the request',
    );
    assert.equal(given.status, 'queued');
    assert.equal(given.attempt, 1, 'its attempt was not used');
    assert.deepEqual(given.attempts, []);
    assert.equal(given.started_at, null);
    assert.equal(given.lease, null);

    const w = asWorker(reg.credential);
    const leased = await nextLease(w, 'the run given back, leased again');
    assert.equal(leased.run_id, run.id);
    assert.equal(leased.attempt, 1);
    const ref = { lease_id: leased.lease_id, epoch: leased.epoch };
    assert.equal((await w.complete(run.id, { ...ref, status: 'succeeded', exit_code: 0 })).status, 200);
    const done = await read();
    assert.equal(done.status, 'succeeded');
    assert.equal(done.attempts.length, 1);
  });

  test('a member cannot create registration tokens; a tenant token is no worker credential', async () => {
    const member = (await (await a.post('/v1/tokens', { name: 'm', role: 'member' })).json()) as { token: string };
    const res = await fetch(`${server.url}/v1/worker-tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${member.token}` },
      body: JSON.stringify({ name: 'x' }),
    });
    assert.equal(res.status, 403);
    assert.equal((await asWorker(a.token).lease(0)).status, 401);
  });
});
