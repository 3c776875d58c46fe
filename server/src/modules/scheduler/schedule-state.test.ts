import { CreateScheduleBody } from '@crony/shared';
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { nextSlotOf, recordLastRun, ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';
import { TargetPolicy } from '../outbound/policy.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { createSchedule, updateSchedule } from '../schedules/schedules.service.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

const at = (s: string) => new Date(`2026-11-27T10:${s}Z`);
const read = (id: Types.ObjectId) => ScheduleStateModel.findById(id).lean<ScheduleStateDoc>();

test('last_run moves forward only, while every finished run is counted', async () => {
  const _id = new Types.ObjectId();
  await ScheduleStateModel.create({ _id });
  const [older, newer] = [new Types.ObjectId(), new Types.ObjectId()];

  await recordLastRun(
    _id,
    { id: newer, status: 'succeeded', nominal_at: at('01:00'), finished_at: at('01:02') },
    {
      'stats.succeeded': 1,
    },
  );
  // The run of the earlier slot ends later: counted, but last_run stays on the newer slot.
  await recordLastRun(
    _id,
    { id: older, status: 'failed', nominal_at: at('00:00'), finished_at: at('01:30') },
    {
      'stats.failed': 1,
    },
  );
  let st = await read(_id);
  assert.equal(st?.last_run?.id.toHexString(), newer.toHexString());
  assert.equal(st?.last_run?.status, 'succeeded');
  assert.deepEqual([st?.stats.succeeded, st?.stats.failed], [1, 1]);

  // The same slot again (a retry of that run ends): the later finish wins.
  await recordLastRun(_id, { id: newer, status: 'failed', nominal_at: at('01:00'), finished_at: at('02:00') });
  st = await read(_id);
  assert.equal(st?.last_run?.status, 'failed');
  assert.equal(st?.last_run?.finished_at?.toISOString(), at('02:00').toISOString());
});

test('a last_run stored in the earlier field order is replaced by the next run', async () => {
  const _id = new Types.ObjectId();
  const later = new Types.ObjectId();
  await ScheduleStateModel.collection.insertOne({
    _id,
    last_run: { id: new Types.ObjectId(), status: 'succeeded', nominal_at: at('05:00'), finished_at: at('05:01') },
  });
  await recordLastRun(_id, { id: later, status: 'succeeded', nominal_at: at('06:00'), finished_at: at('06:01') });
  assert.equal((await read(_id))?.last_run?.id.toHexString(), later.toHexString());
});

test('the next slot is the slot after the latest ended run, unless a later write of the schedule set one', async () => {
  const _id = new Types.ObjectId();
  await ScheduleStateModel.create({ _id });
  // The schedule's own next_run_at, as its edits set it (schedule.model.ts).
  const schedule: { next_run_at: Date | null } = { next_run_at: at('01:00') };
  const end = (slot: string, next: string | null) =>
    recordLastRun(
      _id,
      { id: new Types.ObjectId(), status: 'succeeded', nominal_at: at(slot), finished_at: at(slot) },
      {},
      { slot: at(slot), next: next ? at(next) : null },
    );
  const next = async () => nextSlotOf(schedule, await read(_id))?.toISOString() ?? null;

  assert.equal(await next(), at('01:00').toISOString(), 'nothing ended yet: the stored slot');
  await end('01:00', '02:00');
  await end('03:00', '04:00');
  await end('02:00', '03:00'); // ends last, but firing got further: it does not move `fired` back
  assert.equal(await next(), at('04:00').toISOString());

  // An edit (a retime from its own time) sets a slot after every slot fired: it wins ...
  schedule.next_run_at = at('05:30');
  assert.equal(await next(), at('05:30').toISOString());
  await end('03:00', '04:00'); // ... over a run fired before it that ends after it
  assert.equal(await next(), at('05:30').toISOString());
  await end('05:30', '06:30'); // and the edit's slot, once run, moves on as usual
  assert.equal(await next(), at('06:30').toISOString());

  // A pause wins outright, whatever ends meanwhile; a one-off's last run leaves nothing next.
  schedule.next_run_at = null;
  await end('06:30', '07:30');
  assert.equal(await next(), null);
  schedule.next_run_at = at('08:00');
  await end('08:00', null);
  assert.equal(await next(), null);
});

test('runs of one schedule ending at the same moment are all counted', async () => {
  // FerretDB 1.x applies each update as a read and a separate write: unqueued, most of these
  // increments undid each other (44 of 100 survived in a measurement).
  const _id = new Types.ObjectId();
  await ScheduleStateModel.create({ _id });
  await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      recordLastRun(
        _id,
        {
          id: new Types.ObjectId(),
          status: 'succeeded',
          nominal_at: at(`00:${String(i).padStart(2, '0')}`),
          finished_at: at('01:00'),
        },
        { 'stats.succeeded': 1 },
      ),
    ),
  );
  const st = await read(_id);
  assert.equal(st?.stats.succeeded, 60);
  assert.equal(st?.last_run?.nominal_at.toISOString(), at('00:59').toISOString());
});

test('a resume and runs ending at the same moment do not undo each other', async () => {
  // Before next_run_at moved onto the schedule document, a run ending could write back the
  // paused null over a resume made meanwhile (FerretDB's read-then-write updates), leaving the
  // schedule with no next slot until its next edit.
  const principal = { tenantId: new Types.ObjectId(), role: 'admin' as const, userId: null, tokenId: null };
  const deps = { policy: new TargetPolicy([]) };
  const body = CreateScheduleBody.parse({
    name: 'resumed while runs end',
    cron: '* * * * * *',
    target: { type: 'http', url: 'https://example.com/' },
  });
  const s = await createSchedule(principal, body, deps);
  const _id = new Types.ObjectId(s.id);
  await updateSchedule(principal, s.id, { paused: true }, deps);
  const ending = Array.from({ length: 40 }, (_, i) =>
    recordLastRun(
      _id,
      {
        id: new Types.ObjectId(),
        status: 'failed',
        nominal_at: new Date(Date.now() - 60_000 + i),
        finished_at: new Date(),
      },
      { 'stats.failed': 1 },
    ),
  );
  const [resumed] = await Promise.all([updateSchedule(principal, s.id, { paused: false }, deps), ...ending]);
  assert.ok(resumed.next_run_at, 'the resume answered with a next slot');
  const doc = await ScheduleModel.findById(_id).lean<ScheduleDoc>();
  const st = await read(_id);
  assert.equal(nextSlotOf(doc!, st)?.toISOString(), resumed.next_run_at, 'and it is what the scheduler reads');
  assert.equal(st?.stats.failed, 40);
});
