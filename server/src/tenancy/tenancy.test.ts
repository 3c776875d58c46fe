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
} from '../../test/support/server.ts';

let server: TestServer;
let a: Client;
let b: Client;
let receiver: Awaited<ReturnType<typeof startReceiver>>;
let schedule: Schedule;
let run: Run;

before(async () => {
  server = await startTestServer();
  receiver = await startReceiver();
  a = (await newTenant(server.url, 'Tenant A')).api;
  b = (await newTenant(server.url, 'Tenant B')).api;
  schedule = (await (
    await a.post('/v1/schedules', {
      name: 'A secret job',
      every: '1s',
      target: { type: 'http', url: `${receiver.url}/a` },
    })
  ).json()) as Schedule;
  run = await waitFor(
    async () => {
      const page = (await (await a.get(`/v1/schedules/${schedule.id}/runs`)).json()) as { data: Run[] };
      return page.data[0];
    },
    15_000,
    "tenant A's first run",
  );
  await a.patch(`/v1/schedules/${schedule.id}`, { paused: true });
});
after(async () => {
  await server.close();
  await receiver.close();
});

describe("tenant B never sees or touches tenant A's data", () => {
  const notFound = async (res: Response) => {
    assert.equal(res.status, 404);
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, 'not_found');
    assert.doesNotMatch(JSON.stringify(body), /A secret job/);
  };

  test('read a schedule', async () => notFound(await b.get(`/v1/schedules/${schedule.id}`)));
  test("read a schedule's next fire times", async () => notFound(await b.get(`/v1/schedules/${schedule.id}/next`)));
  test("list a schedule's runs", async () => notFound(await b.get(`/v1/schedules/${schedule.id}/runs`)));
  test('read a run', async () => notFound(await b.get(`/v1/runs/${run.id}`)));
  test('update a schedule', async () => {
    await notFound(await b.patch(`/v1/schedules/${schedule.id}`, { name: 'pwned' }));
    const mine = (await (await a.get(`/v1/schedules/${schedule.id}`)).json()) as Schedule;
    assert.equal(mine.name, 'A secret job');
  });
  test('trigger a schedule', async () => {
    // Triggers read the schedule from the process's copies, which every tenant's requests share.
    const before = (await (await a.get(`/v1/schedules/${schedule.id}/runs`)).json()) as { data: Run[] };
    await notFound(await b.post(`/v1/schedules/${schedule.id}/trigger`));
    const afterwards = (await (await a.get(`/v1/schedules/${schedule.id}/runs`)).json()) as { data: Run[] };
    assert.equal(afterwards.data[0]?.id, before.data[0]?.id, 'no run was made');
  });
  test('delete a schedule', async () => {
    await notFound(await b.delete(`/v1/schedules/${schedule.id}`));
    assert.equal((await a.get(`/v1/schedules/${schedule.id}`)).status, 200);
  });
  test('lists are empty, also when filtered by A’s ids', async () => {
    const schedules = (await (await b.get('/v1/schedules')).json()) as { data: Schedule[] };
    assert.equal(schedules.data.length, 0);
    const runs = (await (await b.get(`/v1/runs?schedule_id=${schedule.id}`)).json()) as { data: Run[] };
    assert.equal(runs.data.length, 0);
    const all = (await (await b.get('/v1/runs')).json()) as { data: Run[] };
    assert.equal(all.data.length, 0);
  });
  test("revoke A's token", async () => {
    const tokens = (await (await a.get('/v1/tokens')).json()) as { data: { id: string }[] };
    await notFound(await b.delete(`/v1/tokens/${tokens.data[0]!.id}`));
    assert.equal((await a.get('/v1/me')).status, 200, "A's token still works");
  });
  test('the tenant comes from the credential, not the body', async () => {
    const res = await b.post('/v1/schedules', {
      name: 'x',
      cron: '0 0 * * *',
      tenant_id: '0123456789abcdef01234567',
      target: { type: 'http', url: 'https://example.com' },
    });
    assert.equal(res.status, 400);
  });
});
