import type { BulkScheduleResult, Run, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
let api: Client;
let other: Client;
before(async () => {
  // No scheduler: next_run_at and last runs stay as this test sets them.
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Bulk')).api;
  other = (await newTenant(server.url, 'Neighbours')).api;
});
after(() => server.close());

const http = { type: 'http', url: 'https://example.com/x', method: 'POST' };
async function create(c: Client, body: Record<string, unknown>): Promise<Schedule> {
  const res = await c.post('/v1/schedules', { target: http, ...body });
  assert.equal(res.status, 201, await res.clone().text());
  return (await res.json()) as Schedule;
}
const list = async (qs: string) => {
  const res = await api.get(`/v1/schedules?${qs}`);
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as { data: Schedule[]; next_cursor: string | null };
};
const get = async (id: string) => (await (await api.get(`/v1/schedules/${id}`)).json()) as Schedule;

describe('bulk actions', () => {
  test('pause, resume, trigger and delete report one result per id', async () => {
    const a = await create(api, { name: 'bulk a', cron: '0 * * * *' });
    const b = await create(api, { name: 'bulk b', cron: '30 * * * *' });
    const theirs = await create(other, { name: 'not yours', cron: '0 * * * *' });
    const ids = [a.id, b.id, theirs.id, 'garbage'];

    const paused = (await (
      await api.post('/v1/schedules/bulk', { action: 'pause', ids })
    ).json()) as BulkScheduleResult;
    assert.deepEqual(
      paused.results.map((r) => [r.id, r.result]),
      [
        [a.id, 'ok'],
        [b.id, 'ok'],
        [theirs.id, 'not_found'],
        ['garbage', 'not_found'],
      ],
    );
    assert.equal(paused.ok, 2);
    assert.equal(paused.failed, 2);
    assert.equal((await get(a.id)).paused, true);
    assert.equal((await get(b.id)).next_run_at, null);
    const theirsNow = (await (await other.get(`/v1/schedules/${theirs.id}`)).json()) as Schedule;
    assert.equal(theirsNow.paused, false, "another tenant's schedule is untouched");

    const resumed = (await (
      await api.post('/v1/schedules/bulk', { action: 'resume', ids: [a.id, b.id] })
    ).json()) as BulkScheduleResult;
    assert.equal(resumed.ok, 2);
    assert.equal((await get(a.id)).paused, false);
    assert.ok((await get(a.id)).next_run_at);

    const triggered = (await (
      await api.post('/v1/schedules/bulk', { action: 'trigger', ids: [a.id] })
    ).json()) as BulkScheduleResult;
    const runId = triggered.results[0]!.run_id!;
    const run = (await (await api.get(`/v1/runs/${runId}`)).json()) as Run;
    assert.equal(run.schedule_id, a.id);
    assert.equal(run.trigger, 'manual');

    const deleted = (await (
      await api.post('/v1/schedules/bulk', { action: 'delete', ids: [a.id, a.id, b.id] })
    ).json()) as BulkScheduleResult;
    assert.equal(deleted.results.length, 2, 'repeated ids count once');
    assert.equal((await api.get(`/v1/schedules/${a.id}`)).status, 404);
    assert.equal((await api.get(`/v1/runs/${runId}`)).status, 404, 'its runs went with it');
  });

  test('bad bulk requests are refused whole', async () => {
    const none = await api.post('/v1/schedules/bulk', { action: 'pause', ids: [] });
    assert.equal(none.status, 400);
    const many = await api.post('/v1/schedules/bulk', { action: 'pause', ids: Array.from({ length: 101 }, String) });
    assert.equal(many.status, 400);
    assert.match(await many.text(), /at most 100/);
    const verb = await api.post('/v1/schedules/bulk', { action: 'explode', ids: ['x'] });
    assert.equal(verb.status, 400);
  });
});

describe('schedule list filters and sorting', () => {
  test('sort by name and next_run_at, filter by label and last-run status, paginate', async () => {
    const zeta = await create(api, { name: 'Zeta list', cron: '5 4 * * *' });
    const alpha = await create(api, { name: 'alpha list', cron: '* * * * *' });
    const mid = await create(api, {
      name: 'Mid list',
      every: '2h',
      target: { type: 'command', command: ['true'], labels: { gpu: 'yes' } },
    });
    await create(api, { name: 'Paused list', cron: '* * * * *', paused: true });

    const byName = await list('q=list&sort=name');
    assert.deepEqual(
      byName.data.map((s) => s.name),
      ['alpha list', 'Mid list', 'Paused list', 'Zeta list'],
    );
    const desc = await list('q=list&sort=name&order=desc');
    assert.equal(desc.data[0]!.name, 'Zeta list');

    const byNext = await list('q=list&sort=next_run_at');
    assert.equal(byNext.data[0]!.id, alpha.id, 'the every-minute schedule is next');
    assert.equal(byNext.data.at(-1)!.name, 'Paused list', 'no next run sorts last');

    const page1 = await list('q=list&sort=name&limit=3');
    assert.equal(page1.data.length, 3);
    const page2 = await list(`q=list&sort=name&limit=3&cursor=${page1.next_cursor}`);
    assert.deepEqual(
      page2.data.map((s) => s.name),
      ['Zeta list'],
    );
    assert.equal(page2.next_cursor, null);

    assert.deepEqual(
      (await list('label=gpu=yes')).data.map((s) => s.id),
      [mid.id],
    );
    assert.deepEqual((await list('label=gpu=no')).data, []);

    await api.post(`/v1/schedules/${zeta.id}/trigger`); // queued: no executor runs without the scheduler
    const queued = await list('q=list&status=queued');
    assert.deepEqual(
      queued.data.map((s) => s.id),
      [],
      'last_run is recorded when a run ends, not when it is queued',
    );
    const never = await list('q=list&status=never');
    assert.equal(never.data.length, 4);
    assert.equal((await api.get('/v1/schedules?sort=sideways')).status, 400);
    assert.equal((await api.get('/v1/schedules?label=nolabel')).status, 400);
  });
});
