import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { nextSlotOf, recordLastRun, ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

const at = (s: string) => new Date(`2026-11-27T10:${s}Z`);
const read = (id: Types.ObjectId) => ScheduleStateModel.findById(id).lean<ScheduleStateDoc>();

test('last_run moves forward only, while every finished run is counted', async () => {
  const _id = new Types.ObjectId();
  await ScheduleStateModel.create({ _id, next_run_at: null });
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
    next_run_at: null,
    last_run: { id: new Types.ObjectId(), status: 'succeeded', nominal_at: at('05:00'), finished_at: at('05:01') },
  });
  await recordLastRun(_id, { id: later, status: 'succeeded', nominal_at: at('06:00'), finished_at: at('06:01') });
  assert.equal((await read(_id))?.last_run?.id.toHexString(), later.toHexString());
});

test('the next slot is the slot after the latest ended run, unless a later write of the schedule set one', async () => {
  const _id = new Types.ObjectId();
  await ScheduleStateModel.create({ _id, next_run_at: at('01:00') });
  const end = (slot: string, next: string | null) =>
    recordLastRun(
      _id,
      { id: new Types.ObjectId(), status: 'succeeded', nominal_at: at(slot), finished_at: at(slot) },
      {},
      { slot: at(slot), next: next ? at(next) : null },
    );
  const next = async () => nextSlotOf(await read(_id))?.toISOString() ?? null;

  assert.equal(await next(), at('01:00').toISOString(), 'nothing ended yet: the stored slot');
  await end('01:00', '02:00');
  await end('03:00', '04:00');
  await end('02:00', '03:00'); // ends last, but firing got further: it does not move `fired` back
  assert.equal(await next(), at('04:00').toISOString());

  // An edit (a retime from its own time) sets a slot after every slot fired: it wins ...
  await ScheduleStateModel.updateOne({ _id }, { $set: { next_run_at: at('05:30') } });
  assert.equal(await next(), at('05:30').toISOString());
  await end('03:00', '04:00'); // ... over a run fired before it that ends after it
  assert.equal(await next(), at('05:30').toISOString());
  await end('05:30', '06:30'); // and the edit's slot, once run, moves on as usual
  assert.equal(await next(), at('06:30').toISOString());

  // A pause wins outright, whatever ends meanwhile; a one-off's last run leaves nothing next.
  await ScheduleStateModel.updateOne({ _id }, { $set: { next_run_at: null } });
  await end('06:30', '07:30');
  assert.equal(await next(), null);
  await ScheduleStateModel.updateOne({ _id }, { $set: { next_run_at: at('08:00') } });
  await end('08:00', null);
  assert.equal(await next(), null);
});
