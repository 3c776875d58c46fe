import { defaultRetry } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { RunModel } from '../runs/run.model.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { fire, fireDue, recordDueAsPaused } from './fire.ts';
import { nextSlotOf, ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';
import type { Due } from './due-index.ts';
import { cancelRun } from '../runs/lifecycle.ts';
import { onQueueNotice, type QueueNotice } from '../runs/queue-notices.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
});
after(() => db.close());

/** A schedule and its state, due at `next`; returns the entry the ticker would pass to fireDue. */
async function schedule(next: Date, extra: Partial<ScheduleDoc> = {}): Promise<Due & { schedule: ScheduleDoc }> {
  const _id = new Types.ObjectId();
  await ScheduleModel.collection.insertOne({
    _id,
    tenant_id: new Types.ObjectId(),
    name: 'fire test',
    description: null,
    cron: '*/5 * * * * *',
    every: null,
    every_ms: null,
    at: null,
    anchor: new Date(),
    timezone: 'UTC',
    target: { type: 'http', url: 'https://example.com', method: 'POST', headers: {}, timeout_ms: 1000 },
    paused: false,
    next_run_at: next,
    concurrency_policy: 'allow',
    misfire_policy: 'run_once',
    catchup_window: '24h',
    catchup_window_ms: 86_400_000,
    retry: defaultRetry,
    created_at: new Date(),
    updated_at: new Date(),
    ...extra,
  });
  await ScheduleStateModel.create({ _id });
  return { _id, next_run_at: next, schedule: (await ScheduleModel.findById(_id).lean<ScheduleDoc>())! };
}
/** The cursor a scheduler holds for `s` after firing its earlier slots. */
const at = (s: { _id: Types.ObjectId }, iso: string) => ({ _id: s._id, next_run_at: new Date(iso) });
const state = async (id: Types.ObjectId) => (await ScheduleStateModel.findById(id).lean<ScheduleStateDoc>())!;
/** The next slot as a scheduler starting now would read it from the database. */
const stored = async (s: { schedule: ScheduleDoc }) => nextSlotOf(s.schedule, await state(s.schedule._id));

const ledger = async (s: { _id: Types.ObjectId }) =>
  (await RunModel.find({ schedule_id: s._id }).sort({ nominal_at: 1 }).lean()).map(
    (r) => `${r.nominal_at.toISOString().slice(11, 19)} ${r.status}${r.reason ? ` (${r.reason})` : ''}`,
  );

describe('fireDue', () => {
  test('two schedulers firing the same slot at once produce exactly one run', async () => {
    const slot = new Date('2026-11-27T10:00:05Z');
    const s = await schedule(slot);
    const now = new Date('2026-11-27T10:00:05.010Z');
    const fired = await Promise.all([fire(s, now), fire(s, now), fire(s, now)]);
    assert.equal(fired.flatMap((f) => f.queued).length, 1, 'one caller wins the slot');
    assert.deepEqual(await ledger(s), ['10:00:05 queued']);
    assert.deepEqual(
      fired.map((f) => f.next?.toISOString()),
      Array(3).fill('2026-11-27T10:00:10.000Z'),
      'and each moves on',
    );
  });

  test("a command slot is announced to the workers' lease requests once, by the firing that recorded it", async () => {
    const slot = new Date('2026-11-27T10:00:05Z');
    const s = await schedule(slot, {
      target: { type: 'command', command: ['/bin/true'], env: {}, network: false, timeout_ms: 1000, labels: {} },
    } as unknown as Partial<ScheduleDoc>);
    const notices: QueueNotice[] = [];
    const stop = onQueueNotice((n) => notices.push(n));
    try {
      const now = new Date('2026-11-27T10:00:05.010Z');
      const fired = await Promise.all([fire(s, now), fire(s, now), fire(s, now)]);
      const run = fired.flatMap((f) => f.queued)[0]!;
      assert.deepEqual(
        notices.map((n) => (n.kind === 'queued' ? n.entry._id.toHexString() : n.kind)),
        [run._id.toHexString()],
      );
    } finally {
      stop();
    }
  });

  test('a firing writes nothing to the schedule state; the run records how far firing got when it ends', async () => {
    const s = await schedule(new Date('2026-11-27T10:30:00Z'));
    const before = await state(s._id);
    const { queued, next } = await fire(s, new Date('2026-11-27T10:30:00.010Z'));
    assert.equal(next?.toISOString(), '2026-11-27T10:30:05.000Z');
    assert.deepEqual(await state(s._id), before, 'no write of the state per firing');
    assert.equal((await stored(s))?.toISOString(), '2026-11-27T10:30:00.000Z', 'in flight: stored lags');

    assert.equal(await cancelRun(queued[0]!, 'user', new Date('2026-11-27T10:30:01Z')), true);
    const ended = await state(s._id);
    assert.equal((await stored(s))?.toISOString(), '2026-11-27T10:30:05.000Z', 'the ended run moved it on');
    const own = await ScheduleModel.findById(s._id).lean<ScheduleDoc>();
    assert.equal(own?.next_run_at?.toISOString(), '2026-11-27T10:30:00.000Z', 'next_run_at is the edits’ own');
    assert.deepEqual([ended.stats.cancelled, ended.last_run?.status], [1, 'cancelled']);
  });

  test('re-firing a slot already recorded (a scheduler taking over from the stored cursor) adds nothing', async () => {
    const slot = new Date('2026-11-27T11:00:00Z');
    const s = await schedule(slot);
    await fireDue(s, new Date('2026-11-27T11:00:00.100Z'));
    const from = await stored(s); // the run is still in flight
    assert.equal(from?.toISOString(), slot.toISOString());
    assert.deepEqual(await fireDue({ _id: s._id, next_run_at: from }, new Date('2026-11-27T11:00:00.500Z')), []);
    assert.deepEqual(await ledger(s), ['11:00:00 queued']);
  });

  test('a paused schedule does not fire, and its cursor is dropped until a resume sets one', async () => {
    const slot = new Date('2026-11-27T12:00:00Z');
    const s = await schedule(slot, { paused: true });
    assert.deepEqual(await fire(s, slot), { queued: [], next: null });
    assert.deepEqual(await ledger(s), []);
  });

  test('after downtime, run_once runs the latest slot and records every other one as missed', async () => {
    const s = await schedule(new Date('2026-11-27T13:00:00Z'), { misfire_policy: 'run_once' });
    const { queued, next } = await fire(s, new Date('2026-11-27T13:00:21Z'));
    assert.equal(queued.length, 2, 'the two slots within the grace period run');
    assert.deepEqual(await ledger(s), [
      '13:00:00 missed (misfire)',
      '13:00:05 missed (misfire)',
      '13:00:10 missed (misfire)',
      '13:00:15 queued', // within the 10 s grace: simply late
      '13:00:20 queued',
    ]);
    assert.equal(next?.toISOString(), '2026-11-27T13:00:25.000Z');
    // The missed slots moved `fired` at once (with their count); the queued ones will when they end.
    const st = await state(s._id);
    assert.equal((await stored(s))?.toISOString(), '2026-11-27T13:00:15.000Z');
    assert.equal(st.stats.missed, 3);
  });

  test('time a slot waited for its turn in the scheduler is not a misfire; time before it is', async () => {
    const slot = new Date('2026-11-27T13:30:00Z');
    const now = new Date('2026-11-27T13:30:20Z'); // 20 s late; the grace is 10 s
    const everyMinute = { misfire_policy: 'skip', cron: '0 * * * * *' } as const;
    const [waited, notEnough, down] = [
      await schedule(slot, everyMinute),
      await schedule(slot, everyMinute),
      await schedule(slot, everyMinute),
    ];
    await fire(waited, now, undefined, { waitedMs: 15_000 }); // in hand at 13:30:05, fired after a 15 s wait
    await fire(notEnough, now, undefined, { waitedMs: 5_000 }); // in hand at 13:30:15: 15 s late already
    await fire(down, now); // not in hand at all (the scheduler was down)
    assert.deepEqual(await ledger(waited), ['13:30:00 queued']);
    assert.deepEqual(await ledger(notEnough), ['13:30:00 missed (misfire)']);
    assert.deepEqual(await ledger(down), ['13:30:00 missed (misfire)']);
  });

  test('after downtime, run_all runs each slot within the catch-up window', async () => {
    const s = await schedule(new Date('2026-11-27T14:00:00Z'), {
      misfire_policy: 'run_all',
      catchup_window: '22s',
      catchup_window_ms: 22_000,
    });
    await fireDue(s, new Date('2026-11-27T14:00:31Z'));
    assert.deepEqual(await ledger(s), [
      '14:00:00 missed (catchup_window)',
      '14:00:05 missed (catchup_window)',
      '14:00:10 queued',
      '14:00:15 queued',
      '14:00:20 queued',
      '14:00:25 queued',
      '14:00:30 queued',
    ]);
  });

  test('forbid records a slot that comes while a run is active as overlap', async () => {
    const s = await schedule(new Date('2026-11-27T15:00:00Z'), { concurrency_policy: 'forbid' });
    await fireDue(s, new Date('2026-11-27T15:00:00.050Z'));
    await fireDue(at(s, '2026-11-27T15:00:05Z'), new Date('2026-11-27T15:00:05.050Z'));
    assert.deepEqual(await ledger(s), ['15:00:00 queued', '15:00:05 missed (overlap)']);
  });

  test('replace cancels the active run and starts the new one', async () => {
    const s = await schedule(new Date('2026-11-27T16:00:00Z'), { concurrency_policy: 'replace' });
    await fireDue(s, new Date('2026-11-27T16:00:00.050Z'));
    await fireDue(at(s, '2026-11-27T16:00:05Z'), new Date('2026-11-27T16:00:05.050Z'));
    assert.deepEqual(await ledger(s), ['16:00:00 cancelled (replaced)', '16:00:05 queued']);
  });

  test('replace given a slot someone else already fired leaves the active run alone', async () => {
    const s = await schedule(new Date('2026-11-27T16:30:00Z'), { concurrency_policy: 'replace' });
    await fireDue(s, new Date('2026-11-27T16:30:00.050Z')); // this scheduler moves on to 16:30:05
    // A second scheduler whose cursor still says 16:30:00 (it did not fire it itself).
    const late = await fire(s, new Date('2026-11-27T16:30:01Z'));
    assert.deepEqual(late, { queued: [], next: new Date('2026-11-27T16:30:05Z') }, 'it moves on too');
    assert.deepEqual(await ledger(s), ['16:30:00 queued'], 'the run of the slot is not cancelled');
  });

  test('pausing a schedule that is behind records its due slots as missed (paused), not nothing', async () => {
    const s = await schedule(new Date('2026-11-27T17:00:00Z'));
    await recordDueAsPaused(s.schedule, new Date('2026-11-27T17:00:12Z'));
    assert.deepEqual(await ledger(s), [
      '17:00:00 missed (paused)',
      '17:00:05 missed (paused)',
      '17:00:10 missed (paused)',
    ]);
    const after = await state(s._id);
    assert.equal(after.stats.missed, 3);
    assert.equal(after?.last_run?.status, 'missed');
  });

  test('a long backlog is worked off in bounded batches without losing a slot', async () => {
    const s = await schedule(new Date('2026-11-27T00:00:00Z'), { cron: '* * * * * *', misfire_policy: 'skip' });
    const now = new Date('2026-11-27T00:25:00Z'); // 1500 slots behind
    let current: Due = s;
    for (let i = 0; i < 3 && current.next_run_at && current.next_run_at <= now; i++) {
      const { next } = await fire(current, now);
      current = { _id: s._id, next_run_at: next ?? null };
    }
    assert.equal(await RunModel.countDocuments({ schedule_id: s._id }), 1501);
    assert.equal(
      await RunModel.countDocuments({ schedule_id: s._id, status: 'missed', reason: 'misfire' }),
      1490,
      'all but the 11 slots within the grace period',
    );
    assert.equal(current.next_run_at?.toISOString(), '2026-11-27T00:25:01.000Z');
  });
});
