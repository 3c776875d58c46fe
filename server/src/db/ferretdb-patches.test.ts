/**
 * What the embedded database does because of Cloud Crony's patches to FerretDB
 * (server/ferretdb/patches/), checked on the database the tests run on, FerretDB as the
 * launcher builds it. What only the patched FerretDB does is skipped on MongoDB; what MongoDB
 * does too (values read back as written, a delete command's answers) is checked on both.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BSON, type Collection, type Document } from 'mongodb';
import mongoose, { Types } from 'mongoose';
import { useTestDatabase, type TestDatabase } from '../../test/support/db.ts';
import { withinSeconds } from '../../test/support/within.ts';
import { ferretdbPatchProblem, idOnlyFilters } from './engine.ts';
import { patchNames } from './ferretdb-source.ts';

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

/*
 * Deletes by `_id` (0007): FerretDB deletes a run of `{_id: ObjectId}` statements together,
 * without reading the documents. What a delete command answers and leaves must be what it was
 * statement by statement, so these run on MongoDB too.
 */
const byId = (_id: Types.ObjectId) => ({ deleteOne: { filter: { _id } } });

test('delete commands by _id delete those and count missing and repeated ids as nothing (0007)', async () => {
  const things = collection('patch_deletes');
  const ids = Array.from({ length: 60 }, () => new Types.ObjectId());
  await things.insertMany(ids.map((_id, n) => ({ _id, n })));
  for (const ordered of [true, false]) {
    const res = await things.bulkWrite(ids.slice(ordered ? 0 : 25, ordered ? 25 : 50).map(byId), { ordered });
    assert.equal(res.deletedCount, 25);
  }
  const again = await things.bulkWrite(
    [byId(ids[50]!), byId(ids[50]!), byId(new Types.ObjectId()), byId(ids[0]!), byId(ids[51]!)],
    { ordered: false },
  );
  assert.equal(again.deletedCount, 2, 'each of ids[50] and ids[51] once; the missing and the deleted count nothing');
  assert.deepEqual(
    (await things.find({}).sort({ n: 1 }).toArray()).map((d) => d.n),
    [52, 53, 54, 55, 56, 57, 58, 59],
  );
});

test('a delete by ObjectId leaves a document whose _id is a string of the same hex digits (0007)', async () => {
  const things = collection('patch_delete_string_id');
  const id = new Types.ObjectId();
  await things.insertOne({ _id: id.toHexString() as unknown as Types.ObjectId, kind: 'string' });
  const res = await things.bulkWrite([byId(id), byId(id)], { ordered: true });
  assert.equal(res.deletedCount, 0);
  assert.equal((await things.deleteMany({ _id: id })).deletedCount, 0);
  assert.deepEqual(await things.find({}).toArray(), [{ _id: id.toHexString(), kind: 'string' }]);
});

test('the statements of a delete command run in order: one by status sees the deletes by _id before it (0007)', async () => {
  const things = collection('patch_delete_order');
  const [a, b, c] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
  // Inserted in _id order: a delete by status that did not see a's delete would take a again, and leave b.
  await things.insertMany([
    { _id: a, status: 'done' },
    { _id: b, status: 'done' },
    { _id: c, status: 'running' },
  ]);
  const res = await things.bulkWrite([byId(a), { deleteOne: { filter: { status: 'done' } } }], { ordered: true });
  assert.equal(res.deletedCount, 2);
  assert.deepEqual(await things.find({}).toArray(), [{ _id: c, status: 'running' }]);
});

test('a failing statement in a delete command: ordered stops there, unordered goes on (0007)', async () => {
  const things = collection('patch_delete_failing');
  const ids = Array.from({ length: 6 }, () => new Types.ObjectId());
  await things.insertMany(ids.map((_id) => ({ _id, a: 1 })));
  const bad = { deleteOne: { filter: { a: { $bogus: 1 } } } };
  const failure = (ops: Parameters<Collection['bulkWrite']>[0], ordered: boolean) =>
    things.bulkWrite(ops, { ordered }).then(
      () => assert.fail('the command should have failed'),
      (err: { result: { deletedCount: number }; writeErrors: { index: number }[] | { index: number } }) => ({
        deleted: err.result.deletedCount,
        indexes: [err.writeErrors].flat().map((e) => e.index),
      }),
    );
  assert.deepEqual(await failure([byId(ids[0]!), byId(ids[1]!), bad, byId(ids[2]!)], true), {
    deleted: 2,
    indexes: [2],
  });
  assert.deepEqual(await failure([byId(ids[2]!), bad, byId(ids[3]!), bad, byId(ids[4]!)], false), {
    deleted: 3,
    indexes: [1, 3],
  });
  assert.deepEqual(await things.find({}).toArray(), [{ _id: ids[5], a: 1 }]);
});

test("the database's buildInfo names every patch it was built with (0008), so a server can refuse one without them", async (t) => {
  if (!ferretdb) return t.skip('MongoDB');
  const info = await mongoose.connection.db!.admin().command({ buildInfo: 1 });
  assert.deepEqual(info.cronyPatches, patchNames());
  assert.equal(ferretdbPatchProblem(info, patchNames()), null);
});

test('reads, updates and deletes by an _id $in touch the listed documents and no others, whatever their _id type (0009)', async () => {
  const things = collection('patch_id_in');
  const [a, b, c, missing] = [new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId(), new Types.ObjectId()];
  const docs: Document[] = [{ _id: a }, { _id: b }, { _id: c.toHexString() }, { _id: 7 }];
  await things.insertMany(docs);
  const ids = async (filter: Document) => (await things.find(filter).toArray()).map((d) => String(d._id)).sort();

  assert.deepEqual(await ids({ _id: { $in: [a, b, c, missing] } }), [String(a), String(b)].sort(), 'not the string');
  assert.deepEqual(await ids({ _id: { $in: [a, c.toHexString()] } }), [String(a), c.toHexString()].sort());
  assert.deepEqual(await ids({ _id: { $in: [a, 7] } }), [String(a), '7'].sort(), 'a list that is not pushed down');
  const aAndString: Document = { _id: { $in: [a, c.toHexString()] } };
  assert.equal((await things.updateMany(aAndString, { $set: { x: 1 } })).modifiedCount, 2);
  assert.equal((await things.deleteMany({ _id: { $in: [b, c] } })).deletedCount, 1, 'b, not the string');
  assert.deepEqual(await things.find({}, { sort: { x: -1 } }).toArray(), [
    { _id: a, x: 1 },
    { _id: c.toHexString(), x: 1 },
    { _id: 7 },
  ]);
});

test('FerretDB answers a filter of _id $in from its index (0009)', async (t) => {
  if (!ferretdb) return t.skip('MongoDB');
  const things = collection('patch_id_in_explain');
  await things.insertOne({ _id: new Types.ObjectId() });
  const pushedDown = async (filter: Document) =>
    (await mongoose.connection.db!.command({ explain: { find: things.collectionName, filter } })).filterPushdown;
  const ids = [new Types.ObjectId(), new Types.ObjectId()];
  assert.equal(await pushedDown({ _id: { $in: ids } }), true);
  assert.equal(await pushedDown({ _id: { $in: [...ids, 'a string'] } }), true);
  assert.equal(await pushedDown({ _id: { $in: [...ids, 7] } }), false, 'a number: read whole, as before');
  assert.equal(await pushedDown({ _id: { $in: ids }, a: 1 }), false, 'another field: read whole, as before');
});
