import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../../test/support/db.ts';
import { ScheduleModel } from '../schedules/schedule.model.ts';
import { DueIndex } from './due-index.ts';
import { refreshed } from '../../../test/support/due-index.ts';
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
  await refreshed(index);
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
  await refreshed(index);
  assert.equal(await nameOf(id), 'second', 'the note dropped the copy');
});

test('a read that overlaps a forget is not kept: it may predate the edit', async () => {
  await following();
  const id = await schedule('before');
  const reading = scheduleCache.get(id);
  scheduleCache.forget([id.toHexString()]); // a refresh applied a note of it while the read was in flight
  assert.equal((await reading)?.name, 'before');
  await rename(id, 'after');
  assert.equal(await nameOf(id), 'after');
});

/** Counts the reads of `id` from the database while `work` runs (the cache reads by `find`, `_id` `$in`). */
async function readsOf(id: Types.ObjectId, work: () => Promise<unknown>): Promise<number> {
  const collection = ScheduleModel.collection;
  const find = collection.find;
  let reads = 0;
  collection.find = function (this: typeof collection, ...args: Parameters<typeof find>) {
    const ids = (args[0] as { _id?: { $in?: unknown[] } } | undefined)?._id?.$in ?? [];
    if (ids.some((i) => String(i) === String(id))) reads++;
    return find.apply(this, args);
  } as typeof find;
  try {
    await work();
  } finally {
    collection.find = find;
  }
  return reads;
}

test('while the notes are followed, callers that ask for a schedule being read share the read', async () => {
  await following();
  const id = await schedule('one');
  let names: (string | undefined)[] = [];
  const reads = await readsOf(id, async () => {
    names = await Promise.all([nameOf(id), nameOf(id), nameOf(id)]);
  });
  assert.equal(reads, 1);
  assert.deepEqual(names, ['one', 'one', 'one']);
});

test('a caller that asks after a forget does not join a read that began before it', async () => {
  await following();
  const id = await schedule('before');
  let second: string | undefined;
  const reads = await readsOf(id, async () => {
    const first = nameOf(id);
    scheduleCache.forget([id.toHexString()]); // a refresh applied a note of it while the read was in flight
    await rename(id, 'after');
    second = await nameOf(id);
    await first;
  });
  assert.equal(reads, 2);
  assert.equal(second, 'after');
});

test('a caller that asks right after a forget, while the read is still out, reads again', async () => {
  await following();
  const id = await schedule('asked twice');
  const reads = await readsOf(id, async () => {
    const first = nameOf(id);
    scheduleCache.forget([id.toHexString()]); // a note of it applied while the read is out
    await Promise.all([first, nameOf(id)]);
  });
  assert.equal(reads, 2);
});

test('a process that does not follow the notes reads for every caller', async () => {
  const id = await schedule('alone');
  await new Promise((r) => setTimeout(r, 3_100)); // the notes were last followed in an earlier test
  const reads = await readsOf(id, () => Promise.all([nameOf(id), nameOf(id)]));
  assert.equal(reads, 2);
});

test('copies are dropped once the notes have not been followed for a few seconds', async () => {
  await following();
  const id = await copied();
  await new Promise((r) => setTimeout(r, 3_100));
  assert.equal(await nameOf(id), 'second', 'edits made meanwhile were not followed');
});

test('a due index that loads keeps the schedules it read whole: firings read none of them', async () => {
  const [one, two] = [await schedule('one'), await schedule('two')];
  await following(); // loads: every schedule stored fits in the copies
  await rename(one, 'one, edited'); // no note
  await rename(two, 'two, edited');
  assert.equal(await nameOf(one), 'one', 'kept by the pass: no read');
  assert.equal(await nameOf(two), 'two');

  await noteRetimed([one]);
  await refreshed(new DueIndex()); // another load: notes written before it are its own
  assert.equal(await nameOf(one), 'one, edited', 'a load keeps what it read, edits included');
});

test('keepAll() keeps no more schedules than fit in the copies', () => {
  const docs = Array.from({ length: scheduleCache.capacity + 10 }, (_, i) => ({
    _id: new Types.ObjectId(),
    name: `s${i}`,
  }));
  assert.equal(scheduleCache.keepAll(docs as never), scheduleCache.capacity);
});
