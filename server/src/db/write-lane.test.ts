import type { Schedule } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { newTenant, startTestServer, type Client, type TestServer } from '../../test/support/server.ts';
import { withinSeconds } from '../../test/support/within.ts';
import { idOnlyFilters } from './engine.ts';
import { forUser, LANE_WIDTH, laneWrite, userIsWaiting } from './write-lane.ts';

/** A write that answers when the test says so, and what it saw when it began. */
function heldWrite(log: string[], name: string) {
  let release!: () => void;
  const answered = new Promise<void>((resolve) => (release = resolve));
  const write = () => {
    log.push(name);
    return answered.then(() => name);
  };
  return { write, release };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

let server: TestServer;
let api: Client;
before(async () => {
  server = await startTestServer({ scheduler: false });
  api = (await newTenant(server.url, 'Lane')).api;
});
after(() => server.close());

describe('the write lane', () => {
  test('holds the scheduler to LANE_WIDTH writes in flight, the rest in order; a write for a user goes at once', async () => {
    assert.ok(await idOnlyFilters(), 'the tests run on FerretDB, where the lane applies');
    const began: string[] = [];
    const held = Array.from({ length: LANE_WIDTH + 2 }, (_, i) => heldWrite(began, `bg${i}`));
    const results = held.map((h) => laneWrite(h.write));
    const user = heldWrite(began, 'user');
    try {
      await turn();
      assert.deepEqual(
        began,
        held.slice(0, LANE_WIDTH).map((_, i) => `bg${i}`),
      );

      const userResult = forUser(() => laneWrite(user.write));
      await turn();
      assert.equal(began.at(-1), 'user', 'a write for a user does not wait for the lane');
      user.release();
      assert.equal(await withinSeconds(10, userResult), 'user');

      held[1]!.release();
      await turn();
      assert.equal(began.at(-1), `bg${LANE_WIDTH}`, 'the first waiting write takes the freed place');
    } finally {
      // Even when an assertion failed: a lane left full would hold up the tests after this one.
      user.release();
      for (const h of held) h.release();
    }
    assert.deepEqual(
      await withinSeconds(10, Promise.all(results)),
      held.map((_, i) => `bg${i}`),
    );
    assert.deepEqual(began.slice(-2), [`bg${LANE_WIDTH}`, `bg${LANE_WIDTH + 1}`]);
  });

  test('the mark of a user’s work follows it across awaits and timers, and nothing else', async () => {
    assert.equal(userIsWaiting(), false);
    const seen = await forUser(async () => {
      await turn();
      const later = await new Promise<boolean>((resolve) => setTimeout(() => resolve(userIsWaiting()), 1));
      return [userIsWaiting(), later];
    });
    assert.deepEqual(seen, [true, true]);
    assert.equal(userIsWaiting(), false);
  });

  test('an API request’s writes go ahead of a full lane: a schedule is created while the scheduler’s writes wait', async () => {
    const held = Array.from({ length: LANE_WIDTH + 5 }, (_, i) => heldWrite([], `bg${i}`));
    const stuck = held.map((h) => laneWrite(h.write));
    try {
      // Without the request's mark the creation would wait for the held writes for ever.
      const res = await withinSeconds(
        10,
        api.post('/v1/schedules', {
          name: 'while-the-lane-is-full',
          cron: '0 0 1 1 *',
          target: { type: 'http', url: 'http://127.0.0.1:9/' },
        }),
      );
      assert.equal(res.status, 201);
      const created = (await res.json()) as Schedule;
      assert.ok(Types.ObjectId.isValid(created.id));
      assert.equal((await api.get(`/v1/schedules/${created.id}`)).status, 200);
    } finally {
      for (const h of held) h.release();
      await Promise.all(stuck);
    }
  });
});
