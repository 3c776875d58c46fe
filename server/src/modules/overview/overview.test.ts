import type { Me, Overview, RunStatus, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';
import { newRun } from '../runs/new-run.ts';
import { RunModel, type RunDoc } from '../runs/run.model.ts';
import { recordLastRun } from '../scheduler/schedule-state.model.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { overview, percentiles } from './overview.queries.ts';

let server: TestServer;
let api: Client;
let other: Client;
let tenantId: Types.ObjectId;
before(async () => {
  // No scheduler: the runs in the ledger are exactly the ones this test writes.
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Dashboard')).api;
  other = (await newTenant(server.url, 'Elsewhere')).api;
  tenantId = new Types.ObjectId(((await (await api.get('/v1/me')).json()) as Me).tenant.id);
});
after(() => server.close());

const target = { type: 'http', url: 'https://example.com/x', method: 'POST' };
async function schedule(api: Client, body: Record<string, unknown>): Promise<ScheduleDoc> {
  const res = await api.post('/v1/schedules', { target, ...body });
  assert.equal(res.status, 201, await res.clone().text());
  const s = (await res.json()) as Schedule;
  return (await ScheduleModel.findById(s.id).lean<ScheduleDoc>())!;
}

async function record(
  s: ScheduleDoc,
  runs: { status: RunStatus; slot: Date; lateness?: number; duration?: number }[],
): Promise<RunDoc[]> {
  const docs = runs.map((r, i) => ({
    ...newRun(
      s,
      { key: `t:${i}:${r.slot.toISOString()}`, nominalAt: r.slot, trigger: 'schedule' },
      { status: 'queued' },
      r.slot,
    ),
    status: r.status,
    lateness_ms: r.lateness ?? null,
    duration_ms: r.duration ?? null,
    started_at: r.lateness !== undefined ? new Date(r.slot.getTime() + r.lateness) : null,
    finished_at: ['queued', 'leased', 'running'].includes(r.status) ? null : r.slot,
  }));
  await RunModel.collection.insertMany(docs);
  return docs;
}

describe('GET /v1/overview', () => {
  test('nearest-rank percentiles', () => {
    assert.deepEqual(percentiles([]), { count: 0, p50: null, p95: null, p99: null });
    const hundred = Array.from({ length: 100 }, (_, i) => (100 - i) * 10);
    assert.deepEqual(percentiles(hundred), { count: 100, p50: 500, p95: 950, p99: 990 });
    assert.deepEqual(percentiles([7]), { count: 1, p50: 7, p95: 7, p99: 7 });
  });

  test('counts the last 24 h by hour, percentiles, failing schedules and the next hour', async () => {
    const now = new Date();
    const hourStart = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
    const ok = await schedule(api, { name: 'every five minutes', cron: '*/5 * * * *' });
    const bad = await schedule(api, { name: 'flaky export', cron: '0 3 * * *' });
    await schedule(api, { name: 'paused one', cron: '* * * * *', paused: true });
    await schedule(api, { name: 'every second', cron: '* * * * * *' });

    // Ten successes in the current hour, lateness 100..1000 ms, duration 1..10 s.
    await record(
      ok,
      Array.from({ length: 10 }, (_, i) => ({
        status: 'succeeded' as const,
        slot: new Date(hourStart + i),
        lateness: (i + 1) * 100,
        duration: (i + 1) * 1000,
      })),
    );
    // Five hours ago: two failures and a timeout of the other schedule; a slot older than 24 h.
    const fiveHoursAgo = new Date(hourStart - 5 * 3_600_000 + 1000);
    const failed = await record(bad, [
      { status: 'failed', slot: fiveHoursAgo, lateness: 5, duration: 20 },
      { status: 'failed', slot: fiveHoursAgo, lateness: 5, duration: 20 },
      { status: 'timed_out', slot: new Date(fiveHoursAgo.getTime() + 1), lateness: 5, duration: 30_000 },
      { status: 'missed', slot: new Date(now.getTime() - 30 * 3_600_000) },
    ]);
    await recordLastRun(bad._id, {
      id: failed[2]!._id,
      status: 'timed_out',
      nominal_at: failed[2]!.nominal_at,
      finished_at: failed[2]!.finished_at,
    });

    const o = await overview({ tenantId, role: 'viewer', userId: null, tokenId: null }, now);
    assert.equal(o.runs_by_hour.length, 24);
    assert.equal(o.runs_by_hour[23]!.hour, new Date(hourStart).toISOString());
    assert.equal(o.runs_by_hour[23]!.counts.succeeded, 10);
    assert.equal(o.runs_by_hour[18]!.counts.failed, 2);
    assert.equal(o.runs_by_hour[18]!.counts.timed_out, 1);
    assert.equal(o.totals.missed, 0, 'a slot older than 24 h is not counted');
    assert.equal(o.totals.succeeded + o.totals.failed + o.totals.timed_out, 13);

    // 13 finished runs: ten successes plus the three failures of the other schedule.
    assert.equal(o.lateness_ms.count, 13);
    assert.equal(o.lateness_ms.p50, 400); // sorted 5,5,5,100,...: the 7th of 13 (ceil 6.5)
    assert.equal(o.lateness_ms.p99, 1000);
    assert.equal(o.duration_ms.p95, 30_000);

    assert.deepEqual(
      o.failing.map((f) => [f.schedule_name, f.last_status, f.failures_24h]),
      [['flaky export', 'timed_out', 3]],
    );

    // */5 fires 12 times in the next hour (11 or 12 depending on where now falls); paused never.
    const names = new Set(o.upcoming.map((u) => u.schedule_name));
    assert.ok(!names.has('paused one'), 'a paused schedule has no upcoming runs');
    const fives = o.upcoming.filter((u) => u.schedule_name === 'every five minutes');
    assert.ok(fives.length >= 11 && fives.length <= 13, `got ${fives.length}`);
    for (const u of fives) {
      const t = Date.parse(u.at);
      assert.ok(t >= now.getTime() - 1000 && t <= now.getTime() + 3_600_000, u.at);
      assert.equal(new Date(t).getUTCMinutes() % 5, 0);
    }
    // 3600 fire times in the hour are capped, so they cannot crowd the others out of the list.
    assert.equal(o.upcoming.filter((u) => u.schedule_name === 'every second').length, 60);
    const sorted = [...o.upcoming].sort((a, b) => a.at.localeCompare(b.at));
    assert.deepEqual(o.upcoming, sorted, 'upcoming is earliest first');
    assert.deepEqual(o.workers, { online: 0, total: 0 });
  });

  test('another tenant sees none of it over HTTP', async () => {
    const res = await other.get('/v1/overview');
    assert.equal(res.status, 200);
    const o = (await res.json()) as Overview;
    assert.equal(
      Object.values(o.totals).reduce((a, b) => a + b, 0),
      0,
    );
    assert.deepEqual(o.failing, []);
    assert.deepEqual(o.upcoming, []);
    const mine = (await (await api.get('/v1/overview')).json()) as Overview;
    assert.ok(mine.totals.succeeded >= 10);
  });
});
