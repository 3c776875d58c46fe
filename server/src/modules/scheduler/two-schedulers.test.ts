import type { Run, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import {
  newTenant,
  startReceiver,
  startTestServer,
  waitFor,
  type Client,
  type TestServer,
} from '../../../test/support/server.ts';

const cli = fileURLToPath(new URL('../../cli.ts', import.meta.url));
let server: TestServer;
let other: ChildProcess;
let api: Client;
let receiver: Awaited<ReturnType<typeof startReceiver>>;

before(async () => {
  server = await startTestServer();
  receiver = await startReceiver();
  // A second scheduler process on the same database, as an operator scaling out would run it.
  other = spawn(process.execPath, ['--import', 'tsx', cli, 'serve'], {
    env: {
      ...process.env,
      MONGODB_URI: server.db.uri,
      PORT: '0',
      HOST: '127.0.0.1',
      CRONY_CONSOLE: 'false',
      CRONY_LOG_LEVEL: 'warn',
      CRONY_ALLOWED_TARGET_HOSTS: '127.0.0.1',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    other.stdout!.on('data', (d: Buffer) => d.toString().includes('is ready') && resolve());
    other.on('exit', (code) => reject(new Error(`second scheduler exited with ${code}`)));
  });
  api = (await newTenant(server.url, 'Scale out')).api;
});
after(async () => {
  if (other.exitCode === null && other.signalCode === null) {
    const exited = new Promise((r) => other.once('exit', r));
    other.kill('SIGTERM');
    await exited;
  }
  await server.close();
  await receiver.close();
});

test('two scheduler processes on one database produce exactly one run per slot', async () => {
  const s = (await (
    await api.post('/v1/schedules', {
      name: 'shared',
      cron: '* * * * * *',
      target: { type: 'http', url: `${receiver.url}/both` },
    })
  ).json()) as Schedule;
  const runs = await waitFor(
    async () => {
      const page = (await (await api.get(`/v1/schedules/${s.id}/runs?limit=100`)).json()) as { data: Run[] };
      return page.data.filter((r) => r.status === 'succeeded').length >= 6 ? page.data : undefined;
    },
    30_000,
    'six succeeded runs',
  );
  await api.post(`/v1/schedules/${s.id}/pause`);

  const slots = runs.map((r) => r.nominal_at);
  assert.equal(new Set(slots).size, slots.length, 'no slot has two runs');
  const sorted = slots.map((x) => Date.parse(x)).sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) assert.equal(sorted[i]! - sorted[i - 1]!, 1000, 'no slot is missing');
  const delivered = receiver.requests.filter((q) => q.url === '/both').map((q) => q.headers['x-crony-nominal-time']);
  assert.equal(new Set(delivered).size, delivered.length, 'the target received each slot once');
});
