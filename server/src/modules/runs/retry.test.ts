import type { RetryRunsResult, Run, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  newTenant,
  startReceiver,
  startTestServer,
  waitFor,
  type Client,
  type TestServer,
} from '../../../test/support/server.ts';

let server: TestServer;
let api: Client;
let other: Client;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  server = await startTestServer();
  api = (await newTenant(server.url, 'Retries')).api;
  other = (await newTenant(server.url, 'Others')).api;
  receiver = await startReceiver(500);
});
after(async () => {
  await server.close();
  await receiver.close();
});

async function failingSchedule(name: string): Promise<Schedule> {
  const res = await api.post('/v1/schedules', {
    name,
    cron: '0 0 1 1 *',
    target: { type: 'http', url: `${receiver.url}/${name}`, method: 'POST' },
    retry: { max_attempts: 1 },
  });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as Schedule;
}

const getRun = async (id: string) => (await (await api.get(`/v1/runs/${id}`)).json()) as Run;
const final = (id: string, status: string) =>
  waitFor(async () => ((await getRun(id)).status === status ? getRun(id) : undefined), 15_000, `run ${id} ${status}`);

async function failedRun(s: Schedule): Promise<Run> {
  const run = (await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run;
  return final(run.id, 'failed');
}

describe('retrying runs', () => {
  test('a failed run is retried once, as a new manual run linked by retry_of', async () => {
    const s = await failingSchedule('one');
    const failed = await failedRun(s);
    assert.equal((await other.post(`/v1/runs/${failed.id}/retry`)).status, 404);

    receiver.setStatus(200);
    try {
      const res = await api.post(`/v1/runs/${failed.id}/retry`);
      assert.equal(res.status, 201, await res.clone().text());
      const retry = (await res.json()) as Run;
      assert.notEqual(retry.id, failed.id);
      assert.equal(retry.retry_of, failed.id);
      assert.equal(retry.trigger, 'manual');
      assert.equal(retry.reason, 'retry');
      assert.equal((await final(retry.id, 'succeeded')).http_status, 200);

      const again = await api.post(`/v1/runs/${failed.id}/retry`);
      assert.equal(again.status, 409);
      assert.match(((await again.json()) as { error: { message: string } }).error.message, /already retried/);
      const ofSucceeded = await api.post(`/v1/runs/${retry.id}/retry`);
      assert.equal(ofSucceeded.status, 409, 'a succeeded run is not retried');
    } finally {
      receiver.setStatus(500);
    }
  });

  test('retry all failed for a filter says how many were retried', async () => {
    const s = await failingSchedule('many');
    const runs = [await failedRun(s), await failedRun(s), await failedRun(s)];
    const noise = await failingSchedule('noise');
    await failedRun(noise);

    const res = await api.post('/v1/runs/retry', { status: 'failed', schedule_id: s.id, limit: 2 });
    assert.equal(res.status, 200, await res.clone().text());
    const first = (await res.json()) as RetryRunsResult;
    assert.equal(first.retried, 2);
    assert.equal(first.more, true);
    assert.deepEqual(
      first.runs.map((r) => r.retry_of),
      [runs[2]!.id, runs[1]!.id],
      'newest first',
    );

    // The newest two now have retries; their retries may already have failed too, and are
    // retried in turn, while the two already retried are skipped.
    const second = (await (await api.post('/v1/runs/retry', { schedule_id: s.id })).json()) as RetryRunsResult;
    assert.ok(second.runs.some((r) => r.retry_of === runs[0]!.id));
    assert.ok(!second.runs.some((r) => r.retry_of === runs[1]!.id || r.retry_of === runs[2]!.id));
    assert.ok(second.skipped >= 2);
    const noiseRuns = (await (await api.get(`/v1/schedules/${noise.id}/runs`)).json()) as { data: Run[] };
    assert.equal(noiseRuns.data.length, 1, 'other schedules are untouched');

    const bad = await api.post('/v1/runs/retry', { status: 'succeeded' });
    assert.equal(bad.status, 400);
    const foreign = (await (await other.post('/v1/runs/retry', {})).json()) as RetryRunsResult;
    assert.equal(foreign.retried, 0, 'another tenant retries nothing of ours');
  });

  test('runs filter by the executor that ran them', async () => {
    const s = await failingSchedule('filtered');
    const run = await failedRun(s);
    const executor = run.attempts[0]!.executor!;
    assert.match(executor, /^server:/);
    const mine = (await (
      await api.get(`/v1/runs?worker=${encodeURIComponent(executor)}&schedule_id=${s.id}`)
    ).json()) as {
      data: Run[];
    };
    assert.deepEqual(
      mine.data.map((r) => r.id),
      [run.id],
    );
    const none = (await (await api.get(`/v1/runs?worker=${'a'.repeat(24)}`)).json()) as { data: Run[] };
    assert.deepEqual(none.data, []);
  });
});
