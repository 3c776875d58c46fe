import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Schema, Types, model } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { dropCopy, keepCopy, takeCopy, updateIf, updateIfJustRead } from './update-if.ts';

interface GuardedDoc {
  _id: Types.ObjectId;
  state: string;
  note: string | null;
  at: Date | null;
}
const Guarded = model<GuardedDoc>(
  'GuardedThing',
  new Schema<GuardedDoc>({ state: String, note: { type: String, default: null }, at: { type: Date, default: null } }),
  'guarded_things',
);

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

const read = async (id: Types.ObjectId) => (await Guarded.collection.findOne({ _id: id })) as GuardedDoc | null;

test('updateIf writes only while the document still matches', async () => {
  const _id = new Types.ObjectId();
  await Guarded.collection.insertOne({ _id, state: 'a', note: null, at: null });
  assert.equal(await updateIf(Guarded, _id, { state: 'b' }, { $set: { note: 'no' } }), false);
  assert.equal(await updateIf(Guarded, _id, { state: 'a' }, { $set: { state: 'b' } }), true);
  assert.equal((await read(_id))?.state, 'b');
});

test('updateIfJustRead checks the copy read, writes $set as given and leaves undefined keys alone', async () => {
  const _id = new Types.ObjectId();
  await Guarded.collection.insertOne({ _id, state: 'running', note: 'kept', at: null });
  const copy = (await read(_id))!;
  const at = new Date('2026-11-28T05:00:00Z');
  assert.equal(await updateIfJustRead(Guarded, copy, { state: 'queued' }, { $set: { state: 'done' } }), false);
  assert.equal(
    await updateIfJustRead(Guarded, copy, { state: 'running' }, { $set: { state: 'done', note: undefined, at } }),
    true,
  );
  assert.deepEqual(await read(_id), { _id, state: 'done', note: 'kept', at });
});

test('a kept copy is handed out once, and not after a guarded write of its document or once dropped', async () => {
  const doc = { _id: new Types.ObjectId(), state: 'a', note: null, at: null };
  await Guarded.collection.insertOne({ ...doc });
  keepCopy(Guarded, doc);
  assert.equal(takeCopy(Guarded, doc._id), doc);
  assert.equal(takeCopy(Guarded, doc._id), null, 'taken already');

  keepCopy(Guarded, doc);
  assert.equal(await updateIf(Guarded, doc._id, { state: 'b' }, { $set: { note: 'refused' } }), false);
  assert.equal(takeCopy(Guarded, doc._id), null, 'even a refused guarded write may have changed it');

  keepCopy(Guarded, doc);
  await updateIfJustRead(Guarded, doc, { state: 'a' }, { $set: { note: 'written' } });
  assert.equal(takeCopy(Guarded, doc._id), null);

  keepCopy(Guarded, doc);
  const other = new Types.ObjectId();
  await Guarded.collection.insertOne({ _id: other, state: 'a', note: null, at: null });
  await updateIf(Guarded, other, { state: 'a' }, { $set: { note: 'elsewhere' } });
  dropCopy(Guarded, new Types.ObjectId());
  assert.equal(takeCopy(Guarded, doc._id), doc, 'writes of other documents leave it alone');

  keepCopy(Guarded, doc);
  dropCopy(Guarded, doc._id);
  assert.equal(takeCopy(Guarded, doc._id), null);
});
