import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import { loadClient } from './load-client.ts';
import { openLoop } from './open-loop.ts';

test('the load client counts an answer once its whole body arrived, and a timeout or a failed answer as an error, by kind', async () => {
  // The body comes in two parts 150 ms apart: latency must include the second.
  const server = http.createServer((req, res) => {
    if (req.url === '/hang') return;
    if (req.url === '/fail') return void res.writeHead(500).end();
    res.writeHead(req.method === 'POST' ? 201 : 200, { 'content-type': 'application/json' });
    res.write('{"data":[');
    setTimeout(() => res.end(']}'), 150);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = loadClient(300);
  try {
    const ok = await openLoop(20, 0.5, (k) => client.send(`${url}/x`, k % 2 ? { method: 'POST', body: '{}' } : {}));
    assert.equal(ok.sent, 10);
    assert.equal(ok.errors, 0);
    assert.deepEqual(ok.error_kinds, {});
    assert.ok(ok.latency_ms.p50! >= 140, `p50 ${ok.latency_ms.p50} ms: the body's end was not waited for`);
    const hung = await openLoop(10, 0.2, () => client.send(`${url}/hang`));
    assert.equal(hung.errors, hung.sent);
    assert.deepEqual(hung.error_kinds, { ABORT_ERR: hung.sent }, 'counted by kind');
    const failing = await openLoop(10, 0.2, () => client.send(`${url}/fail`));
    assert.deepEqual(failing.error_kinds, { 'status 500': failing.sent });
  } finally {
    client.close();
    server.closeAllConnections();
    server.close();
  }
});
