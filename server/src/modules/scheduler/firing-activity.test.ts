import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BEHIND_MS, FiringActivity } from './firing-activity.ts';

/** Whether `p` has settled once the callbacks pending now have run. */
async function settledYet(p: Promise<void>): Promise<boolean> {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
}

test('settled resolves at once when no firing is under way', async () => {
  const a = new FiringActivity();
  assert.equal(await settledYet(a.settled(60_000)), true);
});

test('settled waits for the last firing under way to end', async () => {
  const a = new FiringActivity();
  const first = a.begin();
  const second = a.begin();
  const waiting = a.settled(60_000);
  assert.equal(await settledYet(waiting), false);
  a.end(first);
  assert.equal(await settledYet(waiting), false, 'one firing is still under way');
  a.end(second);
  assert.equal(await settledYet(waiting), true);
  assert.equal(a.backlog, 0);
});

test('settled gives up waiting after its bound', async () => {
  const a = new FiringActivity();
  a.begin();
  const began = performance.now();
  await a.settled(30);
  assert.ok(performance.now() - began >= 25, 'it waited');
  assert.equal(a.backlog, 1, 'the firing is still under way');
});

test('outcomes do not wait while the scheduler is behind: a firing waited BEHIND_MS for its turn', async () => {
  let now = 0;
  const a = new FiringActivity(() => now);
  const old = a.begin();
  now += BEHIND_MS - 1;
  const recent = a.begin();
  const held = a.settled(60_000);
  assert.equal(await settledYet(held), false, 'on time: outcomes wait');
  now += 1;
  assert.equal(await settledYet(a.settled(60_000)), true, 'behind: they do not');
  a.end(old);
  assert.equal(await settledYet(a.settled(60_000)), false, 'the oldest left is recent again');
  a.end(recent);
  await held; // woken with the last firing's end
});
