import type { Group, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';
import { RunModel } from '../runs/run.model.ts';
import { ScheduleStateModel } from '../scheduler/schedule-state.model.ts';

let server: TestServer;
let admin: Client;
let member: Client;
let other: Client;

before(async () => {
  server = await startTestServer({ scheduler: false });
  admin = (await newTenant(server.url, 'Groups Inc')).api;
  const tok = await admin.post('/v1/tokens', { name: 'member', role: 'member' });
  member = client(server.url, ((await tok.json()) as { token: string }).token);
  other = (await newTenant(server.url, 'Elsewhere')).api;
});
after(() => server.close());

const target = { type: 'http', url: 'https://example.com/hook' };
const json = async <T>(res: Response | Promise<Response>, status = 200): Promise<T> => {
  const r = await res;
  const body: unknown = await r.json();
  assert.equal(r.status, status, JSON.stringify(body));
  return body as T;
};
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

describe('groups', () => {
  test('CRUD by id or name; names are slugs, unique per tenant; members read but do not write', async () => {
    const bad = await admin.post('/v1/groups', { name: 'Nightly Jobs' });
    assert.equal(bad.status, 400);
    assert.match((await errorOf(bad)).message, /lowercase letters/);
    assert.equal(
      (await admin.post('/v1/groups', { name: 'a'.repeat(24).replace(/a/g, 'b') })).status,
      400,
      'id-like names are refused',
    );

    const g = await json<Group>(
      admin.post('/v1/groups', { name: 'etl', description: 'nightly loads', labels: { zone: 'eu' } }),
      201,
    );
    assert.equal(g.tasks, 0);
    assert.equal(g.paused, false);
    assert.equal((await admin.post('/v1/groups', { name: 'etl' })).status, 409);
    assert.deepEqual(await json<Group>(admin.get('/v1/groups/etl')), g);
    assert.deepEqual(await json<Group>(member.get(`/v1/groups/${g.id}`)), g);
    assert.equal((await member.patch('/v1/groups/etl', { paused: true })).status, 403);
    assert.equal((await member.delete('/v1/groups/etl')).status, 403);

    const renamed = await json<Group>(
      admin.patch('/v1/groups/etl', { name: 'etl-v2', defaults: { env: { MODE: 'full' } } }),
    );
    assert.equal(renamed.name, 'etl-v2');
    assert.deepEqual(renamed.defaults, { headers: {}, env: { MODE: 'full' } });
    assert.equal((await admin.get('/v1/groups/etl')).status, 404);
    const listed = await json<{ data: Group[] }>(admin.get('/v1/groups'));
    assert.ok(listed.data.some((x) => x.id === g.id));
  });

  test('nested routes: create, list, get, patch, delete a task; consistent with the flat resource', async () => {
    const g = await json<Group>(admin.post('/v1/groups', { name: 'reports' }), 201);
    const h = await json<Group>(admin.post('/v1/groups', { name: 'billing' }), 201);

    // A member creates tasks in the group (tasks are schedules).
    const t = await json<Schedule>(
      member.post('/v1/schedules/reports/tasks', { name: 'daily', cron: '0 6 * * *', target }),
      201,
    );
    assert.deepEqual(t.group, { id: g.id, name: 'reports' });
    const flat = await json<Schedule>(admin.get(`/v1/schedules/${t.id}`));
    assert.deepEqual(
      await json<Schedule>(admin.get(`/v1/schedules/reports/tasks/${t.id}`)),
      flat,
      'same object, same shape',
    );
    assert.deepEqual(
      await json<Schedule>(admin.get(`/v1/schedules/${g.id}/tasks/${t.id}`)),
      flat,
      'group by id works too',
    );

    // Created on the flat resource with `group`, it is a task of that group as well.
    const t2 = await json<Schedule>(
      admin.post('/v1/schedules', { name: 'weekly', cron: '0 6 * * 1', target, group: 'reports' }),
      201,
    );
    const ungrouped = await json<Schedule>(admin.post('/v1/schedules', { name: 'loose', every: '1h', target }), 201);
    assert.equal(ungrouped.group, null);

    const page = await json<{ data: Schedule[] }>(admin.get('/v1/schedules/reports/tasks'));
    assert.deepEqual(page.data.map((s) => s.id).sort(), [t.id, t2.id].sort());
    const filtered = await json<{ data: Schedule[] }>(admin.get('/v1/schedules?group=reports'));
    assert.deepEqual(filtered.data, page.data, '?group= on the flat list agrees');
    assert.equal((await json<Group>(admin.get('/v1/groups/reports'))).tasks, 2);

    // A schedule outside the group is a 404 through the group, for every verb.
    assert.equal((await admin.get(`/v1/schedules/billing/tasks/${t.id}`)).status, 404);
    assert.equal((await admin.get(`/v1/schedules/reports/tasks/${ungrouped.id}`)).status, 404);
    assert.equal((await admin.patch(`/v1/schedules/billing/tasks/${t.id}`, { name: 'hijack' })).status, 404);
    assert.equal((await admin.delete(`/v1/schedules/billing/tasks/${t.id}`)).status, 404);
    assert.equal((await admin.get('/v1/schedules/nope/tasks')).status, 404);
    assert.equal(
      (await admin.post('/v1/schedules/reports/tasks', { name: 'x', every: '1h', target, group: 'billing' })).status,
      400,
      'a body naming another group than the path is refused',
    );

    const patched = await json<Schedule>(admin.patch(`/v1/schedules/reports/tasks/${t.id}`, { priority: 500 }));
    assert.equal(patched.effective.priority, 500);
    // Moving a task to another group through PATCH.
    const moved = await json<Schedule>(admin.patch(`/v1/schedules/${t2.id}`, { group: h.id }));
    assert.deepEqual(moved.group, { id: h.id, name: 'billing' });
    assert.equal((await admin.get(`/v1/schedules/reports/tasks/${t2.id}`)).status, 404);

    assert.equal((await admin.delete(`/v1/schedules/reports/tasks/${t.id}`)).status, 204);
    assert.equal((await admin.get(`/v1/schedules/${t.id}`)).status, 404);
  });

  test("another tenant's group is a 404 everywhere, and cannot be named by a schedule", async () => {
    const g = await json<Group>(admin.post('/v1/groups', { name: 'secret' }), 201);
    assert.equal((await other.get(`/v1/groups/${g.id}`)).status, 404);
    assert.equal((await other.get('/v1/groups/secret')).status, 404);
    assert.equal((await other.patch(`/v1/groups/${g.id}`, { paused: true })).status, 404);
    assert.equal((await other.delete(`/v1/groups/${g.id}`)).status, 404);
    assert.equal((await other.get(`/v1/schedules/${g.id}/tasks`)).status, 404);
    assert.equal((await other.post(`/v1/schedules/${g.id}/tasks`, { name: 'x', every: '1h', target })).status, 404);
    const res = await other.post('/v1/schedules', { name: 'x', every: '1h', target, group: g.id });
    assert.equal(res.status, 400);
  });

  test('deleting a group with tasks is refused (group_not_empty) unless cascade, which deletes the tasks and their runs', async () => {
    const g = await json<Group>(admin.post('/v1/groups', { name: 'doomed' }), 201);
    const a = await json<Schedule>(admin.post('/v1/schedules/doomed/tasks', { name: 'a', every: '1h', target }), 201);
    const b = await json<Schedule>(admin.post('/v1/schedules/doomed/tasks', { name: 'b', every: '1h', target }), 201);
    const run = await admin.post(`/v1/schedules/${a.id}/trigger`);
    assert.equal(run.status, 201);

    const refused = await admin.delete('/v1/groups/doomed');
    assert.equal(refused.status, 409);
    const e = await errorOf(refused);
    assert.equal(e.code, 'group_not_empty');
    assert.match(e.message, /2 tasks.*cascade=true/);
    assert.equal((await admin.get(`/v1/schedules/${a.id}`)).status, 200, 'nothing deleted');

    assert.equal((await admin.delete('/v1/groups/doomed?cascade=true')).status, 204);
    assert.equal((await admin.get(`/v1/groups/${g.id}`)).status, 404);
    for (const s of [a, b]) assert.equal((await admin.get(`/v1/schedules/${s.id}`)).status, 404);
    assert.equal(await RunModel.countDocuments({ schedule_id: a.id }), 0, 'the runs went with the task');
    assert.equal(await ScheduleStateModel.countDocuments({ _id: { $in: [a.id, b.id] } }), 0);

    const empty = await json<Group>(admin.post('/v1/groups', { name: 'empty' }), 201);
    assert.equal((await admin.delete(`/v1/groups/${empty.id}`)).status, 204, 'an empty group needs no cascade');
  });

  test('pausing a group holds its tasks (next_run_at null, effective paused from the group); resuming restores them', async () => {
    await json<Group>(admin.post('/v1/groups', { name: 'holdable' }), 201);
    const t = await json<Schedule>(admin.post('/v1/schedules/holdable/tasks', { name: 't', every: '1h', target }), 201);
    const own = await json<Schedule>(
      admin.post('/v1/schedules/holdable/tasks', { name: 'own', every: '1h', target, paused: true }),
      201,
    );
    assert.ok(t.next_run_at);

    const paused = await json<Group>(admin.post('/v1/groups/holdable/pause'));
    assert.equal(paused.paused, true);
    const held = await json<Schedule>(admin.get(`/v1/schedules/${t.id}`));
    assert.equal(held.paused, false, 'the task keeps its own setting');
    assert.equal(held.effective.paused, true);
    assert.equal(held.effective.sources.paused, 'group');
    assert.equal(held.next_run_at, null);

    // Resuming the task alone does not escape its group's pause; a new task is held too.
    assert.equal((await json<Schedule>(admin.post(`/v1/schedules/${t.id}/resume`))).next_run_at, null);
    const late = await json<Schedule>(
      admin.post('/v1/schedules/holdable/tasks', { name: 'late', every: '1h', target }),
      201,
    );
    assert.equal(late.next_run_at, null);

    await json<Group>(admin.post('/v1/groups/holdable/resume'));
    const back = await json<Schedule>(admin.get(`/v1/schedules/${t.id}`));
    assert.equal(back.effective.paused, false);
    assert.ok(back.next_run_at, 'continues from its next slot');
    assert.equal(
      (await json<Schedule>(admin.get(`/v1/schedules/${own.id}`))).next_run_at,
      null,
      'paused by itself stays so',
    );
  });
});
