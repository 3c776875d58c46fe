import type { Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { newTenant, startTestServer, type Client, type TestServer } from '../../../test/support/server.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { appendLogs } from './logs.ts';
import { newRun } from './new-run.ts';
import { RunModel, type RunDoc } from './run.model.ts';

let server: TestServer;
let api: Client;
let other: Client;
before(async () => {
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Tail')).api;
  other = (await newTenant(server.url, 'Nosy')).api;
});
after(() => server.close());

/** A running command run written straight to the ledger (no worker needed to produce output). */
async function runningRun(): Promise<RunDoc> {
  const res = await api.post('/v1/schedules', {
    name: 'tail me',
    cron: '0 0 1 1 *',
    target: { type: 'command', command: ['echo', 'hi'] },
  });
  const s = (await res.json()) as Schedule;
  const doc = (await ScheduleModel.findById(s.id).lean<ScheduleDoc>())!;
  const now = new Date();
  const run = {
    ...newRun(doc, { key: `t:${Date.now()}`, nominalAt: now, trigger: 'manual' }, { status: 'queued' }, now),
    status: 'running' as const,
  };
  await RunModel.collection.insertOne(run);
  return run;
}

/** Reads server-sent events from a streaming response until `until` says stop. */
async function readEvents(res: Response, until: (events: { event: string; data: unknown }[]) => boolean) {
  const events: { event: string; data: unknown }[] = [];
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  while (!until(events)) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let i;
    while ((i = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, i);
      buffer = buffer.slice(i + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe('GET /v1/runs/{id}/logs/stream', () => {
  test('sends output as it grows, each chunk once with its offset, then end', async () => {
    const run = await runningRun();
    await appendLogs(run, [{ stream: 'stdout', text: 'line one\n' }]);
    const res = await fetch(`${server.url}/v1/runs/${run._id.toHexString()}/logs/stream`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);

    let appended = false;
    const events = await readEvents(res, (ev) => {
      if (ev.length === 1 && !appended) {
        appended = true;
        // More output, then the run ends: both must arrive, in that order.
        void (async () => {
          await appendLogs(run, [
            { stream: 'stderr', text: 'warn\n' },
            { stream: 'stdout', text: 'line two\n' },
          ]);
          await RunModel.updateOne({ _id: run._id }, { $set: { status: 'succeeded' } });
        })();
      }
      return ev.some((e) => e.event === 'end');
    });
    const logs = events
      .filter((e) => e.event === 'log')
      .map((e) => e.data as { offset: number; data: { text: string }[] });
    assert.equal(logs[0]!.offset, 0);
    assert.deepEqual(
      logs.flatMap((l) => l.data.map((d) => d.text)),
      ['line one\n', 'warn\n', 'line two\n'],
      'every chunk once, in order',
    );
    assert.equal(logs.at(-1)!.offset + logs.at(-1)!.data.length, 3);
    assert.deepEqual(events.at(-1), { event: 'end', data: { status: 'succeeded' } });
  });

  test('resumes from an offset; another tenant gets a 404', async () => {
    const run = await runningRun();
    await appendLogs(run, [
      { stream: 'stdout', text: 'a' },
      { stream: 'stdout', text: 'b' },
    ]);
    await RunModel.updateOne({ _id: run._id }, { $set: { status: 'failed' } });
    const res = await fetch(`${server.url}/v1/runs/${run._id.toHexString()}/logs/stream?from=1`, {
      headers: { authorization: `Bearer ${api.token}` },
    });
    const events = await readEvents(res, (ev) => ev.some((e) => e.event === 'end'));
    assert.deepEqual(
      events.map((e) => e.event),
      ['log', 'end'],
    );
    assert.deepEqual((events[0]!.data as { offset: number; data: { text: string }[] }).offset, 1);
    assert.deepEqual(
      (events[0]!.data as { data: { text: string }[] }).data.map((d) => d.text),
      ['b'],
    );

    const foreign = await other.get(`/v1/runs/${run._id.toHexString()}/logs/stream`);
    assert.equal(foreign.status, 404);
    const unknown = await api.get(`/v1/runs/${new Types.ObjectId().toHexString()}/logs/stream`);
    assert.equal(unknown.status, 404);
    assert.equal((await api.get(`/v1/runs/${run._id.toHexString()}/logs/stream?from=-1`)).status, 400);
  });
});
