import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { recordLastRun, ScheduleStateModel, type ScheduleStateDoc } from './schedule-state.model.ts';

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
