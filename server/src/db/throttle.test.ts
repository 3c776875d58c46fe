import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WriteThrottle } from './throttle.ts';

test('a key is due once per interval; keys are independent', () => {
  const t = new WriteThrottle(2000);
  assert.equal(t.take('a', 10_000), true);
  assert.equal(t.take('a', 11_999), false);
  assert.equal(t.take('b', 11_999), true);
  assert.equal(t.take('a', 12_000), true);
  assert.equal(t.take('a', 5_000), true, 'a clock set back does not hold writes off');
});

test('a failed write is forgotten, so the next request writes', () => {
  const t = new WriteThrottle(2000);
  assert.equal(t.take('a', 1000), true);
  t.release('a', 1000);
  assert.equal(t.take('a', 1001), true);
  t.release('a', 1000); // a later write's note stays
  assert.equal(t.take('a', 1002), false);
});

test('it holds only keys written within the interval, and at most maxKeys', () => {
  const t = new WriteThrottle(2000, 100);
  for (let i = 0; i < 1000; i++) t.take(`k${i}`, 1000 + i);
  assert.equal(t.size, 100);
  assert.equal(t.take('k999', 1999), false, 'the newest keys are kept');
  assert.equal(t.take('k0', 1999), true, 'the oldest went first');
  t.take('late', 10_000);
  assert.equal(t.size, 1, 'keys past their interval are dropped');
});
