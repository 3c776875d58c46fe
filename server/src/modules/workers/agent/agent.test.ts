import type { CreatedWorkerToken, LeasedRun, Run, Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { newTenant, startTestServer, type Client, type TestServer } from '../../../../test/support/server.ts';
import { runInSandbox } from '../sandbox/sandbox.ts';
import { WorkerAgent } from './agent.ts';
import { WorkerClient } from './client.ts';

let server: TestServer;
let api: Client;
before(async () => {
  server = await startTestServer();
  api = (await newTenant(server.url, 'Worker agent')).api;
});
after(() => server.close());

/**
 * A network that delivers lease answers late: the API has claimed the run and sent it, and the
 * answer is still on its way when the worker is told to drain. An abort meanwhile loses it, as
 * an aborted fetch loses a body not yet read.
 */
class LateAnswers extends WorkerClient {
  private onAnswer = () => undefined as void;
  readonly answered = new Promise<void>((resolve) => (this.onAnswer = resolve));
  override async lease(waitMs: number, signal?: AbortSignal): Promise<LeasedRun | null> {
    const run = await super.lease(waitMs, signal);
    if (run) {
      this.onAnswer();
      await sleep(500, undefined, signal ? { signal } : {});
    }
    return run;
  }
}

test('a drain while a leased run is on its way to the worker: the run is executed, not dropped', async () => {
  const token = (await (await api.post('/v1/worker-tokens', { name: 'agent' })).json()) as CreatedWorkerToken;
  const client = new LateAnswers(server.url);
  const reg = await client.register({ token: token.token, name: 'late', labels: {}, version: 'test', concurrency: 1 });
  client.setCredential(reg.credential);
  const agent = new WorkerAgent({ client, concurrency: 1, run: runInSandbox, log: () => undefined, waitMs: 5_000 });
  agent.start();

  const s = (await (
    await api.post('/v1/schedules', {
      name: 'in flight',
      cron: '0 0 1 1 *',
      retry: { max_attempts: 1 },
      target: { type: 'command', command: ['echo', 'done'] },
    })
  ).json()) as Schedule;
  const r = (await (await api.post(`/v1/schedules/${s.id}/trigger`)).json()) as Run;
  await client.answered; // claimed by the API, its answer not yet in the worker's hands
  await agent.drain();

  const done = (await (await api.get(`/v1/runs/${r.id}`)).json()) as Run;
  assert.equal(done.status, 'succeeded', 'the run leased at the drain was executed and reported');
  assert.equal(done.attempt, 1);
});
