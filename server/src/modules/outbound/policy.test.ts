import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TargetPolicy } from './policy.ts';

describe('TargetPolicy', () => {
  const closed = new TargetPolicy([]);

  for (const addr of [
    '127.0.0.1',
    '10.0.0.1',
    '172.16.5.4',
    '192.168.1.1',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    'fd00::1',
    'fe80::1',
    '::ffff:127.0.0.1',
    '224.0.0.1',
    '::7f00:1',
    '64:ff9b::a00:1',
    '2002:7f00:1::',
    'fd00:ec2::254',
    '2001::1',
  ]) {
    test(`refuses ${addr} by default`, () => {
      assert.ok(closed.refuseAddress(addr), `${addr} should be refused`);
    });
  }
  for (const addr of ['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111']) {
    test(`allows public ${addr}`, () => assert.equal(closed.refuseAddress(addr), null));
  }

  test('refuses literal private hosts and localhost in URLs, and non-http schemes', () => {
    assert.ok(closed.refuseUrl('http://127.0.0.1:8080/x'));
    assert.ok(closed.refuseUrl('http://[::1]/x'));
    assert.ok(closed.refuseUrl('http://localhost/x'));
    assert.ok(closed.refuseUrl('ftp://example.com/x'));
    assert.equal(closed.refuseUrl('https://example.com/x'), null, 'names are checked at connect time');
  });

  test('an operator allow-list opens exact hosts, addresses and CIDRs', () => {
    const open = new TargetPolicy(['127.0.0.1', '10.1.0.0/16', 'internal.example', '::1']);
    assert.equal(open.refuseAddress('127.0.0.1'), null);
    assert.equal(open.refuseAddress('::ffff:127.0.0.1'), null, 'IPv4-mapped IPv6 is the same address');
    assert.equal(open.refuseAddress('10.1.200.3'), null);
    assert.ok(open.refuseAddress('10.2.0.1'), 'outside the CIDR');
    assert.ok(open.refuseAddress('127.0.0.2'), 'only the listed address');
    assert.equal(open.refuseAddress('::1'), null);
    assert.equal(open.refuseUrl('http://internal.example/x'), null);
    assert.ok(open.hostAllowed('INTERNAL.example'));
  });
});
