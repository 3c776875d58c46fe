import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { DueIndex } from './due-index.ts';
import { noteRetimed, RetimeNoteModel } from './retime-notes.model.ts';
import { scheduleCache } from './schedule-cache.ts';

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
  await RetimeNoteModel.deleteMany({});
});
after(() => db.close());

async function schedule(name: string): Promise<Types.ObjectId> {
  const _id = new Types.ObjectId();
  await ScheduleModel.collection.insertOne({ _id, tenant_id: new Types.ObjectId(), name });
  return _id;
}

const rename = (_id: Types.ObjectId, name: string) => ScheduleModel.collection.updateOne({ _id }, { $set: { name } });
const nameOf = async (id: Types.ObjectId) => (await scheduleCache.get(id))?.name;

/** A due index that has just read the notes: the process follows them from now. */
async function following(): Promise<DueIndex> {
  const index = new DueIndex();
  await index.refresh();
  return index;
}

/** A schedule read once while the notes are followed, then renamed without a note: its copy is used. */
async function copied(): Promise<Types.ObjectId> {
  const id = await schedule('first');
  assert.equal(await nameOf(id), 'first');
  await rename(id, 'second');
  assert.equal(await nameOf(id), 'first', 'the copy, without a read');
  return id;
}

test('a process that does not follow the change notes reads the schedule every time', async () => {
  const id = await schedule('first');
  assert.equal(await nameOf(id), 'first');
  await rename(id, 'second'); // no note
  assert.equal(await nameOf(id), 'second');
});

test('while the due index follows the notes, a copy is used until a note about the schedule is applied', async () => {
  const index = await following();
  const id = await copied();

  await noteRetimed([id]);
  await index.refresh();
  assert.equal(await nameOf(id), 'second', 'the note dropped the copy');
});

test('a read that overlaps a forget is not kept: it may predate the edit', async () => {
  await following();
  const id = await schedule('before');
  const reading = scheduleCache.get(id);
  scheduleCache.forget([]); // a refresh applied notes while the read was in flight
  assert.equal((await reading)?.name, 'before');
  await rename(id, 'after');
  assert.equal(await nameOf(id), 'after');
});

test('copies are dropped once the notes have not been followed for a few seconds', async () => {
  await following();
  const id = await copied();
  await new Promise((r) => setTimeout(r, 3_100));
  assert.equal(await nameOf(id), 'second', 'edits made meanwhile were not followed');
});

test('warm() keeps the schedules asked for from one pass, and no others', async () => {
  await following();
  const [wanted, other] = [await schedule('wanted'), await schedule('other')];
  assert.equal(await scheduleCache.warm([wanted.toHexString()]), 1);
  await rename(wanted, 'wanted, edited');
  await rename(other, 'other, edited');
  assert.equal(await nameOf(wanted), 'wanted', 'kept by the pass: no read');
  assert.equal(await nameOf(other), 'other, edited', 'not asked for: read');
});

test('warm() reads nothing when the schedules asked for do not all fit in the copies', async () => {
  await following();
  const id = await schedule('one of many');
  const many = [id.toHexString(), ...Array.from({ length: 25_000 }, () => new Types.ObjectId().toHexString())];
  assert.equal(await scheduleCache.warm(many), 0);
  await rename(id, 'edited');
  assert.equal(await nameOf(id), 'edited', 'not kept: read');
});
