import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mongoose, { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { appendErrors, configureErrors, errorsLimit, errorsTrimmed, type NewScheduleError } from './errors.service.ts';
import { ScheduleErrorModel } from './schedule-error.model.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  configureErrors({ limit: 3 });
});
after(async () => {
  configureErrors({ limit: 50 });
  await db.close();
});

const tenant = new Types.ObjectId();
const entry = (scheduleId: Types.ObjectId, n: number): NewScheduleError => ({
  tenant_id: tenant,
  schedule_id: scheduleId,
  schedule_name: `s ${n}`,
  group_id: null,
  run_id: new Types.ObjectId(),
  nominal_at: new Date(Date.UTC(2026, 10, 27, 10, n)),
  attempt: 1,
  code: 'missed',
  message: `entry ${n}`,
  status: 'missed',
  worker: null,
  at: new Date(),
});

test('each schedule keeps its newest entries up to the bound, once the trims are done', async () => {
  const [a, b] = [new Types.ObjectId(), new Types.ObjectId()];
  for (let n = 0; n < 5; n++) await appendErrors([entry(a, n)]);
  await appendErrors([entry(b, 0), entry(b, 1)]);
  await errorsTrimmed();
  const kept = async (s: Types.ObjectId) =>
    (await ScheduleErrorModel.find({ schedule_id: s }).sort({ _id: -1 }).lean()).map((e) => e.message);
  assert.equal(errorsLimit(), 3);
  assert.deepEqual(await kept(a), ['entry 4', 'entry 3', 'entry 2']);
  assert.deepEqual(await kept(b), ['entry 1', 'entry 0'], 'a schedule under the bound loses nothing');
});

test('appends made at the same time share trim rounds: far fewer reads than appends, the bound holds for all', async () => {
  const schedules = Array.from({ length: 40 }, () => new Types.ObjectId());
  let reads = 0;
  mongoose.set('debug', (coll: string, method: string) => {
    if (coll === 'schedule_errors' && method === 'find') reads++;
  });
  try {
    await Promise.all(schedules.flatMap((s) => [0, 1, 2, 3, 4].map((n) => appendErrors([entry(s, n)]))));
    await errorsTrimmed();
  } finally {
    mongoose.set('debug', false);
  }
  assert.ok(reads < 20, `200 appends read the entries back ${reads} times`);
  for (const s of schedules) assert.equal(await ScheduleErrorModel.countDocuments({ schedule_id: s }), 3);
});

test('an append resolves once its entries are stored, without waiting for the trim', async () => {
  // A firing that records missed slots appends errors; waiting for a trim (a scan on FerretDB)
  // slowed every such firing down by a second or more at 100,000 schedules.
  const a = new Types.ObjectId();
  for (let n = 0; n < 3; n++) await appendErrors([entry(a, n)]);
  await errorsTrimmed();
  const events: string[] = [];
  mongoose.set('debug', (coll: string, method: string) => {
    if (coll === 'schedule_errors') events.push(method);
  });
  try {
    await appendErrors([entry(a, 3)]);
    events.push('resolved');
    await errorsTrimmed();
  } finally {
    mongoose.set('debug', false);
  }
  assert.ok(events.includes('bulkWrite'), `the entry past the bound was deleted: ${events.join(', ')}`);
  assert.ok(events.indexOf('resolved') < events.indexOf('bulkWrite'), `resolved before the trim: ${events.join(', ')}`);
  assert.equal(await ScheduleErrorModel.countDocuments({ schedule_id: a }), 3);
});
