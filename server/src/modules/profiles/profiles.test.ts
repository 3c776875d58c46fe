import type { Profile, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { client, newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
let admin: Client;
let member: Client;
let viewer: Client;
let other: Client;

async function tokenFor(api: Client, role: 'member' | 'viewer'): Promise<Client> {
  const res = await api.post('/v1/tokens', { name: `a ${role}`, role });
  assert.equal(res.status, 201);
  return client(server.url, ((await res.json()) as { token: string }).token);
}

before(async () => {
  server = await startTestServer({ scheduler: false });
  admin = (await newTenant(server.url, 'Profiles Inc')).api;
  member = await tokenFor(admin, 'member');
  viewer = await tokenFor(admin, 'viewer');
  other = (await newTenant(server.url, 'Other Tenant')).api;
});
after(() => server.close());

const list = async (api: Client) => ((await (await api.get('/v1/profiles')).json()) as { data: Profile[] }).data;
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; message: string } }).error;

const target = { type: 'http', url: 'https://example.com/hook' };

describe('profiles', () => {
  test('a tenant has exactly one default profile, created on first use, even under concurrent first reads', async () => {
    const fresh = (await newTenant(server.url, 'Fresh')).api;
    const lists = await Promise.all([list(fresh), list(fresh), list(fresh), list(fresh)]);
    for (const l of lists) {
      assert.equal(l.length, 1);
      assert.equal(l[0]!.is_default, true);
      assert.equal(l[0]!.name, 'default');
      assert.equal(l[0]!.default_priority, 100);
      assert.equal(l[0]!.id, lists[0]![0]!.id, 'every reader sees the same default');
    }
  });

  test('admins create, change and delete profiles; validation says what to fix', async () => {
    const bad = await admin.post('/v1/profiles', { name: 'x', default_priority: 5000, max_concurrent: 0 });
    assert.equal(bad.status, 400);
    const err = (await bad.json()) as { error: { code: string; details: { path: string; message: string }[] } };
    assert.equal(err.error.code, 'validation_failed');
    assert.deepEqual(err.error.details.map((d) => d.path).sort(), ['default_priority', 'max_concurrent']);

    const res = await admin.post('/v1/profiles', {
      name: 'batch',
      max_runtime_seconds: 600,
      max_concurrent: 2,
      allow_preemption: true,
      default_priority: 10,
    });
    assert.equal(res.status, 201);
    const p = (await res.json()) as Profile;
    assert.equal(p.is_default, false);
    assert.deepEqual(p.retry, { max_attempts: 3, initial_interval: '10s', backoff_coefficient: 2, max_interval: '5m' });

    const dup = await admin.post('/v1/profiles', { name: 'batch' });
    assert.equal(dup.status, 409, 'names are unique per tenant');

    const patched = await admin.patch(`/v1/profiles/${p.id}`, { max_concurrent: null, description: 'nightly' });
    assert.equal(patched.status, 200);
    assert.equal(((await patched.json()) as Profile).max_concurrent, null);
    assert.equal((await admin.get(`/v1/profiles/${p.id}`)).status, 200);

    assert.equal((await admin.delete(`/v1/profiles/${p.id}`)).status, 204);
    assert.equal((await admin.get(`/v1/profiles/${p.id}`)).status, 404);
  });

  test('a member is refused (403) on create, change and delete; a viewer reads', async () => {
    const p = (await (await admin.post('/v1/profiles', { name: 'guarded' })).json()) as Profile;
    for (const res of [
      await member.post('/v1/profiles', { name: 'mine' }),
      await member.patch(`/v1/profiles/${p.id}`, { default_priority: 999 }),
      await member.delete(`/v1/profiles/${p.id}`),
      await viewer.post('/v1/profiles', { name: 'mine' }),
    ]) {
      assert.equal(res.status, 403);
      const e = await errorOf(res);
      assert.equal(e.code, 'forbidden');
      assert.match(e.message, /admin role/);
    }
    assert.equal(
      ((await admin.get(`/v1/profiles/${p.id}`).then((r) => r.json())) as Profile).default_priority,
      100,
      'unchanged',
    );
    const seen = await list(viewer);
    assert.ok(seen.some((x) => x.id === p.id));
    assert.equal((await viewer.get(`/v1/profiles/${p.id}`)).status, 200);
  });

  test('the default cannot be deleted; another profile can become the default', async () => {
    const def = (await list(admin)).find((p) => p.is_default)!;
    const refused = await admin.delete(`/v1/profiles/${def.id}`);
    assert.equal(refused.status, 409);
    assert.match((await errorOf(refused)).message, /default profile/);

    const next = (await (
      await admin.post('/v1/profiles', { name: 'new-default', is_default: true })
    ).json()) as Profile;
    assert.equal(next.is_default, true);
    const all = await list(admin);
    assert.deepEqual(
      all.filter((p) => p.is_default).map((p) => p.id),
      [next.id],
      'exactly one default',
    );
    assert.equal((await admin.patch(`/v1/profiles/${next.id}`, { is_default: false })).status, 400);
    // The old default is an ordinary profile now; switch back, then it cannot be deleted again.
    assert.equal((await admin.patch(`/v1/profiles/${def.id}`, { is_default: true })).status, 200);
    assert.equal((await admin.delete(`/v1/profiles/${next.id}`)).status, 204);
    assert.equal((await admin.delete(`/v1/profiles/${def.id}`)).status, 409);
  });

  test('a profile in use by schedules and groups cannot be deleted; the error says by how many', async () => {
    const p = (await (await admin.post('/v1/profiles', { name: 'busy' })).json()) as Profile;
    for (const name of ['a', 'b']) {
      const r = await admin.post('/v1/schedules', { name, every: '1h', target, profile: p.id });
      assert.equal(r.status, 201);
    }
    assert.equal((await admin.post('/v1/groups', { name: 'busy-group', profile: p.id })).status, 201);
    const refused = await admin.delete(`/v1/profiles/${p.id}`);
    assert.equal(refused.status, 409);
    const e = await errorOf(refused);
    assert.equal(e.code, 'profile_in_use');
    assert.match(e.message, /1 group and 2 schedules/);
  });

  test('another tenant cannot see or use a profile: 404, and 400 when a schedule names it', async () => {
    const p = (await (await admin.post('/v1/profiles', { name: 'private' })).json()) as Profile;
    assert.equal((await other.get(`/v1/profiles/${p.id}`)).status, 404);
    assert.equal((await other.patch(`/v1/profiles/${p.id}`, { default_priority: 1 })).status, 404);
    assert.equal((await other.delete(`/v1/profiles/${p.id}`)).status, 404);
    assert.ok(!(await list(other)).some((x) => x.id === p.id));
    const res = await other.post('/v1/schedules', { name: 'x', every: '1h', target, profile: p.id });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { details: { path: string }[] } }).error.details[0]!.path, 'profile');
  });

  test("a schedule shows its effective settings and where each came from; retry falls back to the profile's", async () => {
    const p = (await (
      await admin.post('/v1/profiles', {
        name: 'fast-retry',
        default_priority: 700,
        max_runtime_seconds: 120,
        retry: { max_attempts: 7, initial_interval: '2s' },
      })
    ).json()) as Profile;
    const s = (await (
      await admin.post('/v1/schedules', {
        name: 'eff',
        every: '10 minutes',
        target,
        profile: p.id,
        deadline: '50%',
        max_runtime_seconds: 60,
      })
    ).json()) as Schedule;
    assert.equal(s.retry, null, 'the schedule sets no retry of its own');
    assert.equal(s.profile, p.id);
    assert.deepEqual(
      { ...s.effective, sources: undefined },
      {
        priority: 700,
        max_runtime_seconds: 60,
        max_concurrent: null,
        allow_preemption: false,
        retry: { max_attempts: 7, initial_interval: '2s', backoff_coefficient: 2, max_interval: '5m' },
        profile: { id: p.id, name: 'fast-retry' },
        paused: false,
        deadline_ms: 300_000,
        sources: undefined,
      },
    );
    assert.equal(s.effective.sources.priority, 'profile');
    assert.equal(s.effective.sources.max_runtime_seconds, 'schedule');
    assert.equal(s.effective.sources.profile, 'schedule');

    // Editing the profile shows on the schedule at once; clearing the schedule's profile falls back to the default.
    await admin.patch(`/v1/profiles/${p.id}`, { default_priority: 800 });
    assert.equal(((await (await admin.get(`/v1/schedules/${s.id}`)).json()) as Schedule).effective.priority, 800);
    const back = (await (await admin.patch(`/v1/schedules/${s.id}`, { profile: null })).json()) as Schedule;
    assert.equal(back.effective.sources.profile, 'tenant_default');
    assert.equal(back.effective.sources.priority, 'tenant_default');

    // A retry policy of its own wins; `retry: null` goes back to the profile's.
    const own = (await (
      await admin.patch(`/v1/schedules/${s.id}`, { profile: p.id, retry: { max_attempts: 1 } })
    ).json()) as Schedule;
    assert.equal(own.effective.retry.max_attempts, 1);
    assert.equal(own.effective.sources.retry, 'schedule');
    const inherited = (await (await admin.patch(`/v1/schedules/${s.id}`, { retry: null })).json()) as Schedule;
    assert.equal(inherited.retry, null);
    assert.equal(inherited.effective.retry.max_attempts, 7);
    assert.equal(inherited.effective.sources.retry, 'profile');
  });

  test('deadline validation: a percentage needs a recurring schedule and must be 1..100%', async () => {
    const at = new Date(Date.now() + 3600_000).toISOString();
    const cases: [object, string][] = [
      [{ at, deadline: '80%' }, 'recurring'],
      [{ every: '1h', deadline: '150%' }, 'between 1% and 100%'],
      [{ every: '1h', deadline: 'soon' }, 'duration'],
      [{ every: '1h', priority: 1001 }, '0 to 1000'],
    ];
    for (const [when, message] of cases) {
      const res = await admin.post('/v1/schedules', { name: 'd', target, ...when });
      assert.equal(res.status, 400, JSON.stringify(when));
      assert.match((await errorOf(res)).message, new RegExp(message));
    }
    const s = (await (
      await admin.post('/v1/schedules', { name: 'd', every: '1h', target, deadline: '80%' })
    ).json()) as Schedule;
    const patched = await admin.patch(`/v1/schedules/${s.id}`, { at });
    assert.equal(patched.status, 400, 'turning it into a one-off while the deadline is a percentage is refused');
    assert.equal(
      ((await (await admin.get(`/v1/schedules/${s.id}`)).json()) as Schedule).every,
      '1h',
      'nothing written',
    );
  });
});
