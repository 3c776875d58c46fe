import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import mongoose, { Schema, Types, model } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { isDuplicateKey } from './errors.ts';
import { batchedDelete, batchedInsert, batchedUpdate, buildNew } from './write-batch.ts';

interface ThingDoc {
  _id: Types.ObjectId;
  n: number;
}
const Thing = model<ThingDoc>('BatchThing', new Schema<ThingDoc>({ n: Number }), 'batch_things');

let db: TestDatabase;
before(async () => {
  db = await useTestDatabase();
});
after(() => db.close());

/** Counts the commands mongoose sends to `batch_things`, by method, while `fn` runs. */
async function commands(fn: () => Promise<unknown>): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  mongoose.set('debug', (coll: string, method: string) => {
    if (coll === 'batch_things') seen[method] = (seen[method] ?? 0) + 1;
  });
  try {
    await fn();
  } finally {
    mongoose.set('debug', false);
  }
  return seen;
}

test('inserts issued together go out as one insertMany per 50 documents, and all are stored', async () => {
  await Thing.deleteMany({});
  const docs = Array.from({ length: 120 }, (_, n) => ({ _id: new Types.ObjectId(), n }));
  const sent = await commands(() => Promise.all(docs.map((d) => batchedInsert(Thing, d))));
  assert.deepEqual(sent, { insertMany: 3 });
  assert.equal(await Thing.countDocuments({}), 120);
});

test('a document the database refuses fails only its own caller, with the database error code', async () => {
  await Thing.deleteMany({});
  const taken = new Types.ObjectId();
  await Thing.collection.insertOne({ _id: taken, n: -1 });
  const fresh = [1, 2, 3].map((n) => ({ _id: new Types.ObjectId(), n }));
  const results = await Promise.allSettled([
    batchedInsert(Thing, fresh[0]!),
    batchedInsert(Thing, { _id: taken, n: 0 }),
    batchedInsert(Thing, fresh[1]!),
    batchedInsert(Thing, fresh[2]!),
  ]);
  assert.deepEqual(
    results.map((r) => r.status),
    ['fulfilled', 'rejected', 'fulfilled', 'fulfilled'],
  );
  const refused = results[1] as PromiseRejectedResult;
  assert.ok(isDuplicateKey(refused.reason), `a duplicate key error, got ${String(refused.reason)}`);
  const stored = await Thing.find({}).sort({ n: 1 }).lean();
  assert.deepEqual(
    stored.map((d) => d.n),
    [-1, 1, 2, 3],
    'the others were written, the taken one kept',
  );
});

test('inserts awaited one after another are not held back', async () => {
  await Thing.deleteMany({});
  for (let n = 0; n < 3; n++) await batchedInsert(Thing, { _id: new Types.ObjectId(), n });
  assert.equal(await Thing.countDocuments({}), 3);
});

test('deletes by _id issued together go out as one bulk write per 50, and remove only those', async () => {
  await Thing.deleteMany({});
  const docs = Array.from({ length: 60 }, (_, n) => ({ _id: new Types.ObjectId(), n }));
  await Thing.collection.insertMany(docs);
  const doomed = docs.filter((d) => d.n % 2 === 0);
  const sent = await commands(() => Promise.all(doomed.map((d) => batchedDelete(Thing, d._id))));
  assert.deepEqual(sent, { bulkWrite: 1 });
  const left = await Thing.find({}).lean();
  assert.equal(left.length, 30);
  assert.ok(left.every((d) => d.n % 2 === 1));
  await batchedDelete(Thing, new Types.ObjectId()); // a missing document is no error
});

test('updates by _id issued together go out as one bulk write per 50, each applied, each told its document was there', async () => {
  await Thing.deleteMany({});
  const docs = Array.from({ length: 60 }, (_, n) => ({ _id: new Types.ObjectId(), n }));
  await Thing.collection.insertMany(docs);
  let answers: boolean[] = [];
  const sent = await commands(async () => {
    answers = await Promise.all(docs.map((d) => batchedUpdate(Thing, d._id, { $inc: { n: 100 } })));
  });
  assert.deepEqual(sent, { bulkWrite: 2 });
  assert.ok(answers.every((a) => a === true));
  const stored = await Thing.find({}).sort({ n: 1 }).lean();
  assert.deepEqual(
    stored.map((d) => d.n),
    docs.map((d) => d.n + 100),
  );
});

test('an update of a document that is not there answers false to its own caller only', async () => {
  await Thing.deleteMany({});
  const docs = [1, 2, 3].map((n) => ({ _id: new Types.ObjectId(), n }));
  await Thing.collection.insertMany([docs[0]!, docs[2]!]);
  const answers = await Promise.all(docs.map((d) => batchedUpdate(Thing, d._id, { $set: { n: -d.n } })));
  assert.deepEqual(answers, [true, false, true]);
  assert.equal(await Thing.countDocuments({}), 2, 'nothing was inserted for the missing one');
  assert.deepEqual(
    (await Thing.find({}).sort({ n: 1 }).lean()).map((d) => d.n),
    [-3, -1],
  );
});

interface NoteDoc {
  _id: Types.ObjectId;
  title: string;
  tags: string[];
  created_at: Date;
  updated_at: Date;
  __v?: number;
}
const Note = model<NoteDoc>(
  'BatchNote',
  new Schema<NoteDoc>(
    { title: { type: String, required: true }, tags: { type: [String], default: ['new'] } },
    { timestamps: { createdAt: 'created_at', updatedAt: 'updated_at' } },
  ),
  'batch_notes',
);

test('buildNew stores what create would: cast, defaults, timestamps (a given one kept), version key', async () => {
  const given = new Date('2026-01-02T03:04:05Z');
  const built = await buildNew(Note, { title: 42 as unknown as string, created_at: given });
  await batchedInsert(Note, built);
  const stored = await Note.collection.findOne({ _id: built._id });
  const created = (await Note.create({ title: '42', created_at: given })).toObject();
  const shape = (d: object) => Object.keys(d).sort();
  assert.deepEqual(shape(stored!), shape(created), 'the same fields as a document create stored');
  assert.equal(stored!.title, '42', 'cast as the schema says');
  assert.deepEqual(stored!.tags, ['new'], 'defaults applied');
  assert.deepEqual(stored!.created_at, given, 'a timestamp given is kept');
  assert.ok(stored!.updated_at instanceof Date, 'a missing timestamp is set');
  assert.equal(stored!.__v, 0);
  await assert.rejects(buildNew(Note, {}), { name: 'ValidationError' }, 'validated as create validates');
});
