import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SharedRead } from './shared-read.ts';

test('callers get a read that began after they asked; those asking while one runs share the next', async () => {
  let value = 0;
  const began: number[] = [];
  const releases: (() => void)[] = [];
  const shared = new SharedRead(async () => {
    const seen = value; // what the read sees is what was written before it began
    began.push(seen);
    await new Promise<void>((r) => releases.push(r));
    return seen;
  });
  const tick = () => new Promise((r) => setImmediate(r));

  const first = shared.get();
  await tick();
  assert.deepEqual(began, [0], 'the first read began');
  value = 1; // written after the first read began
  const [second, third] = [shared.get(), shared.get()];
  await tick();
  assert.equal(began.length, 1, 'the next read waits for the running one');
  releases.shift()!();
  assert.equal(await first, 0);
  await tick();
  assert.deepEqual(began, [0, 1], 'one read for both later callers');
  releases.shift()!();
  assert.deepEqual([await second, await third], [1, 1], 'both see what was written before they asked');
});

test('a failed read fails its callers only; the next caller reads again', async () => {
  let fail = true;
  const shared = new SharedRead(async () => {
    if (fail) throw new Error('down');
    return 'ok';
  });
  await assert.rejects(shared.get(), /down/);
  fail = false;
  assert.equal(await shared.get(), 'ok');
});
