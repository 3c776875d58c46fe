import assert from 'node:assert/strict';
import type dns from 'node:dns';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { outboundFailure } from '../../../test/support/outbound.ts';
import { guardedRequest } from './http-client.ts';
import { TargetPolicy } from './policy.ts';

/** A resolver that answers every name with `address`, as a hostile or rebinding DNS would. */
function resolvesTo(address: string): typeof dns.lookup {
  const family = address.includes(':') ? 6 : 4;
  return ((_host: string, _opts: unknown, cb: (err: null, addrs: dns.LookupAddress[]) => void) =>
    cb(null, [{ address, family }])) as unknown as typeof dns.lookup;
}

describe('guardedRequest (SSRF guard)', () => {
  let server: http.Server;
  let port = 0;
  let hits = 0;
  before(async () => {
    server = http.createServer((req, res) => {
      hits++;
      if (req.url === '/redirect') return res.writeHead(302, { location: `http://127.0.0.1:${port}/ok` }).end();
      if (req.url === '/huge') {
        res.writeHead(200);
        const chunk = Buffer.alloc(64 * 1024, 'x');
        const pump = () => {
          while (res.write(chunk));
          res.once('drain', pump);
        };
        res.on('close', () => res.removeAllListeners('drain'));
        return pump();
      }
      if (req.url === '/hang') return; // never answers
      res.writeHead(200).end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const closed = new TargetPolicy([]);
  const get = (url: string, extra: object = {}) =>
    guardedRequest(closed, { url, method: 'GET', headers: {}, timeoutMs: 2000, ...extra });

  for (const host of ['127.0.0.1', '10.0.0.1', '169.254.169.254', '[::1]', '[::ffff:127.0.0.1]', 'localhost']) {
    test(`refuses http://${host}/ unless allow-listed`, async () => {
      const before = hits;
      const err = await outboundFailure(get(`http://${host}:${port}/ok`));
      assert.equal(err.code, 'target_not_allowed');
      assert.match(err.message, /CRONY_ALLOWED_TARGET_HOSTS|loopback/);
      assert.equal(hits, before, 'nothing reached the receiver');
    });
  }

  test('an allow-listed loopback receiver is reachable', async () => {
    const open = new TargetPolicy(['127.0.0.1']);
    const res = await guardedRequest(open, {
      url: `http://127.0.0.1:${port}/ok`,
      method: 'GET',
      headers: {},
      timeoutMs: 2000,
    });
    assert.equal(res.status, 200);
    assert.equal(res.body, 'ok');
  });

  test('a host name that resolves to a private address is refused at connect time', async () => {
    assert.equal(closed.refuseUrl('http://rebind.example/'), null, 'the name itself looks harmless');
    for (const address of ['10.0.0.1', '127.0.0.1', '169.254.169.254', '::1', 'fd00::1']) {
      const before = hits;
      const err = await outboundFailure(get(`http://rebind.example:${port}/ok`, { dnsLookup: resolvesTo(address) }));
      assert.equal(err.code, 'target_not_allowed', address);
      assert.match(err.message, /rebind\.example resolves to/);
      assert.equal(hits, before);
    }
  });

  test('the resolved address, not the name, is what an allow-listed CIDR matches', async () => {
    const open = new TargetPolicy(['127.0.0.0/8']);
    const res = await guardedRequest(open, {
      url: `http://svc.internal.example:${port}/ok`,
      method: 'GET',
      headers: {},
      timeoutMs: 2000,
      dnsLookup: resolvesTo('127.0.0.1'),
    });
    assert.equal(res.status, 200);
  });

  test('only http and https', async () => {
    const err = await outboundFailure(get('file:///etc/passwd'));
    assert.equal(err.code, 'target_not_allowed');
  });

  describe('with loopback allowed', () => {
    const open = new TargetPolicy(['127.0.0.1']);
    test('redirects are not followed', async () => {
      const before = hits;
      const res = await guardedRequest(open, {
        url: `http://127.0.0.1:${port}/redirect`,
        method: 'GET',
        headers: {},
        timeoutMs: 2000,
      });
      assert.equal(res.status, 302);
      assert.equal(hits, before + 1, 'the Location was not requested');
    });

    test('an endless body is cut at the cap', async () => {
      const res = await guardedRequest(open, {
        url: `http://127.0.0.1:${port}/huge`,
        method: 'GET',
        headers: {},
        timeoutMs: 10_000,
        maxBodyBytes: 1000,
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.length, 1000);
      assert.equal(res.truncated, true);
    });

    test('a receiver that never answers times out', async () => {
      const err = await outboundFailure(
        guardedRequest(open, { url: `http://127.0.0.1:${port}/hang`, method: 'GET', headers: {}, timeoutMs: 300 }),
      );
      assert.equal(err.code, 'timeout');
    });
  });
});
