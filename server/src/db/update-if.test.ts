import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Schema, Types, model } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { dropCopy, inTurn, keepCopy, MAX_COPIES, peekCopy, takeCopy, updateIf, updateIfJustRead } from './update-if.ts';

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

test('a guarded write waiting for the turn lets go of the copy kept in that turn', async () => {
  // A claim keeps the run's copy at the end of its turn; a cancel that asked for the turn
  // meanwhile writes after it, so the copy must not outlive that write (it did when a write let
  // go of copies before waiting for its turn).
  const doc = { _id: new Types.ObjectId(), state: 'a', note: null, at: null };
  await Guarded.collection.insertOne({ ...doc });
  let release!: () => void;
  const holding = inTurn(Guarded, doc._id, async () => {
    await new Promise<void>((r) => (release = r));
    keepCopy(Guarded, doc);
  });
  const write = updateIf(Guarded, doc._id, { state: 'a' }, { $set: { state: 'b' } });
  await new Promise((r) => setTimeout(r, 20));
  release();
  await holding;
  assert.equal(await write, true);
  assert.equal(takeCopy(Guarded, doc._id), null, 'the copy from before the write is not handed out');
});

test('a peek leaves the copy for its take', () => {
  const doc = { _id: new Types.ObjectId(), state: 'a', note: null, at: null };
  assert.equal(peekCopy(Guarded, doc._id), null);
  keepCopy(Guarded, doc);
  assert.equal(peekCopy(Guarded, doc._id), doc);
  assert.equal(peekCopy(Guarded, doc._id), doc);
  assert.equal(takeCopy(Guarded, doc._id), doc);
  assert.equal(peekCopy(Guarded, doc._id), null);
});

test('copies are bounded: at MAX_COPIES the tenth kept longest ago is let go', () => {
  const docs = Array.from({ length: MAX_COPIES }, () => ({ _id: new Types.ObjectId() }));
  for (const d of docs) keepCopy(Guarded, d);
  keepCopy(Guarded, docs[0]!); // kept again: now the newest
  const newest = { _id: new Types.ObjectId() };
  keepCopy(Guarded, newest);
  assert.equal(takeCopy(Guarded, docs[1]!._id), null, 'the oldest went first');
  assert.equal(takeCopy(Guarded, docs[MAX_COPIES / 10]!._id), null, 'a tenth of them at once');
  assert.equal(takeCopy(Guarded, docs[MAX_COPIES / 10 + 1]!._id), docs[MAX_COPIES / 10 + 1], 'no more');
  assert.equal(takeCopy(Guarded, docs[0]!._id), docs[0], 'not the one kept again');
  assert.equal(takeCopy(Guarded, newest._id), newest);
  for (const d of docs) dropCopy(Guarded, d._id);
});
