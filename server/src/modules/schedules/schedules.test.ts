import type { Run, Schedule } from '@crony/shared';
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
import { ScheduleModel } from './schedule.model.ts';

let server: TestServer;
let api: Client;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

before(async () => {
  server = await startTestServer();
  api = (await newTenant(server.url, 'Acme')).api;
  receiver = await startReceiver();
});
after(async () => {
  await server.close();
  await receiver.close();
});

const httpTarget = (path = '/hook') => ({
  type: 'http',
  url: receiver.url + path,
  method: 'POST',
  body: '{"hello":1}',
});

describe('schedules', () => {
  test('fires on time, repeatedly, once per slot, with the slot in the request', async () => {
    const res = await api.post('/v1/schedules', {
      name: 'every second',
      cron: '* * * * * *',
      target: httpTarget('/tick'),
    });
    assert.equal(res.status, 201);
    const s = (await res.json()) as Schedule;

    const runs = await waitFor(
      async () => {
        const page = (await (await api.get(`/v1/schedules/${s.id}/runs?limit=50`)).json()) as { data: Run[] };
        const done = page.data.filter((r) => r.status === 'succeeded');
        return done.length >= 4 ? page.data : undefined;
      },
      20_000,
      'four succeeded runs',
    );
    await api.patch(`/v1/schedules/${s.id}`, { paused: true });

    const nominal = runs.map((r) => Date.parse(r.nominal_at)).sort((a, b) => a - b);
    // Consecutive whole-second slots: none skipped, none repeated.
    for (let i = 1; i < nominal.length; i++) assert.equal(nominal[i]! - nominal[i - 1]!, 1000);
    for (const r of runs.filter((x) => x.started_at)) {
      assert.ok(Date.parse(r.started_at!) >= Date.parse(r.nominal_at), 'a run never starts before its slot');
      assert.equal(r.trigger, 'schedule');
    }
    const hits = receiver.requests.filter((q) => q.url === '/tick');
    const slotsSeen = hits.map((h) => h.headers['x-crony-nominal-time']);
    assert.equal(new Set(slotsSeen).size, slotsSeen.length, 'the target never receives one slot twice');
    assert.equal(hits[0]?.body, '{"hello":1}');
    assert.equal(hits[0]?.headers['content-type'], 'application/json');

    const fresh = (await (await api.get(`/v1/schedules/${s.id}`)).json()) as Schedule;
    assert.ok(fresh.last_run, 'last_run is filled in');
    assert.equal(fresh.paused, true);
    assert.equal(fresh.next_run_at, null);
  });

  test('a failing target is recorded as failed with its HTTP status when no retries are left', async () => {
    receiver.setStatus(503);
    try {
      const res = await api.post('/v1/schedules', {
        name: 'broken',
        every: '1s',
        retry: { max_attempts: 1 },
        target: httpTarget('/missing'),
      });
      const s = (await res.json()) as Schedule;
      const failed = await waitFor(
        async () => {
          const page = (await (await api.get(`/v1/runs?schedule_id=${s.id}&status=failed`)).json()) as { data: Run[] };
          return page.data[0];
        },
        15_000,
        'a failed run',
      );
      await api.post(`/v1/schedules/${s.id}/pause`);
      assert.equal(failed.http_status, 503);
      assert.equal(failed.error?.code, 'http_status');
      assert.equal(failed.attempt, 1);
      assert.match(failed.response_excerpt ?? '', /answered 503/);
    } finally {
      receiver.setStatus(200);
    }
  });

  test('a failed attempt is retried after its backoff and each attempt is visible', async () => {
    let calls = 0;
    const flaky = await startReceiver();
    try {
      const origin = flaky.url;
      // Fails the first attempt of every slot, succeeds on the second.
      const res = await api.post('/v1/schedules', {
        name: 'flaky',
        at: new Date(Date.now() + 1000).toISOString(),
        retry: { max_attempts: 3, initial_interval: '1s', backoff_coefficient: 2, max_interval: '5s' },
        target: { type: 'http', url: `${origin}/flaky`, method: 'POST' },
      });
      const s = (await res.json()) as Schedule;
      flaky.setStatus(500);
      const firstFailed = await waitFor(
        async () => {
          const page = (await (await api.get(`/v1/schedules/${s.id}/runs`)).json()) as { data: Run[] };
          return page.data[0]?.attempts[0]?.status === 'failed' ? page.data[0] : undefined;
        },
        15_000,
        'the first attempt to fail',
      );
      calls = flaky.requests.length;
      assert.equal(firstFailed.status, 'queued', 'the run waits for its next attempt');
      assert.equal(firstFailed.attempt, 2);
      assert.ok(
        firstFailed.available_at &&
          Date.parse(firstFailed.available_at) > Date.parse(firstFailed.attempts[0]!.finished_at!),
      );
      flaky.setStatus(200);
      const done = await waitFor(
        async () => {
          const r = (await (await api.get(`/v1/runs/${firstFailed.id}`)).json()) as Run;
          return r.status === 'succeeded' ? r : undefined;
        },
        15_000,
        'the retry to succeed',
      );
      assert.deepEqual(
        done.attempts.map((a) => [a.attempt, a.status, a.http_status]),
        [
          [1, 'failed', 500],
          [2, 'succeeded', 200],
        ],
      );
      assert.equal(flaky.requests.length, calls + 1);
      assert.deepEqual(
        flaky.requests.map((q) => q.headers['x-crony-attempt']),
        ['1', '2'],
      );
    } finally {
      await flaky.close();
    }
  });

  test('create, read, list, update and delete', async () => {
    const created = (await (
      await api.post('/v1/schedules', {
        name: 'Nightly report',
        cron: '30 2 * * *',
        timezone: 'America/New_York',
        target: httpTarget(),
      })
    ).json()) as Schedule;
    assert.equal(created.timezone, 'America/New_York');
    assert.equal(created.target.type === 'http' && created.target.timeout_ms, 30_000, 'defaults are filled in');
    assert.ok(created.next_run_at);

    const list = (await (await api.get('/v1/schedules?q=nightly')).json()) as { data: Schedule[] };
    assert.deepEqual(
      list.data.map((x) => x.id),
      [created.id],
    );

    const patched = (await (await api.patch(`/v1/schedules/${created.id}`, { every: '5 minutes' })).json()) as Schedule;
    assert.equal(patched.every, '5 minutes');
    assert.equal(patched.cron, null, 'setting every clears cron');

    const next = (await (await api.get(`/v1/schedules/${created.id}/next?count=3`)).json()) as { times: string[] };
    assert.equal(next.times.length, 3);
    assert.equal(Date.parse(next.times[1]!) - Date.parse(next.times[0]!), 300_000);

    assert.equal((await api.delete(`/v1/schedules/${created.id}`)).status, 204);
    assert.equal((await api.get(`/v1/schedules/${created.id}`)).status, 404);
    assert.equal(await ScheduleModel.countDocuments({ _id: created.id }), 0);
  });

  test('pages through a long list with the cursor, newest first', async () => {
    for (let i = 0; i < 5; i++) {
      await api.post('/v1/schedules', { name: `paged ${i}`, cron: '0 0 1 1 *', paused: true, target: httpTarget() });
    }
    const first = (await (await api.get('/v1/schedules?q=paged&limit=3')).json()) as {
      data: Schedule[];
      next_cursor: string;
    };
    assert.deepEqual(
      first.data.map((s) => s.name),
      ['paged 4', 'paged 3', 'paged 2'],
    );
    const second = (await (await api.get(`/v1/schedules?q=paged&limit=3&cursor=${first.next_cursor}`)).json()) as {
      data: Schedule[];
      next_cursor: string | null;
    };
    assert.deepEqual(
      second.data.map((s) => s.name),
      ['paged 1', 'paged 0'],
    );
    assert.equal(second.next_cursor, null);
  });

  test('a one-off `at` schedule fires once and then has no next run', async () => {
    const at = new Date(Date.now() + 1500);
    at.setMilliseconds(0);
    const s = (await (
      await api.post('/v1/schedules', { name: 'once', at: at.toISOString(), target: httpTarget('/once') })
    ).json()) as Schedule;
    assert.equal(s.next_run_at, at.toISOString());
    const run = await waitFor(
      async () => {
        const page = (await (await api.get(`/v1/schedules/${s.id}/runs`)).json()) as { data: Run[] };
        return page.data.find((r) => r.status === 'succeeded');
      },
      15_000,
      'the one-off run',
    );
    assert.equal(run.nominal_at, at.toISOString());
    const after = (await (await api.get(`/v1/schedules/${s.id}`)).json()) as Schedule;
    assert.equal(after.next_run_at, null);
  });

  test('cron preview answers fire times in the given zone', async () => {
    const res = await api.post('/v1/cron/preview', {
      cron: '0 9 * * 1-5',
      timezone: 'Europe/Berlin',
      count: 3,
      from: '2026-11-27T00:00:00Z',
    });
    assert.equal(res.status, 200);
    const { times } = (await res.json()) as { times: string[] };
    // Friday 27 Nov 09:00 CET, then Monday and Tuesday.
    assert.deepEqual(times, ['2026-11-27T08:00:00.000Z', '2026-11-30T08:00:00.000Z', '2026-12-01T08:00:00.000Z']);
  });
});
