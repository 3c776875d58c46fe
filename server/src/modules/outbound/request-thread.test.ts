import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { after, before, describe, test } from 'node:test';
import { outboundFailure } from '../../../test/support/outbound.ts';
import { withinSeconds } from '../../../test/support/within.ts';
import { RequestThread } from './request-thread.ts';

describe('RequestThread', () => {
  let server: http.Server;
  let base = '';
  /** Requests to /hang as the server saw them, each with when its connection closed. */
  const hanging: { closed: Promise<void> }[] = [];
  let seen: { method: string; headers: http.IncomingHttpHeaders; body: string } | undefined;
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url === '/hang') {
        hanging.push({ closed: new Promise((r) => req.socket.once('close', () => r())) });
        return;
      }
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        seen = { method: req.method ?? '', headers: req.headers, body };
        res.writeHead(req.url === '/teapot' ? 418 : 200).end(`answer to ${req.method} ${req.url}`);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const allowed = new RequestThread(['127.0.0.1']);
  after(() => allowed.close());
  const post = (path: string, extra: object = {}) =>
    ({
      url: `${base}${path}`,
      method: 'POST',
      headers: { 'x-run': 'r1' },
      body: '{"a":1}',
      timeoutMs: 5000,
      ...extra,
    }) as const;

  test('sends the request from its thread and answers with the response', async () => {
    const res = await allowed.request(post('/teapot'));
    assert.deepEqual(res, { status: 418, body: 'answer to POST /teapot', truncated: false });
    assert.equal(seen?.method, 'POST');
    assert.equal(seen?.headers['x-run'], 'r1');
    assert.equal(seen?.body, '{"a":1}');
  });

  test('applies the target policy it was given', async () => {
    const closed = new RequestThread([]);
    try {
      const err = await outboundFailure(closed.request(post('/ok')));
      assert.equal(err.code, 'target_not_allowed');
    } finally {
      await closed.close();
    }
  });

  test('cuts the body at maxBodyBytes', async () => {
    const res = await allowed.request(post('/a-long-path-to-echo', { maxBodyBytes: 10 }));
    assert.deepEqual(res, { status: 200, body: 'answer to ', truncated: true });
  });

  test('an abort reaches the thread, which closes the connection', async () => {
    const abort = new AbortController();
    const before = hanging.length;
    const p = allowed.request(post('/hang'), abort.signal);
    while (hanging.length === before) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    assert.equal((await outboundFailure(withinSeconds(3, p, 'the aborted request'))).code, 'aborted');
    await hanging[before]!.closed;
  });

  test('a request given an aborted signal is not sent', async () => {
    const before = hanging.length;
    const err = await outboundFailure(allowed.request(post('/hang'), AbortSignal.abort()));
    assert.equal(err.code, 'aborted');
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(hanging.length, before);
  });

  test('times out in the thread', async () => {
    const err = await outboundFailure(allowed.request(post('/hang', { timeoutMs: 200 })));
    assert.equal(err.code, 'timeout');
  });

  test('a thread that stops fails its requests as connection errors; the next request starts another', async () => {
    const thread = new RequestThread(['127.0.0.1']);
    try {
      const before = hanging.length;
      const p = thread.request(post('/hang'));
      while (hanging.length === before) await new Promise((r) => setTimeout(r, 10));
      // The worker is private; stopping it from outside stands for a crash of the thread.
      await (thread as unknown as { worker: Worker }).worker.terminate();
      const err = await outboundFailure(withinSeconds(3, p, 'the request of the stopped thread'));
      assert.equal(err.code, 'connection_error');
      assert.match(err.message, /thread stopped/);
      assert.equal((await thread.request(post('/again'))).status, 200);
    } finally {
      await thread.close();
    }
  });

  test('close leaves a request still out to finish', async () => {
    const thread = new RequestThread(['127.0.0.1']);
    const slow = http.createServer((_req, res) => setTimeout(() => res.end('late'), 300));
    await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
    try {
      const p = thread.request({ ...post('/'), url: `http://127.0.0.1:${(slow.address() as AddressInfo).port}/` });
      await new Promise((r) => setTimeout(r, 50));
      await thread.close();
      assert.deepEqual(await withinSeconds(3, p, 'the request out at the close'), {
        status: 200,
        body: 'late',
        truncated: false,
      });
    } finally {
      await thread.close();
      await new Promise((r) => slow.close(r));
    }
  });
});
