import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { RunModel } from '../runs/run.model.ts';
import { ScheduleModel, type ScheduleDoc } from '../schedules/schedule.model.ts';
import { fireSlot } from './fire.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RunModel.syncIndexes();
});
after(() => db.close());

async function schedule(next: Date): Promise<ScheduleDoc> {
  const doc = await ScheduleModel.create({
    tenant_id: new Types.ObjectId(),
    name: 'race',
    cron: '*/5 * * * * *',
    anchor: new Date(),
    timezone: 'UTC',
    target: { type: 'http', url: 'https://example.com', method: 'POST', headers: {}, timeout_ms: 1000 },
    next_run_at: next,
  });
  return doc.toObject() as ScheduleDoc;
}

test('two schedulers firing the same slot at once produce exactly one run', async () => {
  const slot = new Date('2026-11-27T10:00:05Z');
  const s = await schedule(slot);
  const now = new Date('2026-11-27T10:00:05.010Z');
  const ids = await Promise.all([fireSlot(s, now), fireSlot(s, now), fireSlot(s, now)]);
  assert.equal(ids.filter(Boolean).length, 1, 'one caller wins the slot');
  assert.equal(await RunModel.countDocuments({ schedule_id: s._id }), 1);
  const after = await ScheduleModel.findById(s._id).lean();
  assert.equal(
    after?.next_run_at?.toISOString(),
    '2026-11-27T10:00:10.000Z',
    'and the schedule moves to its next slot',
  );
});

test('re-firing a slot that was already recorded (a crash between the two writes) adds no run', async () => {
  const slot = new Date('2026-11-27T11:00:00Z');
  const s = await schedule(slot);
  await RunModel.create({
    tenant_id: s.tenant_id,
    schedule_id: s._id,
    schedule_name: 'race',
    slot: slot.toISOString(),
    trigger: 'schedule',
    status: 'succeeded',
    nominal_at: slot,
  });
  const id = await fireSlot(s, new Date('2026-11-27T11:00:00.500Z'));
  assert.equal(id, null);
  assert.equal(await RunModel.countDocuments({ schedule_id: s._id }), 1);
  const after = await ScheduleModel.findById(s._id).lean();
  assert.equal(after?.next_run_at?.toISOString(), '2026-11-27T11:00:05.000Z');
});

test('a paused schedule does not fire', async () => {
  const slot = new Date('2026-11-27T12:00:00Z');
  const s = await schedule(slot);
  await ScheduleModel.updateOne({ _id: s._id }, { $set: { paused: true } });
  assert.equal(await fireSlot(s, slot), null);
  assert.equal(await RunModel.countDocuments({ schedule_id: s._id }), 0);
});
