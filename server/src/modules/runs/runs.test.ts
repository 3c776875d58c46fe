import type { Run, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import mongoose from 'mongoose';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { triggerSchedule } from '../schedules/schedules.service.ts';
import type { Principal } from '../../tenancy/scope.ts';
import {
  newTenant,
  startReceiver,
  startTestServer,
  waitFor,
  withHangingTarget,
  type Client,
  type TestServer,
} from '../../../test/support/server.ts';

let server: TestServer;
let api: Client;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
before(async () => {
  server = await startTestServer();
  api = (await newTenant(server.url, 'Controls')).api;
  receiver = await startReceiver();
});
after(async () => {
  await server.close();
  await receiver.close();
});

const target = () => ({ type: 'http', url: `${receiver.url}/c`, method: 'POST' });

const runsOf = async (id: string) =>
  ((await (await api.get(`/v1/schedules/${id}/runs`)).json()) as { data: Run[] }).data;

describe('controls', () => {
  test('trigger runs a schedule now, recorded as manual', async () => {
    const s = (await (
      await api.post('/v1/schedules', { name: 'manual', cron: '0 0 1 1 *', target: target() })
    ).json()) as Schedule;
    const res = await api.post(`/v1/schedules/${s.id}/trigger`);
    assert.equal(res.status, 201);
    const run = (await res.json()) as Run;
    assert.equal(run.trigger, 'manual');
    assert.equal(run.reason, 'manual');
    const done = await waitFor(
      async () => {
        const r = (await (await api.get(`/v1/runs/${run.id}`)).json()) as Run;
        return r.status === 'succeeded' ? r : undefined;
      },
      10_000,
      'the manual run',
    );
    assert.equal(done.http_status, 200);
  });

  test('triggers take the schedule from the process copy and batch their inserts', async () => {
    const s = (await (
      await api.post('/v1/schedules', { name: 'triggered together', cron: '0 0 1 1 *', target: target() })
    ).json()) as Schedule;
    const { tenant_id: tenantId } = (await ScheduleModel.findById(s.id).lean<ScheduleDoc>())!;
    const principal: Principal = { tenantId, role: 'admin', userId: null, tokenId: null };
    const seen: string[] = [];
    mongoose.set('debug', (coll: string, method: string, filter: unknown) => {
      if (coll === 'schedules' && method.startsWith('find') && String((filter as { _id?: unknown })?._id) === s.id) {
        seen.push('schedule read');
      }
      if (coll === 'runs' && method.startsWith('insert')) seen.push('run insert');
    });
    try {
      // The creation's change note drops a copy kept before the ticker applied it: trigger until
      // one finds the copy.
      await waitFor(
        async () => {
          seen.length = 0;
          assert.equal((await api.post(`/v1/schedules/${s.id}/trigger`)).status, 201);
          return seen.includes('schedule read') ? undefined : true;
        },
        10_000,
        'a trigger that reads no schedule',
      );
      // Ten triggers in one turn of the event loop, called in process: over HTTP, ten requests
      // sent together may reach a loaded server in ten turns, and then nothing can batch them
      // (CI saw exactly that once).
      seen.length = 0;
      const sent = await Promise.all(Array.from({ length: 10 }, () => triggerSchedule(principal, s.id)));
      assert.equal(new Set(sent.map((r) => r._id.toHexString())).size, 10);
    } finally {
      mongoose.set('debug', false);
    }
    assert.equal(seen.filter((e) => e === 'schedule read').length, 0, 'ten triggers read the schedule no time');
    const inserts = seen.filter((e) => e === 'run insert').length;
    assert.ok(inserts < 10, `ten triggers sent together inserted their runs in ${inserts} commands`);
    assert.ok((await runsOf(s.id)).length >= 11);
  });

  test('a list shows each change at once: an edit, a profile edit, a run in flight and its end', async () => {
    // Lists reuse a schedule's rendering while nothing it shows changed (renderSchedule): each
    // change below must show in the very next list.
    const inList = async (id: string) => {
      const page = (await (await api.get('/v1/schedules?limit=100')).json()) as { data: Schedule[] };
      return page.data.find((x) => x.id === id)!;
    };
    const s = (await (
      await api.post('/v1/schedules', { name: 'listed', cron: '0 0 1 1 *', target: target() })
    ).json()) as Schedule;
    await waitFor(
      async () => ((await inList(s.id)).name === 'listed' ? true : undefined),
      10_000,
      'the schedule listed',
    );
    await inList(s.id);
    assert.equal((await api.patch(`/v1/schedules/${s.id}`, { name: 'listed, renamed' })).status, 200);
    assert.equal((await inList(s.id)).name, 'listed, renamed');

    const profiles = (await (await api.get('/v1/profiles')).json()) as { data: { id: string; is_default: boolean }[] };
    const byDefault = profiles.data.find((p) => p.is_default)!;
    assert.equal((await api.patch(`/v1/profiles/${byDefault.id}`, { max_runtime_seconds: 77 })).status, 200);
    assert.equal((await inList(s.id)).effective.max_runtime_seconds, 77);
    assert.equal((await api.patch(`/v1/profiles/${byDefault.id}`, { max_runtime_seconds: null })).status, 200);

    assert.equal((await api.post(`/v1/schedules/${s.id}/trigger`)).status, 201);
    const ended = await waitFor(
      async () => {
        const x = await inList(s.id);
        return x.last_run?.status === 'succeeded' ? x : undefined;
      },
      10_000,
      'the run ended, in the list',
    );
    assert.equal(ended.stats.succeeded, 1);

    await withHangingTarget(async (url) => {
      const h = (await (
        await api.post('/v1/schedules', { name: 'listed, hanging', cron: '0 0 1 1 *', target: { ...target(), url } })
      ).json()) as Schedule;
      assert.equal((await inList(h.id)).stats.active, 0);
      assert.equal((await api.post(`/v1/schedules/${h.id}/trigger`)).status, 201);
      assert.equal((await inList(h.id)).stats.active, 1);
      await api.delete(`/v1/schedules/${h.id}`);
    });
  });

  test('pause stops new slots and resume does not replay the paused period', async () => {
    const s = (await (
      await api.post('/v1/schedules', { name: 'pausable', cron: '* * * * * *', target: target() })
    ).json()) as Schedule;
    await waitFor(async () => ((await runsOf(s.id)).length > 0 ? true : undefined), 10_000, 'a first run');
    const paused = (await (await api.post(`/v1/schedules/${s.id}/pause`)).json()) as Schedule;
    assert.equal(paused.paused, true);
    assert.equal(paused.next_run_at, null);
    const pausedAt = Date.now();
    await new Promise((r) => setTimeout(r, 3000));
    // A tick that read the schedule just before the pause may still record a slot that was due
    // before it; no slot after the pause may appear.
    const during = (await runsOf(s.id)).filter((r) => Date.parse(r.nominal_at) > pausedAt);
    assert.deepEqual(during, [], 'no slot after the pause fired while paused');
    const before = (await runsOf(s.id)).length;
    const resumedAt = Date.now();
    const resumed = (await (await api.post(`/v1/schedules/${s.id}/resume`)).json()) as Schedule;
    assert.ok(Date.parse(resumed.next_run_at!) > resumedAt, 'the next slot is after the resume');
    await waitFor(async () => ((await runsOf(s.id)).length > before ? true : undefined), 10_000, 'a run after resume');
    await api.post(`/v1/schedules/${s.id}/pause`);
    const runs = await runsOf(s.id);
    const gap = runs.filter(
      (r) => Date.parse(r.nominal_at) > Date.parse(paused.updated_at) && Date.parse(r.nominal_at) < resumedAt,
    );
    assert.deepEqual(gap, [], 'nothing recorded for the paused period');
    // The counters are written just after the ledger: give an in-flight firing time to land.
    let seen = '';
    await waitFor(
      async () => {
        const stats = ((await (await api.get(`/v1/schedules/${s.id}`)).json()) as Schedule).stats;
        const ledger = await runsOf(s.id);
        const count = ledger.length;
        seen = JSON.stringify({ stats, ledger: ledger.map((r) => [r.nominal_at, r.status, r.trigger, r.reason]) });
        return stats.runs === count && stats.succeeded + stats.active + stats.failed === count ? true : undefined;
      },
      10_000,
      'the counters to match the run ledger',
    ).catch((e: Error) => assert.fail(`${e.message}; last seen ${seen}`));
  });

  test('a running run can be cancelled; it stops and is not retried', async () => {
    await withHangingTarget(async (url) => {
      const s = (await (
        await api.post('/v1/schedules', {
          name: 'hangs',
          cron: '0 0 1 1 *',
          retry: { max_attempts: 5 },
          target: { type: 'http', url, method: 'GET', timeout_ms: 60_000 },
        })
      ).json()) as Schedule;
      const run = (await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run;
      await waitFor(
        async () => {
          const r = (await (await api.get(`/v1/runs/${run.id}`)).json()) as Run;
          return r.status === 'running' ? r : undefined;
        },
        10_000,
        'the run to start',
      );
      const cancelled = await api.post(`/v1/runs/${run.id}/cancel`);
      assert.equal(cancelled.status, 200);
      const body = (await cancelled.json()) as Run;
      assert.equal(body.status, 'cancelled');
      assert.equal(body.reason, 'user');
      const again = await api.post(`/v1/runs/${run.id}/cancel`);
      assert.equal(again.status, 409);
      await new Promise((r) => setTimeout(r, 1500));
      const later = (await (await api.get(`/v1/runs/${run.id}`)).json()) as Run;
      assert.equal(later.status, 'cancelled', 'not retried');
      assert.equal(later.attempt, 1);
    });
  });

  test('a schedule whose run is still going shows it as active and its next slot after it', async () => {
    await withHangingTarget(async (url) => {
      const s = (await (
        await api.post('/v1/schedules', {
          name: 'long runs',
          cron: '* * * * * *',
          target: { type: 'http', url, method: 'GET', timeout_ms: 60_000 },
        })
      ).json()) as Schedule;
      const running = await waitFor(
        async () => (await runsOf(s.id)).find((r) => r.status === 'running'),
        10_000,
        'a run to start',
      );
      // No run has ended: the schedule's state still holds the first slot, yet firing is past it.
      const got = (await (await api.get(`/v1/schedules/${s.id}`)).json()) as Schedule;
      assert.ok(Date.parse(got.next_run_at!) > Date.parse(running.nominal_at), 'next_run_at is after the running slot');
      assert.ok(got.stats.active >= 1);
      assert.equal(got.stats.runs, got.stats.active, 'every run recorded is still active');

      await api.post(`/v1/schedules/${s.id}/pause`);
      // A slot due just before the pause may still be fired: cancel until none is active.
      const ended = await waitFor(
        async () => {
          for (const r of await runsOf(s.id)) {
            if (r.status === 'running' || r.status === 'queued') await api.post(`/v1/runs/${r.id}/cancel`);
          }
          const after = (await (await api.get(`/v1/schedules/${s.id}`)).json()) as Schedule;
          return after.stats.active === 0 ? after : undefined;
        },
        10_000,
        'every run cancelled',
      );
      const count = (await runsOf(s.id)).length;
      assert.deepEqual(
        [ended.stats.active, ended.stats.cancelled + ended.stats.missed, ended.stats.runs, ended.next_run_at],
        [0, count, count, null],
      );
    });
  });

  test('runs filter by status, schedule and time range', async () => {
    const s = (await (
      await api.post('/v1/schedules', { name: 'filters', cron: '0 0 1 1 *', target: target() })
    ).json()) as Schedule;
    const a = (await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run;
    await new Promise((r) => setTimeout(r, 50));
    const mid = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 50));
    const b = (await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run;
    const page = async (q: string) =>
      ((await (await api.get(`/v1/runs?schedule_id=${s.id}${q}`)).json()) as { data: Run[] }).data.map((r) => r.id);
    assert.deepEqual(await page(''), [b.id, a.id]);
    assert.deepEqual(await page(`&from=${encodeURIComponent(mid)}`), [b.id]);
    assert.deepEqual(await page(`&to=${encodeURIComponent(mid)}`), [a.id]);
    assert.deepEqual(await page('&status=missed'), []);
    const bad = await api.get('/v1/runs?status=exploded');
    assert.equal(bad.status, 400);
  });
});
