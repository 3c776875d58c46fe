import type { Run, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { newTenant, startTestServer, waitFor, type Client, type TestServer } from '../../../test/support/server.ts';

let server: TestServer;
let api: Client;
let target: http.Server;
let targetUrl: string;
const seen: { url: string; token: string }[] = [];

before(async () => {
  server = await startTestServer();
  api = (await newTenant(server.url, 'Progress')).api;
  // A target that reports progress through its per-run callback while it works, then answers.
  target = http.createServer((req, res) => {
    const url = String(req.headers['x-crony-progress-url']);
    const token = String(req.headers['x-crony-progress-token']);
    seen.push({ url, token });
    req.resume();
    void (async () => {
      await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ percent: 30, message: 'step 1 of 3' }),
      });
      await new Promise((r) => setTimeout(r, 1500));
      res.writeHead(200).end('done');
    })();
  });
  await new Promise<void>((r) => target.listen(0, '127.0.0.1', r));
  targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/work`;
});
after(async () => {
  target.closeAllConnections();
  target.close();
  await server.close();
});

async function triggerRun(): Promise<{ schedule: Schedule; run: Run }> {
  const schedule = (await (
    await api.post('/v1/schedules', {
      name: 'reports progress',
      cron: '0 0 1 1 *',
      target: { type: 'http', url: targetUrl },
    })
  ).json()) as Schedule;
  const run = (await (await api.post(`/v1/schedules/${schedule.id}/trigger`)).json()) as Run;
  return { schedule, run };
}

/** The run once it has succeeded. */
const succeeded = (id: string, what: string) =>
  waitFor(
    async () => {
      const r = (await (await api.get(`/v1/runs/${id}`)).json()) as Run;
      return r.status === 'succeeded' ? r : undefined;
    },
    15_000,
    what,
  );

/** Opens `GET /v1/events?<query>` as `client`; abort the signal to close it. */
const openEvents = (query: string, client: Client, signal: AbortSignal) =>
  fetch(`${server.url}/v1/events?${query}`, { headers: { authorization: `Bearer ${client.token}` }, signal });

test('an HTTP target reports progress through its per-run callback; others cannot', async () => {
  const { run } = await triggerRun();
  const done = await succeeded(run.id, 'the run');
  assert.deepEqual([done.progress?.percent, done.progress?.message], [30, 'step 1 of 3']);
  const { url, token } = seen[seen.length - 1]!;
  assert.equal(url, `${server.url}/v1/runs/${run.id}/progress`);

  const report = (bearer: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({ percent: 90, message: 'late' }),
    });
  assert.equal((await report(token)).status, 409, 'the attempt is over');
  assert.equal((await report(token.slice(0, -2) + 'xx')).status, 401, 'a forged token');
  assert.equal((await report(api.token)).status, 401, 'a tenant token is not a progress token');
});

/** Collects the `run` events of an open stream until it closes. */
function readRunEvents(res: Response): { events: Run[]; reading: Promise<void> } {
  const events: Run[] = [];
  const reading = (async () => {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let cut;
      while ((cut = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        const data = block.split('\n').find((l) => l.startsWith('data: '));
        if (block.includes('event: run') && data) events.push(JSON.parse(data.slice(6)) as Run);
      }
    }
  })().catch(() => undefined);
  return { events, reading };
}

test('GET /v1/events streams a run as it progresses and ends', async () => {
  const { schedule, run: first } = await triggerRun();
  await succeeded(first.id, 'the first run');

  const abort = new AbortController();
  const res = await openEvents(`schedule_id=${schedule.id}`, api, abort.signal);
  assert.equal(res.headers.get('content-type'), 'text/event-stream; charset=utf-8');
  const { events, reading } = readRunEvents(res);

  const second = (await (await api.post(`/v1/schedules/${schedule.id}/trigger`)).json()) as Run;
  await waitFor(
    async () => (events.some((e) => e.id === second.id && e.status === 'succeeded') ? true : undefined),
    15_000,
    'the final event',
  );
  abort.abort();
  await reading;
  const mine = events.filter((e) => e.id === second.id);
  assert.ok(
    mine.some((e) => e.status === 'running' && e.progress?.percent === 30),
    'progress arrived while running',
  );
  assert.equal(mine[mine.length - 1]?.status, 'succeeded');
  assert.equal(
    events.some((e) => e.id === first.id),
    false,
    'runs that ended before the stream are not replayed',
  );
});

test('a stream of one run starts with its current state, even when it ended before the stream', async () => {
  // A client that read the run while it was running and subscribed after it ended must still
  // learn that it ended (a target that fails at once did this to the console).
  const { run } = await triggerRun();
  await succeeded(run.id, 'the run');
  const abort = new AbortController();
  const res = await openEvents(`run_id=${run.id}`, api, abort.signal);
  const { events, reading } = readRunEvents(res);
  await waitFor(async () => (events.length > 0 ? true : undefined), 10_000, 'the first event');
  abort.abort();
  await reading;
  assert.deepEqual(
    events.map((e) => [e.id, e.status]),
    [[run.id, 'succeeded']],
  );
});

test('a stream of one run does not show another tenant its run', async () => {
  const { run } = await triggerRun();
  const other = (await newTenant(server.url, 'Progress neighbour')).api;
  const abort = new AbortController();
  const res = await openEvents(`run_id=${run.id}`, other, abort.signal);
  const { events, reading } = readRunEvents(res);
  await new Promise((r) => setTimeout(r, 2500));
  abort.abort();
  await reading;
  assert.deepEqual(events, []);
});
