/**
 * What the embedded database does because of Cloud Crony's patches to FerretDB
 * (server/ferretdb/patches/), checked on the database the tests run on when it is FerretDB, as
 * the launcher builds it. On MongoDB these are skipped: it did all of this already.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BSON, type Collection, type Document } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { withinSeconds } from '../../test/support/within.ts';
import { idOnlyFilters } from './engine.ts';

let db: TestDatabase;
let ferretdb = false;
before(async () => {
  db = await useTestDatabase();
  ferretdb = await idOnlyFilters();
});
after(() => db.close());

const collection = (name: string): Collection => mongoose.connection.db!.collection(name);

test('update commands of 50 statements, eight at once, all complete and apply (0002; FerretDB 1.24 hung)', async (t) => {
  if (!ferretdb) return t.skip('MongoDB');
  const things = collection('patch_many_updates');
  const ids = Array.from({ length: 400 }, () => new Types.ObjectId());
  await things.insertMany(ids.map((_id, n) => ({ _id, n, done: false })));
  const commands = Array.from({ length: 8 }, (_, c) =>
    things.bulkWrite(
      ids
        .slice(c * 50, c * 50 + 50)
        .map((_id) => ({ updateOne: { filter: { _id }, update: { $set: { done: true } } } })),
      { ordered: false },
    ),
  );
  const results = await withinSeconds(30, Promise.all(commands), '8 update commands of 50 statements');
  assert.deepEqual(
    results.map((r) => r.matchedCount),
    Array(8).fill(50),
  );
  assert.equal(await things.countDocuments({ done: true }), 400);
});

test("the statements of one update command see the earlier statements' writes, in order (0002)", async (t) => {
  if (!ferretdb) return t.skip('MongoDB');
  const things = collection('patch_in_order');
  const [a, b] = [new Types.ObjectId(), new Types.ObjectId()];
  await things.insertMany([
    { _id: a, n: 0 },
    { _id: b, n: 0 },
  ]);
  const res = await things.bulkWrite(
    [
      { updateOne: { filter: { _id: a }, update: { $inc: { n: 1 } } } },
      { updateOne: { filter: { _id: a }, update: { $inc: { n: 1 } } } },
      // No _id: it must find `a` as the two above left it.
      { updateOne: { filter: { n: 2 }, update: { $set: { seen: true } } } },
      { updateOne: { filter: { _id: b }, update: { $inc: { n: 5 } } } },
      { updateOne: { filter: { _id: new Types.ObjectId() }, update: { $inc: { n: 1 } } } },
    ],
    { ordered: false },
  );
  assert.equal(res.matchedCount, 4, 'the missing document matched nothing');
  assert.deepEqual(await things.find({}).sort({ _id: 1 }).toArray(), [
    { _id: a, n: 2, seen: true },
    { _id: b, n: 5 },
  ]);
});

test('a failing update command writes none of its statements', async (t) => {
  if (!ferretdb) return t.skip('MongoDB');
  const things = collection('patch_failing');
  const [a, b] = [new Types.ObjectId(), new Types.ObjectId()];
  await things.insertMany([
    { _id: a, n: 0 },
    { _id: b, n: 'text' },
  ]);
  await assert.rejects(
    things.bulkWrite(
      [
        { updateOne: { filter: { _id: a }, update: { $inc: { n: 1 } } } },
        { updateOne: { filter: { _id: b }, update: { $inc: { n: 1 } } } }, // $inc of a string: refused
      ],
      { ordered: false },
    ),
  );
  assert.deepEqual(await things.findOne({ _id: a }), { _id: a, n: 0 });
});

/** A document with a value of each kind Cloud Crony stores, and strings that need escapes. */
function everyKind(): Document {
  return {
    _id: new Types.ObjectId(),
    plain: 'hourly-report',
    escaped: 'a "quote", a \\ backslash, a\nnewline, a\ttab and \u0001',
    // Each escape alone too: one kind of escape must not hide another's handling.
    newline: 'line one\nline two',
    backslash: 'C:\\temp',
    control: 'bell\u0007',
    unicode: 'Zürich ✓ 🙂 日本',
    empty: '',
    int: 42,
    negative: -7,
    long: BSON.Long.fromString('9007199254740993'),
    double: new BSON.Double(1.5),
    whole_double: new BSON.Double(3),
    yes: true,
    no: false,
    at: new Date('2026-12-06T21:00:00.123Z'),
    before_1970: new Date('1969-07-20T20:17:40Z'),
    nothing: null,
    nested: { id: new Types.ObjectId(), list: [1, 'two', { three: [3] }, {}], none: [] },
    attempts: [{ attempt: 1, status: 'succeeded', started_at: new Date(0), error: null }],
  };
}

const canonical = (doc: Document | null) => BSON.EJSON.stringify(doc, { relaxed: false });

test('values of every kind read back as written, and an update leaves the other fields as they were (0003)', async () => {
  const things = collection('patch_values');
  const doc = everyKind();
  await things.insertOne(doc);
  const read = await things.findOne({ _id: doc._id }, { promoteValues: false });
  assert.equal(canonical(read), canonical(doc));

  await things.updateOne({ _id: doc._id }, { $set: { plain: 'daily-report' } });
  const updated = await things.findOne({ _id: doc._id }, { promoteValues: false });
  assert.equal(canonical(updated), canonical({ ...doc, plain: 'daily-report' }));
});
