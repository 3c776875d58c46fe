import type { Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';
import { DueIndex } from '../scheduler/due-index.ts';
import { refreshed } from '../../../test/support/due-index.ts';
import { ScheduleDirectory, type Listed } from './schedule-directory.ts';
import { scheduleCache } from '../scheduler/schedule-cache.ts';

const tenant = new Types.ObjectId();
const listed = (name: string, extra: Partial<Listed> = {}): Listed => ({
  _id: new Types.ObjectId(),
  tenant_id: tenant,
  name,
  paused: false,
  group_id: null,
  target: null,
  ...extra,
});
const names = (docs: Listed[], ids: Types.ObjectId[]) => ids.map((id) => docs.find((x) => x._id.equals(id))!.name);

test('pages run newest first (or oldest first), after the cursor, with every filter applied, one tenant only', () => {
  const group = new Types.ObjectId();
  const docs = [
    listed('Nightly backup'),
    listed('nightly report', { paused: true }),
    listed('gpu job', { target: { type: 'command', labels: { gpu: 'yes' } } }),
    listed('grouped', { group_id: group }),
    listed('theirs', { tenant_id: new Types.ObjectId() }),
    listed('hourly'),
  ];
  const d = new ScheduleDirectory();
  d.load([...docs].reverse()); // any order in, id order out
  const page = (filter = {}, after: Types.ObjectId | null = null, asc = false, limit = 10) =>
    names(docs, d.page(tenant, filter, { after, asc, limit }));

  assert.deepEqual(page(), ['hourly', 'grouped', 'gpu job', 'nightly report', 'Nightly backup']);
  assert.deepEqual(page({}, null, true, 2), ['Nightly backup', 'nightly report']);
  assert.deepEqual(page({}, docs[2]!._id), ['nightly report', 'Nightly backup'], 'after the cursor, newest first');
  assert.deepEqual(page({}, docs[2]!._id, true), ['grouped', 'hourly'], 'after the cursor, oldest first');
  assert.deepEqual(page({ q: 'NIGHTLY' }), ['nightly report', 'Nightly backup']);
  assert.deepEqual(page({ paused: true }), ['nightly report']);
  assert.deepEqual(page({ label: ['gpu', 'yes'] }), ['gpu job']);
  assert.deepEqual(page({ label: ['gpu', 'no'] }), []);
  assert.deepEqual(page({ groupId: group }), ['grouped']);
  assert.deepEqual(page({ q: 'theirs' }), [], "another tenant's schedule is not listed");
});

test('put places a new schedule by id and replaces an edited one; remove drops it', () => {
  const d = new ScheduleDirectory();
  const [a, b] = [listed('a'), listed('b')];
  d.load([a]);
  d.put(b);
  d.put({ ...a, name: 'a renamed', paused: true });
  assert.deepEqual(
    names([b, { ...a, name: 'a renamed' }], d.page(tenant, {}, { after: null, asc: false, limit: 10 })),
    ['b', 'a renamed'],
  );
  assert.equal(d.page(tenant, { paused: true }, { after: null, asc: false, limit: 10 }).length, 1);
  d.remove(a._id.toHexString());
  d.remove(a._id.toHexString()); // twice: no harm
  assert.deepEqual(d.page(tenant, {}, { after: null, asc: false, limit: 10 }).map(String), [String(b._id)]);
});

let server: TestServer;
let api: Client;
let other: Client;
before(async () => {
  // No scheduler: the directory is live only while this test refreshes a due index itself.
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Directory')).api;
  other = (await newTenant(server.url, 'Next door')).api;
});
after(() => server.close());

test('a list answered from the directory is the list the database query gives, sorted orders too', async () => {
  const group = (await (await api.post('/v1/groups', { name: 'etl' })).json()) as { id: string };
  const bodies = [
    { name: 'Nightly backup', cron: '0 2 * * *' },
    { name: 'nightly report', cron: '0 3 * * *', paused: true },
    { name: 'gpu train', cron: '0 4 * * *', target: { type: 'command', command: ['true'], labels: { gpu: 'yes' } } },
    { name: 'etl load', cron: '0 5 * * *', group: group.id },
    { name: 'etl extract', cron: '0 6 * * *', group: group.id, paused: true },
    ...Array.from({ length: 7 }, (_, i) => ({ name: `filler ${i}`, every: `${i + 1}h` })),
  ];
  for (const b of bodies) {
    const res = await api.post('/v1/schedules', { target: { type: 'http', url: 'https://example.com/' }, ...b });
    assert.equal(res.status, 201, await res.clone().text());
  }
  await other.post('/v1/schedules', {
    name: 'nightly elsewhere',
    cron: '0 2 * * *',
    target: { type: 'http', url: 'https://example.com/' },
  });
  const queries = [
    'limit=5',
    'limit=5&order=asc',
    'q=nightly',
    'paused=true',
    'paused=false&limit=3',
    'label=gpu=yes',
    `group=${group.id}`,
    'group=etl&paused=false',
    // Sorted and filtered by state: joined in memory from the same schedules.
    'sort=name',
    'sort=name&order=desc&limit=4',
    'sort=next_run_at&q=nightly',
    'status=never&paused=false&limit=4',
  ];
  /** Every page of a query, following next_cursor. */
  const pages = async (qs: string, live: boolean) => {
    const seen: string[][] = [];
    let cursor: string | null = null;
    do {
      if (live) await refreshed(new DueIndex()); // loads the directory and marks it followed
      assert.equal(scheduleCache.following, live);
      const res = await api.get(`/v1/schedules?${qs}${cursor ? `&cursor=${cursor}` : ''}`);
      assert.equal(res.status, 200, await res.clone().text());
      const body = (await res.json()) as { data: Schedule[]; next_cursor: string | null };
      seen.push(body.data.map((s) => s.name));
      cursor = body.next_cursor;
    } while (cursor && seen.length < 10);
    return seen;
  };
  const fromDatabase = [];
  for (const qs of queries) fromDatabase.push(await pages(qs, false));
  for (const [i, qs] of queries.entries()) {
    assert.deepEqual(await pages(qs, true), fromDatabase[i], qs);
  }
  assert.deepEqual(fromDatabase[2], [['nightly report', 'Nightly backup']]);
  assert.equal(fromDatabase[1]!.flat().length, bodies.length, 'oldest first pages through every schedule once');
  assert.equal(new Set(fromDatabase[1]!.flat()).size, bodies.length);
});

test("the directory lists a schedule created or deleted in this process at once, and not another tenant's", async () => {
  await refreshed(new DueIndex());
  const created = (await (
    await api.post('/v1/schedules', {
      name: 'just made',
      cron: '0 1 * * *',
      target: { type: 'http', url: 'https://example.com/' },
    })
  ).json()) as Schedule;
  assert.ok(scheduleCache.following);
  const first = async (c: Client) =>
    ((await (await c.get('/v1/schedules?limit=1')).json()) as { data: Schedule[] }).data[0]?.name;
  assert.equal(await first(api), 'just made');
  assert.equal(await first(other), 'nightly elsewhere');
  assert.equal((await api.delete(`/v1/schedules/${created.id}`)).status, 204);
  assert.notEqual(await first(api), 'just made');
});

test('while a load of the due index is under way, lists come from the database', async () => {
  const names = async () =>
    ((await (await api.get('/v1/schedules?limit=3&order=asc')).json()) as { data: Schedule[] }).data.map((s) => s.name);
  let during: string[] = [];
  const index: DueIndex = new DueIndex(() => new Date(), {
    beforeBatch: async () => {
      assert.ok(scheduleCache.following, 'copies follow the notes during the load');
      during = await names(); // the directory is still empty here
    },
  });
  await refreshed(index);
  assert.ok(during.length > 0);
  assert.deepEqual(during, await names());
});
