import { type CreatedWorkerToken, type Run, type RunLogs, type Schedule, type Worker } from '@crony/shared';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Types } from 'mongoose';
import { newTenant, startTestServer, waitFor, type Client, type TestServer } from '../../../test/support/server.ts';
import { claimRun, completeRun } from '../runs/lifecycle.ts';

const cli = fileURLToPath(new URL('../../cli.ts', import.meta.url));
let server: TestServer;
let api: Client;
let token: CreatedWorkerToken;
const workers: ChildProcess[] = [];
const dirs: string[] = [];

before(async () => {
  server = await startTestServer();
  api = (await newTenant(server.url, 'Worker processes')).api;
  token = (await (await api.post('/v1/worker-tokens', { name: 'ci' })).json()) as CreatedWorkerToken;
});
after(async () => {
  for (const w of workers) w.kill('SIGKILL');
  await server.close();
  for (const d of dirs) await fs.rm(d, { recursive: true, force: true });
});

/** `crony worker --api URL --token T --name N`: the one command a user runs on a machine. */
async function startWorker(
  name: string,
  stored?: string,
  extra: string[] = [],
): Promise<{ proc: ChildProcess; output: () => string; stateDir: string }> {
  const stateDir = stored ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'crony-worker-')));
  if (!stored) dirs.push(stateDir);
  let out = '';
  const proc = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      cli,
      'worker',
      '--api',
      server.url,
      '--token',
      token.token,
      '--name',
      name,
      '--state-dir',
      stateDir,
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  workers.push(proc);
  await waitFor(async () => (out.includes('working for') ? true : undefined), 30_000, `${name} to start`);
  return { proc, output: () => out, stateDir };
}

const run = async (id: string) => (await (await api.get(`/v1/runs/${id}`)).json()) as Run;

/** The run once its status is one of `statuses`; fails after `ms`. */
const runIn = (id: string, statuses: Run['status'][], what: string, ms = 30_000) =>
  waitFor(
    async () => {
      const x = await run(id);
      return statuses.includes(x.status) ? x : undefined;
    },
    ms,
    what,
  );

async function trigger(
  command: string[],
  extra: Record<string, unknown> = {},
  target: Record<string, unknown> = {},
): Promise<Run> {
  const s = (await (
    await api.post('/v1/schedules', {
      name: `cmd ${command[0]}`,
      cron: '0 0 1 1 *',
      ...extra,
      target: { type: 'command', command, ...target },
    })
  ).json()) as Schedule;
  return (await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run;
}

test('one command registers a worker, which runs a sandboxed command with progress and logs', async () => {
  const w1 = await startWorker('first');
  const files = await fs.readdir(w1.stateDir);
  assert.equal(files.length, 1, 'the worker stored its credential');
  const stat = await fs.stat(path.join(w1.stateDir, files[0]!));
  assert.equal(stat.mode & 0o777, 0o600, 'readable by its owner only');
  const list = (await (await api.get('/v1/workers')).json()) as { data: Worker[] };
  assert.equal(list.data.find((w) => w.name === 'first')?.state, 'online');

  const r = await trigger([
    'sh',
    '-c',
    'echo "::progress 50 half way"; echo hello from the sandbox; echo oops >&2; exit 0',
  ]);
  const done = await runIn(r.id, ['succeeded', 'failed'], 'the command to finish');
  assert.equal(done.status, 'succeeded', JSON.stringify(done.error));
  assert.equal(done.exit_code, 0);
  assert.equal(done.progress?.percent, 50);
  assert.equal(done.progress?.message, 'half way');
  const logs = (await (await api.get(`/v1/runs/${r.id}/logs`)).json()) as RunLogs;
  const text = logs.data.map((l) => `${l.stream}:${l.text}`).join('');
  assert.match(text, /stdout:[^]*hello from the sandbox/);
  assert.match(text, /stderr:oops/);

  const failing = await trigger(['sh', '-c', 'exit 7'], { retry: { max_attempts: 1 } });
  const failed = await runIn(failing.id, ['failed'], 'the failing command');
  assert.equal(failed.exit_code, 7);
  assert.equal(failed.error?.code, 'exit_code');
});

test('a worker killed mid-run: the run is completed by another worker as its next attempt', async () => {
  const second = await startWorker('second');
  const r = await trigger(['sh', '-c', 'sleep 6; echo finished'], {
    retry: { max_attempts: 3, initial_interval: '1s' },
  });
  const running = await runIn(r.id, ['running'], 'the run to start');
  const owner = running.lease?.owner ?? '';
  const list = (await (await api.get('/v1/workers')).json()) as { data: Worker[] };
  const holder = list.data.find((w) => owner === `worker:${w.id}`);
  assert.ok(holder, `a worker holds the lease (${owner})`);
  // Kill whichever process holds it; the other one must finish the run.
  const victim =
    holder.name === 'second' ? second.proc : workers.find((p) => p !== second.proc && p.exitCode === null)!;
  victim.kill('SIGKILL');
  const done = await runIn(r.id, ['succeeded'], 'another worker to finish the run', 60_000);
  assert.equal(done.attempt, 2);
  assert.equal(done.attempts[0]?.error?.code, 'lease_expired');
  assert.notEqual(done.attempts[1]?.executor, owner);
});

test('SIGTERM drains a worker: it finishes the run in hand, takes no new one, and exits', async () => {
  // Only the drained worker may run things: the others have exited, so their connections are
  // closed, before the run below is triggered.
  const alive = workers.filter((p) => p.exitCode === null && p.signalCode === null);
  await Promise.all(alive.map((p) => new Promise((resolve) => p.once('exit', resolve).kill('SIGKILL'))));
  const w = await startWorker('drainer');
  const r = await trigger(['sh', '-c', 'sleep 3; echo finished'], { retry: { max_attempts: 1 } });
  await runIn(r.id, ['running'], 'the run to start');
  // Listening before the signal: on a slow machine the worker can be gone before the trigger below returns.
  const exited = new Promise<number | null>((resolve) => w.proc.once('exit', resolve));
  w.proc.kill('SIGTERM');
  const queuedAfter = await trigger(['echo', 'never by this worker']);
  const code = await exited;
  assert.equal(code, 0);
  assert.equal((await run(r.id)).status, 'succeeded', 'the run in hand was finished');
  assert.equal((await run(queuedAfter.id)).status, 'queued', 'no new run was taken');
  const list = (await (await api.get('/v1/workers')).json()) as { data: Worker[] };
  assert.equal(list.data.find((x) => x.name === 'drainer')?.state, 'draining');
  await api.post(`/v1/runs/${queuedAfter.id}/cancel`);
});

test('a worker started again after SIGTERM, with its stored credential, takes work again', async () => {
  const alive = workers.filter((p) => p.exitCode === null && p.signalCode === null);
  await Promise.all(alive.map((p) => new Promise((resolve) => p.once('exit', resolve).kill('SIGKILL'))));
  const first = await startWorker('restarted');
  const exited = new Promise((resolve) => first.proc.once('exit', resolve));
  first.proc.kill('SIGTERM');
  await exited;
  const again = await startWorker('restarted', first.stateDir, ['--labels', 'zone=b']);
  assert.doesNotMatch(again.output(), /registered as/, 'it used its stored credential');
  assert.match(again.output(), /labels: zone=b/, 'the labels it was started with apply');
  const r = await trigger(['echo', 'after the restart'], {}, { labels: { zone: 'b' } });
  const done = await runIn(r.id, ['succeeded'], 'the restarted worker to run the command');
  assert.equal(done.attempt, 1);
  const list = (await (await api.get('/v1/workers')).json()) as { data: Worker[] };
  assert.deepEqual(
    list.data.filter((x) => x.name === 'restarted').map((x) => [x.state, x.labels]),
    [['online', { zone: 'b' }]],
    'one worker, online again, with its new labels',
  );
});

test('a revoked worker is refused and stops', async () => {
  const w = await startWorker('doomed');
  const list = (await (await api.get('/v1/workers')).json()) as { data: Worker[] };
  const id = list.data.find((x) => x.name === 'doomed')!.id;
  const exited = new Promise<number | null>((resolve) => w.proc.once('exit', resolve));
  assert.equal((await api.delete(`/v1/workers/${id}`)).status, 204);
  const code = await exited;
  assert.equal(code, 3);
  assert.match(w.output(), /refused this worker's credential/);
});

test('a worker whose run is preempted stops the command and says so; the run waits, then runs again', async () => {
  for (const p of workers) if (p.exitCode === null) p.kill('SIGKILL');
  const w = await startWorker('preemptee');
  // A one-at-a-time, preemptible profile: the low-priority command holds its only place.
  const profile = (await (
    await api.post('/v1/profiles', {
      name: 'one-at-a-time',
      max_concurrent: 1,
      allow_preemption: true,
      default_priority: 10,
    })
  ).json()) as { id: string };
  const low = await trigger(['sh', '-c', 'sleep 60'], { retry: { max_attempts: 1 }, profile: profile.id });
  await runIn(low.id, ['running'], 'the run to start');
  // An urgent run of the same profile, with labels no worker carries: only this test claims it.
  const urgent = (await (
    await api.post('/v1/schedules', {
      name: 'urgent',
      cron: '0 0 1 1 *',
      profile: profile.id,
      priority: 200,
      retry: { max_attempts: 1 },
      target: { type: 'command', command: ['true'], labels: { nobody: 'has' } },
    })
  ).json()) as Schedule;
  const high = (await (await api.post(`/v1/schedules/${urgent.id}/trigger`)).json()) as Run;
  const claimed = await claimRun(new Types.ObjectId(high.id), 'test');
  assert.ok(claimed, 'the urgent run takes the place');

  await waitFor(async () => (/preempted/.test(w.output()) ? true : undefined), 20_000, 'the worker to hear it');
  // The reason is written when a worker next asks for work and finds the profile full.
  const waiting = await waitFor(
    async () => {
      const x = await run(low.id);
      return x.wait_reason ? x : undefined;
    },
    20_000,
    'the preempted run to say why it waits',
  );
  assert.equal(waiting.status, 'queued');
  assert.equal(waiting.attempts[0]?.status, 'preempted');
  assert.equal(waiting.wait_reason, "waiting for a place: profile 'one-at-a-time' runs 1 of 1");

  assert.ok(
    await completeRun(claimed.lease, { status: 'succeeded', http_status: null, response_excerpt: null, error: null }),
  );
  const again = await runIn(low.id, ['running'], 'the preempted run to run again');
  assert.equal(again.attempt, 2, 'as its next attempt, though max_attempts is 1');
  await api.post(`/v1/runs/${low.id}/cancel`);
});
