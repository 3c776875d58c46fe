import { CreateWorkerTokenBody, RegisterWorkerBody, type RegisteredWorker, type Worker } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';
import type { Principal } from '../../tenancy/scope.ts';
import { WorkerSeenModel } from './worker-seen.model.ts';
import { WorkerModel, type WorkerDoc } from './worker.model.ts';
import {
  createWorkerToken,
  listWorkers,
  markSeen,
  registerWorker,
  revokeWorker,
  setDraining,
  workerForCredential,
} from './workers.service.ts';

let server: TestServer;
let api: Client;
before(async () => {
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Seen')).api;
});
after(() => server.close());

const principal: Principal = { tenantId: new Types.ObjectId(), role: 'admin', userId: null, tokenId: null };

async function register(): Promise<RegisteredWorker> {
  const token = await createWorkerToken(principal, CreateWorkerTokenBody.parse({ name: 'seen' }), 'http://x');
  return registerWorker(RegisterWorkerBody.parse({ token: token.token, name: 'w' }));
}

test('heartbeats racing a revocation never undo it', async () => {
  // Before the heartbeat moved off the worker document, FerretDB's read-then-write updates let
  // a heartbeat write back `revoked_at: null` over a revocation made meanwhile: the revoked
  // worker kept working (in the first round, every time it was run). Each heartbeat here is
  // past the 2 s throttle, so every one writes.
  for (let round = 0; round < 6; round++) {
    const reg = await register();
    const worker = await workerForCredential(reg.credential);
    assert.ok(worker);
    const base = Date.now() + 10_000;
    const beat = (i: number) => markSeen(worker, new Date(base + i * 3000));
    await Promise.all([
      ...Array.from({ length: 20 }, (_, i) => beat(i)),
      revokeWorker(principal, reg.worker_id),
      ...Array.from({ length: 20 }, (_, i) => beat(20 + i)),
    ]);
    const stored = await WorkerModel.findById(reg.worker_id).lean<WorkerDoc>();
    assert.ok(stored?.revoked_at, `round ${round}: the worker stays revoked`);
    assert.equal(await workerForCredential(reg.credential), null, `round ${round}: its credential is refused`);
  }
});

test('a drain and a revocation at once both take effect', async () => {
  // FerretDB applies an update as a read and a write of the whole document: either write could
  // put back the other's field unset (before the fix, the revocation wrote back the drain of a
  // drain 2 or 6 ms in). The drain starts 0-7 ms into the revocation, which first reads the
  // worker (twice) before it writes.
  for (let round = 0; round < 40; round++) {
    const reg = await register();
    const worker = await workerForCredential(reg.credential);
    assert.ok(worker);
    const delay = round % 8;
    await Promise.all([
      revokeWorker(principal, reg.worker_id),
      new Promise((r) => setTimeout(r, delay)).then(() => setDraining(worker)),
    ]);
    const stored = await WorkerModel.findById(reg.worker_id).lean<WorkerDoc>();
    assert.ok(stored?.revoked_at, `drain ${delay} ms into the revocation: the worker stays revoked`);
    assert.equal(stored.draining, true, `drain ${delay} ms into the revocation: the worker is draining`);
    assert.equal(await workerForCredential(reg.credential), null, `drain ${delay} ms in: its credential is refused`);
  }
});

test("a worker's first heartbeats at once all succeed (racing inserts of its document)", async () => {
  // Two upserts of a missing document can both insert on FerretDB: one fails on the unique _id
  // (a few times in these 600 writes, measured), and the worker is seen all the same.
  for (let round = 0; round < 20; round++) {
    const _id = new Types.ObjectId();
    const base = Date.now();
    const beats = Array.from({ length: 30 }, (_, i) => markSeen({ _id }, new Date(base + i * 3000)));
    const failed = (await Promise.allSettled(beats)).filter((r) => r.status === 'rejected');
    assert.deepEqual(failed, [], `round ${round}`);
    assert.equal(await WorkerSeenModel.countDocuments({ _id }), 1);
  }
});

test('a worker is seen through the API; a heartbeat writes its own document, at most once per 2 s', async () => {
  const token = (await (await api.post('/v1/worker-tokens', { name: 'seen' })).json()) as { token: string };
  const res = await fetch(`${server.url}/v1/workers/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token: token.token, name: 'seen-by-api' }),
  });
  const reg = (await res.json()) as RegisteredWorker;
  const listed = async () =>
    ((await (await api.get('/v1/workers')).json()) as { data: Worker[] }).data.find((w) => w.id === reg.worker_id)!;
  const lease = () =>
    fetch(`${server.url}/v1/worker/lease`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${reg.credential}` },
      body: JSON.stringify({ wait_ms: 0 }),
    });

  const registered = await listed();
  assert.equal(registered.state, 'online');
  assert.ok(registered.last_heartbeat_at, 'registering counts as seen');

  assert.equal((await lease()).status, 204);
  assert.equal((await listed()).last_heartbeat_at, registered.last_heartbeat_at, 'within 2 s: no write');
  await new Promise((r) => setTimeout(r, 2100));
  const before = Date.now();
  assert.equal((await lease()).status, 204);
  const seen = await listed();
  assert.equal(seen.state, 'online');
  assert.ok(new Date(seen.last_heartbeat_at!).getTime() >= before - 5, 'a request after 2 s moved it on');

  const doc = await WorkerModel.collection.findOne({ _id: new Types.ObjectId(reg.worker_id) });
  assert.equal(doc && 'last_heartbeat_at' in doc, false, 'the worker document holds no heartbeat');
  const own = await WorkerSeenModel.findById(reg.worker_id).lean();
  assert.equal(own?.at.toISOString(), seen.last_heartbeat_at);
});

test('a worker seen only by an earlier version shows the heartbeat left on its document', async () => {
  const reg = await register();
  const _id = new Types.ObjectId(reg.worker_id);
  await WorkerSeenModel.deleteOne({ _id });
  const at = new Date(Date.now() - 5000);
  await WorkerModel.collection.updateOne({ _id }, { $set: { last_heartbeat_at: at } });
  const w = (await listWorkers(principal)).find((x) => x.id === reg.worker_id)!;
  assert.equal(w.last_heartbeat_at, at.toISOString());
  assert.equal(w.state, 'online');
});
